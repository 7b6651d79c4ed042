// The source's half of an agent-to-agent volume copy: after POST
// /v1/volume-stream was answered 101, the offered file's bytes go out on the
// TLS connection, then the 64 lowercase hex digits of their SHA-256, so the
// receiver (agent/volume_pull.h) checks the copy end to end.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "agent/volume_offers.h"

namespace xc {

// The digest that ends the stream: kSha256HexBytes after the file's bytes.
inline constexpr int64_t kSha256HexBytes = 64;

struct VolumeSendResult {
  int64_t bytes = 0;  // of the file, sent
  std::string error;  // "" when the whole file and its digest went out
};

// Blocks until the file and its digest are sent or the receiver stops
// taking bytes for `stall` (each write). `fd` is the connection's
// (non-blocking) socket.
VolumeSendResult send_offered_file(SSL* ssl, int fd, const OfferedFile& file,
                                   std::chrono::milliseconds stall);

}  // namespace xc
