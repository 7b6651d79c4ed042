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

// Why a program failed: its last "PROGRAM: ..." line on stderr, where it
// names itself (virt-v2v's error comes before paragraphs of advice), else
// its last line.
std::string failure_line(const std::string& err, const std::string& program) {
  const std::string prefix = program + ": ";
  std::string found;
  size_t at = 0;
  while (at < err.size()) {
    size_t end = err.find('\n', at);
    if (end == std::string::npos) end = err.size();
    if (err.compare(at, prefix.size(), prefix) == 0)
      found = err.substr(at + prefix.size(), end - at - prefix.size());
    at = end + 1;
  }
  return found.empty() ? last_line(err) : found;
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
  std::string why = failure_line(run->err, argv[0]);
  if (why.empty())
    why = run->exit_code >= 0 ? "exited with status " + std::to_string(run->exit_code)
                              : "killed by signal " + std::to_string(run->signal);
  return error(Code::kIo, argv[0] + ": " + why);
}

}  // namespace xc
