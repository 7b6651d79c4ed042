#include "ctl/store/state_path.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace xc {
namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// HOME can be missing under some service managers; the password database
// still knows.
std::string home_from_passwd(uid_t uid) {
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<size_t>(size) : 16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) return "";
  return found->pw_dir ? found->pw_dir : "";
}

}  // namespace

StateEnv current_state_env() {
  StateEnv env;
  env.uid = geteuid();
  env.home = env_or_empty("HOME");
  if (env.home.empty()) env.home = home_from_passwd(env.uid);
  env.xdg_state_home = env_or_empty("XDG_STATE_HOME");
  env.xcloud_state = env_or_empty("XCLOUD_STATE");
  return env;
}

Result<std::string> default_state_path(const StateEnv& env) {
  namespace fs = std::filesystem;
  if (!env.xcloud_state.empty()) return env.xcloud_state;
  if (env.uid == 0) return std::string("/var/lib/xcloud/state.db");
  if (!env.xdg_state_home.empty() && env.xdg_state_home.front() == '/') {
    return (fs::path(env.xdg_state_home) / "xcloud" / "state.db").string();
  }
  if (!env.home.empty()) return (fs::path(env.home) / ".local/state/xcloud/state.db").string();
  return error(Code::kFailedPrecondition,
               "state database: no default location: HOME and XDG_STATE_HOME are not set; "
               "use --state PATH or set XCLOUD_STATE");
}

std::string state_dir(const std::string& state_path) {
  std::string dir = std::filesystem::path(state_path).parent_path().string();
  return dir.empty() ? "." : dir;
}

}  // namespace xc
