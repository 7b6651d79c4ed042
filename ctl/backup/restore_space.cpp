#include "ctl/backup/restore_space.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

namespace xc {
namespace {

// Bytes as GiB with one decimal, rounded so that neither "needs" nor "free"
// flatters the disk: the need up, the room down.
std::string gib_text(int64_t bytes, bool round_up) {
  const int64_t tenths = (bytes * 10 + (round_up ? (int64_t{1} << 30) - 1 : 0)) >> 30;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " GiB";
}

}  // namespace

RestoreSize restore_size(const std::vector<BackupManifest>& chain) {
  RestoreSize out;
  if (chain.empty()) return out;
  std::map<std::string, int64_t> carried;
  for (const auto& m : chain)
    for (const auto& c : m.chunks) carried[c.disk] += std::max<int64_t>(c.length, 0);
  for (const auto& d : chain.back().disks) {
    const int64_t bytes = std::min(std::max<int64_t>(d.size, 0), carried[d.name]);
    out.total += bytes;
    out.largest = std::max(out.largest, bytes);
  }
  return out;
}

Result<int64_t> free_bytes(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return error(Code::kIo, dir + ": " + std::strerror(errno));
  return static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize);
}

std::string room_problem(const std::string& dir, const std::string& for_what, int64_t need,
                         int64_t free) {
  if (free >= need) return "";
  return "needs " + gib_text(need, true) + " in " + dir + " (" + for_what + "), " +
         gib_text(free, false) + " free";
}

Status check_room(const std::string& dir, const std::string& for_what, int64_t need) {
  auto room = free_bytes(dir);
  if (!room.ok()) return room.status();
  std::string problem = room_problem(dir, for_what, need, *room);
  return problem.empty() ? Status{} : error(Code::kFailedPrecondition, problem);
}

}  // namespace xc
