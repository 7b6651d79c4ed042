#include "ctl/access/command_stream.h"

namespace xc {

std::string stream_frame(StreamKind kind, std::string_view data) {
  std::string frame;
  frame.reserve(5 + data.size());
  frame.push_back(static_cast<char>(kind));
  const auto n = static_cast<uint32_t>(data.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    frame.push_back(static_cast<char>((n >> shift) & 0xff));
  frame.append(data);
  return frame;
}

std::string exit_frame(int code) {
  return stream_frame(StreamKind::kExit, std::to_string(code));
}

Result<std::vector<StreamFrame>> StreamDecoder::feed(std::string_view bytes) {
  pending_.append(bytes);
  std::vector<StreamFrame> frames;
  size_t at = 0;
  while (pending_.size() - at >= 5) {
    if (exit_code_)
      return error(Code::kInvalidArgument, "command stream: data after the exit code");
    const char kind = pending_[at];
    if (kind != '1' && kind != '2' && kind != 'x')
      return error(Code::kInvalidArgument, "command stream: unknown frame kind");
    uint32_t n = 0;
    for (size_t i = 1; i <= 4; ++i) n = (n << 8) | static_cast<unsigned char>(pending_[at + i]);
    if (n > kMaxStreamFrameBytes)
      return error(Code::kInvalidArgument, "command stream: a frame larger than 1 MiB");
    if (pending_.size() - at - 5 < n) break;
    StreamFrame f{static_cast<StreamKind>(kind), pending_.substr(at + 5, n)};
    at += 5 + n;
    if (f.kind == StreamKind::kExit) {
      if (f.data.empty() || f.data.size() > 4 ||
          f.data.find_first_not_of("0123456789") != std::string::npos)
        return error(Code::kInvalidArgument, "command stream: a malformed exit code");
      exit_code_ = std::stoi(f.data);
      continue;
    }
    frames.push_back(std::move(f));
  }
  pending_.erase(0, at);
  if (exit_code_ && !pending_.empty())
    return error(Code::kInvalidArgument, "command stream: data after the exit code");
  return frames;
}

}  // namespace xc
