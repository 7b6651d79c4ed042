#include "ctl/cli/api_revocations.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "common/crl.h"

namespace xc {

namespace {

int64_t mtime_ns_of(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

}  // namespace

void RevocationWatch::reload_if_changed() {
  struct stat ca_st {};
  const int64_t ca_mtime_ns = ::stat(ca_path_.c_str(), &ca_st) == 0 ? mtime_ns_of(ca_st) : -1;
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    // No CRL yet: nothing is revoked.
    seen_ = true;
    inode_ = 0;
    size_ = -1;
    mtime_ns_ = -1;
    revoked_.clear();
    broken_.clear();
    return;
  }
  int64_t mtime_ns = mtime_ns_of(st);
  if (seen_ && st.st_ino == inode_ && st.st_size == size_ && mtime_ns == mtime_ns_ &&
      ca_mtime_ns == ca_mtime_ns_)
    return;
  seen_ = true;
  inode_ = st.st_ino;
  size_ = st.st_size;
  mtime_ns_ = mtime_ns;
  ca_mtime_ns_ = ca_mtime_ns;
  revoked_.clear();
  std::ifstream ca_in(ca_path_);
  std::stringstream ca_text;
  ca_text << ca_in.rdbuf();
  std::ifstream in(path_);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    broken_ = path_ + ": cannot be read";
    return;
  }
  auto entries = crl_entries(text.str(), ca_text.str());
  if (!entries.ok()) {
    broken_ = path_ + ": " + entries.status().message();
    return;
  }
  broken_.clear();
  for (const auto& e : *entries) revoked_.insert(e.serial_hex);
}

std::string RevocationWatch::refusal(const std::string& serial_hex) {
  std::lock_guard<std::mutex> lock(mutex_);
  reload_if_changed();
  if (!broken_.empty()) return "the revocation list is unusable (" + broken_ + ")";
  if (revoked_.count(serial_hex)) return "certificate " + serial_hex + " is revoked";
  return "";
}

}  // namespace xc
