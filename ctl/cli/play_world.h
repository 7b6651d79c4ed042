// The real world of `xcloudctl play`: each xcloudctl step a child xcloudctl
// (this binary, from /proc/self/exe, argv without a shell, the same --state,
// --as and --reason) whose output is shown under the step's name as it
// comes; checks over TCP and SSH; the cutover asked on the terminal; audit
// records and the run's state in the state database (without the state's
// lock, which each child takes for its own change). One command thread.
#pragma once

#include <memory>
#include <string>

#include "ctl/audit/audit_record.h"
#include "ctl/cli/cli.h"
#include "ctl/playbook/play_engine.h"
#include "ctl/store/store.h"

namespace xc {

class CliPlayWorld : public PlayWorld {
 public:
  CliPlayWorld(CliContext& ctx, const Playbook& pb, std::string state_path, Store& store,
               AuditIdentity who, bool yes);

  Result<int> run_xcloudctl(const PlaybookStep& step,
                            const std::vector<std::string>& args) override;
  Status hosts_answer(const std::vector<std::string>& hosts) override;
  Result<std::vector<PlannedMove>> plan_migrate(const PlaybookStep& step) override;
  Status check(const StepCheck& check, std::chrono::seconds timeout) override;
  void sleep(std::chrono::milliseconds d) override;
  int64_t now_ms() override;
  bool confirm(const PlaybookStep& step) override;
  Status audit(const PlaybookStep& step, const std::string& action, const Status& result,
               const std::string& message) override;
  Status save(const PlayRunState& state) override;
  void say(const std::string& line) override;

 private:
  CliContext& ctx_;
  const Playbook& pb_;
  std::string state_path_;
  Store& store_;
  AuditIdentity who_;
  bool yes_;
};

}  // namespace xc
