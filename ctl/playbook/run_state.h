// Where a playbook's run stands, kept in the store's named values so that
// `xcloudctl play FILE --resume` continues from the step that failed. Keyed
// by the SM3 digest of the file's bytes: a changed playbook is never resumed
// blindly (the file's path remembers which digest it last ran as). Pure
// decisions plus two store calls; one Store thread.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"
#include "ctl/playbook/playbook.h"
#include "ctl/store/store.h"

namespace xc {

struct PlayRunState {
  std::string digest;                         // SM3 of the playbook file, hex
  std::string file;                           // the absolute path it was run from
  std::map<std::string, std::string> values;  // the parameters as used
  size_t next = 0;          // the step to run next (0-based); steps.size() when done
  size_t steps = 0;         // how many steps the playbook has
  std::string status;       // "running", "failed" or "done"
  std::string failed_step;  // the step that failed, and why
  std::string error;
  int64_t updated_ms = 0;

  nlohmann::json to_json() const;
  static std::optional<PlayRunState> from_json(const nlohmann::json& j);
};

// The run stored for `digest`, nullopt when none.
Result<std::optional<PlayRunState>> load_run_state(Store& store, const std::string& digest);
// The digest `file` (absolute path) last ran as, "" when never.
Result<std::string> last_digest_of(Store& store, const std::string& file);
Status save_run_state(Store& store, const PlayRunState& state);

// Where a run starts. Without `resume`: at step 0, unless a run of this
// playbook stopped (failed or interrupted): then kFailedPrecondition saying
// to --resume or to --restart. With `resume`: at the stopped run's step,
// when the parameters are the same; kFailedPrecondition when there is no
// such run, it finished, the file changed since (its digest is not the one
// the path last ran as) or the parameters differ. `restart` starts at 0 anyway.
Result<size_t> start_step(const Playbook& pb, const std::optional<PlayRunState>& stored,
                          const std::string& last_digest, bool resume, bool restart);

}  // namespace xc
