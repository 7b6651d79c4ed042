#include "ctl/images/store_scratch.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <ctime>
#include <filesystem>
#include <string_view>
#include <utility>

namespace xc {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 4> kScratchPrefixes = {".download-", ".import-", ".ova-",
                                                              ".capture-"};
constexpr time_t kScratchGraceSeconds = 60;

bool scratch_name(const std::string& name) {
  for (std::string_view prefix : kScratchPrefixes)
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0) return true;
  return false;
}

}  // namespace

std::vector<std::string> sweep_abandoned_scratch(const std::string& store_dir) {
  std::vector<std::string> removed;
  std::error_code ec;
  const time_t now = std::time(nullptr);
  for (fs::directory_iterator it(store_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!scratch_name(name)) continue;
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || S_ISLNK(st.st_mode)) continue;
    if (now - st.st_mtime < kScratchGraceSeconds) continue;
    ScratchHold hold = ScratchHold::on_path(it->path().string());
    if (!hold.held()) continue;  // its owner still works on it
    std::error_code removing;
    fs::remove_all(it->path(), removing);
    if (!removing) removed.push_back(name);
  }
  return removed;
}

}  // namespace xc
