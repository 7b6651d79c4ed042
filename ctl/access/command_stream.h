// How the controller streams a remote operator's command back over HTTPS
// (POST /v1/command): frames of one kind byte, a 4-byte big-endian length
// and that many bytes. '1' is the command's stdout, '2' its stderr, 'x' its
// exit code in decimal (the last frame). Bytes pass unchanged, so output that
// is not UTF-8 survives. Pure; a decoder is not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace xc {

inline constexpr const char* kCommandStreamType = "application/x-xcloud-command-stream";
inline constexpr size_t kMaxStreamFrameBytes = 1u << 20;

enum class StreamKind : char { kStdout = '1', kStderr = '2', kExit = 'x' };

std::string stream_frame(StreamKind kind, std::string_view data);
std::string exit_frame(int code);

struct StreamFrame {
  StreamKind kind;
  std::string data;
};

class StreamDecoder {
 public:
  // Appends what arrived and returns the frames it completes; kInvalidArgument
  // for an unknown kind, a frame over kMaxStreamFrameBytes or data after the
  // exit frame.
  Result<std::vector<StreamFrame>> feed(std::string_view bytes);
  // The exit code, once its frame arrived.
  std::optional<int> exit_code() const { return exit_code_; }
  // Bytes of a frame that has not fully arrived.
  bool partial() const { return !pending_.empty(); }

 private:
  std::string pending_;
  std::optional<int> exit_code_;
};

}  // namespace xc
