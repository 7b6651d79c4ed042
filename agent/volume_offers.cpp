#include "agent/volume_offers.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace xc {

OfferedFile::OfferedFile(OfferedFile&& other) noexcept
    : fd(std::exchange(other.fd, -1)), size(other.size), path(std::move(other.path)) {}

OfferedFile& OfferedFile::operator=(OfferedFile&& other) noexcept {
  if (this != &other) {
    if (fd >= 0) ::close(fd);
    fd = std::exchange(other.fd, -1);
    size = other.size;
    path = std::move(other.path);
  }
  return *this;
}

OfferedFile::~OfferedFile() {
  if (fd >= 0) ::close(fd);
}

bool VolumeOffers::valid_ticket(const std::string& ticket) {
  if (ticket.size() != 32) return false;
  for (char c : ticket)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

void VolumeOffers::drop_expired(Clock::time_point now) {
  for (auto it = offers_.begin(); it != offers_.end();)
    it = it->second.expires <= now ? offers_.erase(it) : std::next(it);
}

Result<int64_t> VolumeOffers::add(const std::string& ticket, const std::string& path,
                                  Clock::time_point now) {
  if (!valid_ticket(ticket))
    return error(Code::kInvalidArgument, "params.ticket: expected 32 lowercase hex digits");
  std::lock_guard<std::mutex> lock(mutex_);
  drop_expired(now);
  if (offers_.count(ticket) != 0)
    return error(Code::kConflict, "ticket " + ticket + ": already offered");
  if (offers_.size() >= kMaxOffers)
    return error(Code::kUnavailable, std::to_string(kMaxOffers) +
                                         " volumes are offered already, the agent's limit; "
                                         "try again when a copy has ended");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    Code code = errno == ENOENT ? Code::kNotFound : Code::kIo;
    return error(code, "volume file " + path + ": " + std::strerror(errno));
  }
  OfferedFile file(fd, 0, path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    return error(Code::kIo, "volume file " + path + ": not a regular file");
  file.size = st.st_size;
  const int64_t size = file.size;
  offers_[ticket] = Offer{std::move(file), now + kOfferLifetime};
  return size;
}

Result<OfferedFile> VolumeOffers::take(const std::string& ticket, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  drop_expired(now);
  auto it = offers_.find(ticket);
  if (it == offers_.end())
    return error(Code::kNotFound, "ticket: no volume is offered under it (used, expired or never)");
  OfferedFile file = std::move(it->second.file);
  offers_.erase(it);
  return file;
}

size_t VolumeOffers::size() {
  std::lock_guard<std::mutex> lock(mutex_);
  return offers_.size();
}

}  // namespace xc
