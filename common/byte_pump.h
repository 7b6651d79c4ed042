// Copies bytes both ways between two byte channels until either side closes
// or a limit ends it: the console's data path. On the agent it joins the
// guest's VNC or serial socket to the controller's TLS connection or to the
// SSH channel's stdin/stdout; in xcloudctl it joins a local port or the
// terminal to the TLS connection or the SSH channel. One pump call owns both
// channels for its duration; `stop` may be set from another thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace xc {

// One end of a pump. Reads never block; writes may wait until `deadline`.
class ByteChannel {
 public:
  enum class Read { kData, kWouldBlock, kClosed, kError };
  struct ReadResult {
    Read state = Read::kWouldBlock;
    size_t size = 0;
  };
  virtual ~ByteChannel() = default;
  virtual ReadResult read(char* buffer, size_t capacity) = 0;
  virtual bool write_all(const char* data, size_t size,
                         std::chrono::steady_clock::time_point deadline) = 0;
  // The descriptor to poll for input once `read` said kWouldBlock.
  virtual int poll_fd() const = 0;
  // Tells the far side the session is over (close_notify, EOF); best effort.
  virtual void finish() {}
};

// A pair of plain descriptors (a socket, or stdin and stdout). Descriptors
// that are not terminals are made non-blocking; they stay open afterwards.
class FdChannel : public ByteChannel {
 public:
  FdChannel(int in_fd, int out_fd);
  ReadResult read(char* buffer, size_t capacity) override;
  bool write_all(const char* data, size_t size,
                 std::chrono::steady_clock::time_point deadline) override;
  int poll_fd() const override { return in_fd_; }

 private:
  int in_fd_, out_fd_;
};

struct PumpLimits {
  std::chrono::milliseconds idle{30 * 60 * 1000};          // no byte either way
  std::chrono::milliseconds duration{8 * 60 * 60 * 1000};  // the whole session
  uint64_t bytes = uint64_t{64} << 30;                     // both ways together
};

enum class PumpEnd {
  kRemoteClosed,  // the far side closed
  kLocalClosed,   // the local side closed (end of input, a closed socket)
  kIdle,
  kDuration,
  kBytes,
  kEscape,   // the escape byte was read from the local side
  kStopped,  // `stop` was set
  kError,    // a read or write failed
};

struct PumpResult {
  PumpEnd end = PumpEnd::kError;
  uint64_t to_remote = 0;    // bytes read locally and sent
  uint64_t from_remote = 0;  // bytes received and written locally
  std::chrono::milliseconds elapsed{0};
};

// `escape` (-1: none) ends the session when read from `local` (the
// terminal's Ctrl-]). Both channels are finish()ed on return.
PumpResult pump(ByteChannel& local, ByteChannel& remote, const PumpLimits& limits,
                const std::atomic<bool>* stop = nullptr, int escape = -1);

// Waits until `fd` is ready for `events` or `deadline` passes (false).
bool wait_fd(int fd, short events, std::chrono::steady_clock::time_point deadline);

// "closed by the far side", "idle timeout", ... for logs and audit records.
const char* pump_end_text(PumpEnd end);

}  // namespace xc
