// Sending an imported image from the controller's image store to a host:
// image.stat first (a host that has the file keeps it), then 2 MiB chunks
// with image.write and image.commit, which keeps the file only when its
// bytes have the SHA-256 it is named by. One call per thread.
#pragma once

#include <cstdint>
#include <string>

#include "ctl/hosts/host_clients.h"

namespace xc {

struct PushedImage {
  bool sent = false;  // false: the host had it already
  int64_t bytes = 0;
};

// `path` is the stored file, `sha256` its digest (the name on the host).
Result<PushedImage> push_image(HostClients& clients, const std::string& host,
                               const std::string& path, const std::string& sha256);

}  // namespace xc
