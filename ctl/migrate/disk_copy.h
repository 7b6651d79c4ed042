// Copying one disk file (or a VM's seed) from one host to another: straight
// from agent to agent when both are reached over TLS (disk_pull.h), else
// through the controller: chunks read with volume.read, written with
// volume.write to the target's ".part" file (both raw bytes over TLS:
// HostClients::call_bytes), and volume.commit with the SHA-256 of what was
// read, so the target keeps the copy only when it is exact. One call per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ctl/hosts/host_clients.h"

namespace xc {

struct CopiedFile {
  int64_t bytes = 0;
  std::string sha256;
  bool direct = false;          // host to host (disk_pull.h), not through the controller
  std::string relayed_because;  // why not host to host, when that was tried and given up
};

// Reads a volume's file from `from` in chunks (volume.read, the bytes raw
// over TLS), handing each to `sink(offset, bytes)` in order; the result is
// what was read. `progress(done, total)` after each chunk. `ext` is "qcow2" or "iso".
using ChunkSink = std::function<Status(int64_t offset, std::string bytes)>;
Result<CopiedFile> read_volume_file(HostClients& clients, const std::string& from,
                                    const std::string& volume, const std::string& ext,
                                    const ChunkSink& sink,
                                    const std::function<void(int64_t, int64_t)>& progress);

// The same into the target's volume: host to host where it can be
// (disk_pull.h), else through here (volume.write, then volume.commit with
// the SHA-256 read), reading ahead on a second thread while writing.
Result<CopiedFile> copy_volume_file(HostClients& clients, const std::string& from,
                                    const std::string& to, const std::string& volume,
                                    const std::string& ext,
                                    const std::function<void(int64_t, int64_t)>& progress);

// Sends the local file `path` (a qcow2 disk) into `volume` on host `to`:
// volume.write in chunks to its ".part" file, then volume.commit with the
// SHA-256 read here, so the host keeps it only when it is exact.
Result<CopiedFile> upload_volume_file(HostClients& clients, const std::string& to,
                                      const std::string& volume, const std::string& path,
                                      const std::function<void(int64_t, int64_t)>& progress);

}  // namespace xc
