// Volumes this agent offered to another host's agent for one cold-move copy
// each (volume.offer): the controller names a random ticket, the file is
// opened at once, and the ticket opens the stream (POST /v1/volume-stream,
// agent/volume_send.h) once, within kOfferLifetime, to a client whose
// certificate names that ticket (common/pki.h kTransferCommonNamePrefix).
// At most kMaxOffers are held; an expired one closes its file. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "common/status.h"

namespace xc {

// A file opened for sending; owns its descriptor.
struct OfferedFile {
  OfferedFile() = default;
  OfferedFile(int fd, int64_t size, std::string path) : fd(fd), size(size), path(std::move(path)) {}
  OfferedFile(OfferedFile&& other) noexcept;
  OfferedFile& operator=(OfferedFile&& other) noexcept;
  OfferedFile(const OfferedFile&) = delete;
  OfferedFile& operator=(const OfferedFile&) = delete;
  ~OfferedFile();

  int fd = -1;
  int64_t size = 0;
  std::string path;
};

class VolumeOffers {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kMaxOffers = 64;
  static constexpr std::chrono::minutes kOfferLifetime{10};

  // A ticket is 32 lowercase hex digits (128 random bits from the controller).
  static bool valid_ticket(const std::string& ticket);
  // Opens `path` and keeps it under `ticket`; its size is what will be sent.
  // kConflict for a ticket already held, kUnavailable when kMaxOffers are live.
  Result<int64_t> add(const std::string& ticket, const std::string& path,
                      Clock::time_point now = Clock::now());
  // The file offered under `ticket`, handed over (the ticket is used up);
  // kNotFound when there is none or it expired.
  Result<OfferedFile> take(const std::string& ticket, Clock::time_point now = Clock::now());
  size_t size();

 private:
  struct Offer {
    OfferedFile file;
    Clock::time_point expires;
  };
  void drop_expired(Clock::time_point now);
  std::mutex mutex_;
  std::map<std::string, Offer> offers_;
};

}  // namespace xc
