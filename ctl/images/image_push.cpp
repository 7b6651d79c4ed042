#include "ctl/images/image_push.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xc {
namespace {

constexpr size_t kChunk = 2 << 20;  // the agent's largest write (agent/volume_transfer.h)

}  // namespace

Result<PushedImage> push_image(HostClients& clients, const std::string& host,
                               const std::string& path, const std::string& sha256) {
  auto stat = clients.call(host, "image.stat", {{"sha256", sha256}});
  if (!stat.ok()) return stat.status();
  PushedImage out;
  if (stat->value("present", false)) {
    out.bytes = stat->value("size", int64_t{0});
    return out;
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return error(Code::kIo, path + ": " + std::strerror(errno));
  std::string buf(kChunk, '\0');
  Status failed;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      failed = error(Code::kIo, path + ": " + std::strerror(errno));
      break;
    }
    if (n == 0 && out.bytes > 0) break;
    std::string none;
    auto w = clients.call_bytes(host, "image.write", {{"sha256", sha256}, {"offset", out.bytes}},
                                buf.substr(0, static_cast<size_t>(n)), none);
    if (!w.ok()) {
      failed = w.status();
      break;
    }
    out.bytes += n;
    if (n == 0) break;
  }
  ::close(fd);
  if (!failed.ok()) return failed;
  auto committed = clients.call(host, "image.commit", {{"sha256", sha256}, {"size", out.bytes}});
  if (!committed.ok()) return committed.status();
  out.sent = true;
  return out;
}

}  // namespace xc
