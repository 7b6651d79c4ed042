// Hosts get an imported image on first use: before a domain.ensure whose
// root disk is backed by an image of the controller's image store
// (<store>/<sha256>.qcow2), the image is pushed to the host over its mTLS
// connection (image_push.h: image.stat first, so a host that has it is sent
// nothing; the agent keeps the file only when its bytes have that SHA-256,
// and checks the digest again before the disk is built on it).
// Thread-safe: pushes of one image are serialised (hosts may share their
// image directory, e.g. over NFS: the second then finds it there); different
// images go in parallel.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ctl/hosts/host_clients.h"

namespace xc {

struct SuppliedImage {
  std::string host, sha256;
  int64_t bytes = 0;
};

class ImageSupplier {
 public:
  ImageSupplier(HostClients& clients, std::string store_dir)
      : clients_(clients), store_dir_(std::move(store_dir)) {}

  // Sends the images `spec` (a DomainSpec as JSON) backs its disks with that
  // are in the store and missing on `host`. Images not in the store (placed
  // on the hosts by other means) are left to the host's own check.
  // kFailedPrecondition "image <sha256>: ..." when the host refuses the bytes.
  Status supply(const std::string& host, const nlohmann::json& spec);

  // The images sent so far (not those a host already had).
  std::vector<SuppliedImage> sent() const;

 private:
  HostClients& clients_;
  std::string store_dir_;
  mutable std::mutex mutex_;                                        // guards image_locks_ and sent_
  std::map<std::string, std::unique_ptr<std::mutex>> image_locks_;  // by SHA-256
  std::vector<SuppliedImage> sent_;
};

// The SHA-256 an image path is named by ("/i/<64 hex>.qcow2"), or "".
std::string store_image_digest(const std::string& image_path);

}  // namespace xc
