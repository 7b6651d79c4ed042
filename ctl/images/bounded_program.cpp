#include "ctl/images/bounded_program.h"

#include <algorithm>

#include "common/program_run.h"

namespace xc {
namespace {

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

}  // namespace

Result<std::string> run_bounded(const std::vector<std::string>& argv, const ProgramLimits& limits) {
  if (argv.empty()) return error(Code::kInternal, "run_bounded: no program");
  ProgramOptions options;
  options.timeout = limits.timeout;
  options.max_stdout = limits.max_output;
  auto run = run_program_bounded(argv, options);
  if (!run.ok()) return run.status();
  if (run->timed_out)
    return error(Code::kIo, argv[0] + ": timed out after " +
                                (limits.timeout.count() < 10000
                                     ? std::to_string(limits.timeout.count()) + " ms"
                                     : std::to_string(limits.timeout.count() / 1000) + " s") +
                                "; stopped");
  if (run->exit_code >= 0 && std::find(limits.ok_exits.begin(), limits.ok_exits.end(),
                                       run->exit_code) != limits.ok_exits.end())
    return std::move(run->out);
  std::string why = last_line(run->err);
  if (why.empty())
    why = run->exit_code >= 0 ? "exited with status " + std::to_string(run->exit_code)
                              : "killed by signal " + std::to_string(run->signal);
  return error(Code::kIo, argv[0] + ": " + why);
}

}  // namespace xc
