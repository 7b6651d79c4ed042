#include "ctl/ha/fence_command.h"

#include "common/program_run.h"

namespace xc {

std::string FenceRun::summary() const {
  if (timed_out) return "timed out after " + std::to_string(elapsed_ms) + " ms (killed)";
  if (exit_code < 0) return "killed by a signal after " + std::to_string(elapsed_ms) + " ms";
  return "exit " + std::to_string(exit_code) + " in " + std::to_string(elapsed_ms) + " ms";
}

Result<FenceRun> run_fence_command(const std::vector<std::string>& argv, const std::string& host,
                                   std::chrono::milliseconds timeout) {
  if (argv.empty() || argv[0].empty())
    return error(Code::kInvalidArgument, "host " + host + ": the fence command is empty");
  ProgramOptions options;
  options.timeout = timeout;
  options.max_stdout = kFenceOutputLimit;
  options.stderr_to_stdout = true;
  options.env_set = {"XCLOUD_FENCE_HOST=" + host};
  auto ran = run_program_bounded(argv, options);
  if (!ran.ok())
    return error(Code::kNotFound, "host " + host + ": fence command " + ran.status().message());
  FenceRun run;
  run.timed_out = ran->timed_out;
  run.exit_code = ran->exit_code;
  run.output = std::move(ran->out);
  run.elapsed_ms = ran->elapsed_ms;
  run.fenced = !run.timed_out && run.exit_code == 0;
  return run;
}

}  // namespace xc
