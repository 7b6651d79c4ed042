#include "ctl/store/state_path.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>

using namespace xc;

namespace {

StateEnv user_env() {
  StateEnv env;
  env.uid = 1000;
  env.home = "/home/ops";
  return env;
}

}  // namespace

TEST_CASE("XCLOUD_STATE overrides every default, for root too") {
  StateEnv env = user_env();
  env.xdg_state_home = "/xdg";
  env.xcloud_state = "/srv/cloud/state.db";
  CHECK(*default_state_path(env) == "/srv/cloud/state.db");
  env.uid = 0;
  CHECK(*default_state_path(env) == "/srv/cloud/state.db");
}

TEST_CASE("root uses /var/lib/xcloud/state.db even when XDG_STATE_HOME is set") {
  StateEnv env;
  env.uid = 0;
  env.home = "/root";
  env.xdg_state_home = "/root/.state";
  CHECK(*default_state_path(env) == "/var/lib/xcloud/state.db");
}

TEST_CASE("a user's default is under XDG_STATE_HOME when it is absolute") {
  StateEnv env = user_env();
  env.xdg_state_home = "/home/ops/.state";
  CHECK(*default_state_path(env) == "/home/ops/.state/xcloud/state.db");
  env.xdg_state_home = "relative/state";  // the XDG spec says to ignore it
  CHECK(*default_state_path(env) == "/home/ops/.local/state/xcloud/state.db");
}

TEST_CASE("a user's default is under HOME/.local/state without XDG_STATE_HOME") {
  StateEnv env = user_env();
  CHECK(*default_state_path(env) == "/home/ops/.local/state/xcloud/state.db");
  env.home = "/home/ops/";
  CHECK(*default_state_path(env) == "/home/ops/.local/state/xcloud/state.db");
}

TEST_CASE("an empty XCLOUD_STATE counts as unset") {
  StateEnv env = user_env();
  env.xcloud_state = "";
  CHECK(*default_state_path(env) == "/home/ops/.local/state/xcloud/state.db");
}

TEST_CASE("no default location without HOME or XDG_STATE_HOME") {
  StateEnv env;
  env.uid = 1000;
  Result<std::string> path = default_state_path(env);
  REQUIRE_FALSE(path.ok());
  CHECK(path.status().code() == Code::kFailedPrecondition);
  CHECK(path.status().message() ==
        "state database: no default location: HOME and XDG_STATE_HOME are not set; "
        "use --state PATH or set XCLOUD_STATE");
}

TEST_CASE("state_dir is the directory holding the database") {
  CHECK(state_dir("/var/lib/xcloud/state.db") == "/var/lib/xcloud");
  CHECK(state_dir("/state.db") == "/");
  CHECK(state_dir("state.db") == ".");
  CHECK(state_dir("run/state.db") == "run");
}

TEST_CASE("current_state_env reads XCLOUD_STATE, XDG_STATE_HOME and HOME") {
  const char* old_state = std::getenv("XCLOUD_STATE");
  std::string saved = old_state ? old_state : "";
  setenv("XCLOUD_STATE", "/tmp/xc-env-test/state.db", 1);
  StateEnv env = current_state_env();
  CHECK(env.xcloud_state == "/tmp/xc-env-test/state.db");
  CHECK(env.uid == geteuid());
  CHECK_FALSE(env.home.empty());
  if (old_state) {
    setenv("XCLOUD_STATE", saved.c_str(), 1);
  } else {
    unsetenv("XCLOUD_STATE");
  }
}
