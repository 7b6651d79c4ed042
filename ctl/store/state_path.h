// Where the state database lives by default, from an injected environment so
// the rules are unit-testable. Pure functions; safe from any thread
// (current_state_env() reads the process environment).
#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.h"

namespace xc {

// The parts of the process environment that choose the default location.
struct StateEnv {
  uid_t uid = 0;  // effective uid
  std::string home;
  std::string xdg_state_home;
  std::string xcloud_state;
};

StateEnv current_state_env();

// $XCLOUD_STATE if set; else /var/lib/xcloud/state.db for root; else
// $XDG_STATE_HOME/xcloud/state.db (an absolute XDG_STATE_HOME only, as the
// XDG spec says) or $HOME/.local/state/xcloud/state.db. Fails when none of
// these can be known.
Result<std::string> default_state_path(const StateEnv& env);

// The directory holding the database, where the CA and keys live too.
std::string state_dir(const std::string& state_path);

}  // namespace xc
