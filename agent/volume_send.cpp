#include "agent/volume_send.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "agent/tls_stream.h"
#include "common/digest.h"

namespace xc {
namespace {

constexpr size_t kSendPiece = 1 << 20;

bool write_all(TlsStream& stream, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = stream.write(data, size);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

VolumeSendResult send_offered_file(SSL* ssl, int fd, const OfferedFile& file,
                                   std::chrono::milliseconds stall) {
  StreamLimits limits;
  limits.io_timeout = stall;
  // A large disk takes as long as it takes; a stalled receiver ends it.
  limits.send_deadline = std::chrono::hours(24 * 7);
  // The acceptor frees idle connections' buffers; a stream keeps them.
  SSL_clear_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
  TlsStream stream(ssl, fd, limits);
  VolumeSendResult out;
  Sha256Hasher md;
  if (!md.status().ok()) return {0, md.status().message()};
  std::string buffer(kSendPiece, '\0');
  while (out.bytes < file.size) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(kSendPiece, file.size - out.bytes));
    ssize_t n = ::pread(file.fd, buffer.data(), want, static_cast<off_t>(out.bytes));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return {out.bytes, file.path + ": " + std::strerror(errno)};
    if (n == 0) return {out.bytes, file.path + ": the file shrank while it was sent"};
    md.update(std::string_view(buffer.data(), static_cast<size_t>(n)));
    if (!write_all(stream, buffer.data(), static_cast<size_t>(n)))
      return {out.bytes, "the receiver stopped taking bytes"};
    out.bytes += n;
  }
  auto digest = md.finish_hex();
  if (!digest.ok()) return {out.bytes, digest.status().message()};
  if (!write_all(stream, digest->data(), digest->size()))
    return {out.bytes, "the receiver stopped taking bytes"};
  return out;
}

}  // namespace xc
