// Writes and removes the NoCloud seed image of a domain.
#include "agent/guest_seed.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agent/seed_iso.h"
#include "common/nocloud_seed.h"
#include "common/secret_redaction.h"

namespace xc {
namespace {

constexpr size_t kMaxSeedBytes = 16 << 20;  // far above any seed; a larger file is not ours

Status io_error(const std::string& path, const std::string& what) {
  return error(Code::kInternal, "seed " + path + ": " + what + ": " + std::strerror(errno));
}

// The file's bytes when it is a regular file of at most kMaxSeedBytes.
std::optional<std::string> read_existing(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<size_t>(st.st_size) > kMaxSeedBytes)
    return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in && !in.eof()) return std::nullopt;
  return bytes.str();
}

Status write_all(int fd, const std::string& bytes) {
  for (size_t done = 0; done < bytes.size();) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return error(Code::kInternal, "short write");
    done += static_cast<size_t>(n);
  }
  return {};
}

// Written beside the target and renamed over it: a running QEMU keeps the
// image it opened, and a crash never leaves half a seed.
Status replace_file(const std::string& path, const std::string& bytes) {
  std::string temp = path + ".new";
  ::unlink(temp.c_str());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io_error(temp, "cannot create");
  Status written = write_all(fd, bytes);
  if (written.ok() && ::fsync(fd) != 0) written = io_error(temp, "fsync");
  ::close(fd);
  if (written.ok() && ::rename(temp.c_str(), path.c_str()) != 0)
    written = io_error(path, "cannot rename into place");
  if (!written.ok()) ::unlink(temp.c_str());
  return written.ok() ? Status{}
                      : error(Code::kInternal, "seed " + path + ": " + written.message());
}

}  // namespace

std::string seed_path(const std::string& storage_dir, const std::string& domain) {
  return storage_dir + "/" + domain + ".cidata.iso";
}

const char* seed_write_name(SeedWrite write) {
  switch (write) {
    case SeedWrite::kUnchanged:
      return "unchanged";
    case SeedWrite::kCreated:
      return "created";
    case SeedWrite::kUpdated:
      return "updated";
  }
  return "unchanged";
}

Result<SeedWrite> ensure_seed_file(const std::string& storage_dir, const DomainSpec& spec) {
  auto image = build_seed_iso(nocloud_seed(spec));
  if (!image.ok()) return image.status();
  std::string path = seed_path(storage_dir, domain_name(spec));
  std::optional<std::string> existing = read_existing(path);
  if (existing && *existing == *image) return SeedWrite::kUnchanged;
  std::error_code ec;
  std::filesystem::create_directories(storage_dir, ec);  // simulated hosts build no pool dir
  if (ec)
    return error(Code::kInternal,
                 "seed " + path + ": cannot create " + storage_dir + ": " + ec.message());
  Status s = replace_file(path, *image);
  if (!s.ok()) return s;
  return existing ? SeedWrite::kUpdated : SeedWrite::kCreated;
}

Result<std::string> seed_password_hash(const std::string& storage_dir, const std::string& domain,
                                       const std::string& marker) {
  const std::string path = seed_path(storage_dir, domain);
  auto user_data = read_seed_iso_file(path, "user-data", 1 << 20);
  if (!user_data.ok()) return user_data.status();
  // "#cloud-config\n" then JSON (nocloud_seed.cpp).
  size_t body = user_data->find('\n');
  nlohmann::json config = nlohmann::json::parse(
      body == std::string::npos ? std::string() : user_data->substr(body + 1), nullptr, false);
  if (config.is_object() && config.contains("chpasswd") && config["chpasswd"].is_object())
    for (const auto& user : config["chpasswd"].value("users", nlohmann::json::array()))
      if (user.is_object() && user.value("password", nlohmann::json()).is_string()) {
        std::string hash = user["password"].get<std::string>();
        if (!hash.empty() && redacted_secret(hash) == marker) return hash;
      }
  return error(Code::kNotFound, "the seed " + path + " does not carry that password hash");
}

Result<bool> delete_seed_file(const std::string& storage_dir, const std::string& domain,
                              bool wipe) {
  if (domain.empty() || domain.find('/') != std::string::npos || domain[0] == '.')
    return error(Code::kInvalidArgument, "seed: invalid domain name");
  std::string path = seed_path(storage_dir, domain);
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return false;
  if (wipe && S_ISREG(st.st_mode)) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return io_error(path, "cannot open to wipe");
    Status s = write_all(fd, std::string(static_cast<size_t>(st.st_size), '\0'));
    if (s.ok() && ::fsync(fd) != 0) s = io_error(path, "fsync");
    ::close(fd);
    if (!s.ok()) return s;
  }
  if (::unlink(path.c_str()) != 0) return io_error(path, "cannot delete");
  return true;
}

}  // namespace xc
