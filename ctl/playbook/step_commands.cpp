#include "ctl/playbook/step_commands.h"

#include "common/printable.h"
#include "common/shell_quote.h"

namespace xc {

std::vector<std::vector<std::string>> step_commands(const PlaybookStep& s,
                                                    const std::vector<PlannedMove>& moves) {
  std::vector<std::vector<std::string>> out;
  switch (s.type) {
    case StepType::kPrecheck:
      if (!s.manifests.empty()) out.push_back({"validate", "-f", s.manifests});
      break;
    case StepType::kDrain:
      out.push_back({"host", "drain", s.host, "-f", s.manifests, "--parallel",
                     std::to_string(s.parallel), "--yes"});
      break;
    case StepType::kApply: {
      std::vector<std::string> a = {"apply", "-f", s.manifests};
      if (s.prune) a.push_back("--prune");
      if (s.allow_restart) a.push_back("--allow-restart");
      if (s.yes) a.push_back("--yes");
      out.push_back(a);
      break;
    }
    case StepType::kAdopt: {
      std::vector<std::string> a = {"adopt", "--host", s.host};
      a.insert(a.end(), s.domains.begin(), s.domains.end());
      a.insert(a.end(), {"--tenant", s.tenant});
      if (!s.system.empty()) a.insert(a.end(), {"--system", s.system});
      a.insert(a.end(), {"--dir", s.dir});
      out.push_back(a);
      out.push_back({"apply", "-f", s.dir, "--adopt"});
      break;
    }
    case StepType::kMigrate:
      for (const auto& m : moves) {
        std::vector<std::string> a = {"vm",     "migrate", m.name,    "--tenant",
                                      m.tenant, "--to",    m.to_host, "--yes"};
        if (s.mode != "auto") a.push_back("--" + s.mode);
        if (s.bandwidth_mib > 0)
          a.insert(a.end(), {"--bandwidth", std::to_string(s.bandwidth_mib)});
        out.push_back(a);
      }
      break;
    default:
      break;
  }
  return out;
}

bool needs_consent(const PlaybookStep& s) {
  return s.type == StepType::kDrain || s.type == StepType::kMigrate ||
         s.type == StepType::kCutover || (s.type == StepType::kApply && s.yes);
}

std::string consent_question(const PlaybookStep& s) {
  switch (s.type) {
    case StepType::kDrain:
      return "Step \"" + s.name + "\" drains host " + s.host +
             ": its VMs move away, and a cold move stops a running VM";
    case StepType::kMigrate:
      return "Step \"" + s.name + "\" migrates the VMs matching " + s.vms +
             ": a cold move stops a running VM";
    case StepType::kApply:
      return "Step \"" + s.name + "\" applies " + s.manifests +
             " with yes: it may delete VMs and disks (the dry run shows the plan)";
    default:
      return "Step \"" + s.name + "\": cut over: " + s.text;
  }
}

std::string step_summary(const PlaybookStep& s) {
  switch (s.type) {
    case StepType::kPrecheck: {
      std::string hosts;
      for (const auto& h : s.hosts) hosts += (hosts.empty() ? "" : ", ") + h;
      std::string out = "check, changing nothing:";
      if (!hosts.empty()) out += " hosts " + hosts + " answer;";
      if (!s.manifests.empty()) out += " manifests " + s.manifests + " are valid;";
      out.pop_back();
      return out;
    }
    case StepType::kMigrate:
      return "migrate the VMs matching " + s.vms + " to where " + s.manifests + " places them (" +
             s.mode + ")";
    case StepType::kDrain:
      return "drain host " + s.host + " (" + s.manifests + ", " + std::to_string(s.parallel) +
             " at once); it stays in maintenance";
    case StepType::kAdopt:
      return "adopt " + (s.domains.empty() ? std::string("the unmanaged domains") : "domains") +
             " of host " + s.host + " into tenant " + s.tenant +
             (s.system.empty() ? "" : ", system " + s.system) + ", manifests written to " + s.dir;
    case StepType::kApply:
      return "apply " + s.manifests + (s.yes ? " (may destroy data: yes given)" : "");
    case StepType::kVerify:
      return "verify: " + s.check.describe() + " within " + std::to_string(s.timeout.count()) +
             " s";
    case StepType::kWait:
      if (s.check.empty()) return "wait " + std::to_string(s.duration.count()) + " s";
      return "wait until " + s.check.describe() + " (at most " + std::to_string(s.timeout.count()) +
             " s, every " + std::to_string(s.interval.count()) + " s)";
    case StepType::kCutover:
      return "cut over, after the operator confirms: " + s.text;
    case StepType::kNote:
      return "record: " + s.text;
  }
  return "";
}

std::string step_label(const Playbook& pb, size_t index) {
  const PlaybookStep& s = pb.steps[index];
  return "step " + std::to_string(index + 1) + "/" + std::to_string(pb.steps.size()) + " \"" +
         printable(s.name) + "\" (" + step_type_name(s.type) + ")";
}

std::string command_line(const std::vector<std::string>& args) {
  std::string out = "xcloudctl";
  for (const auto& a : args) out += " " + shell_word(a);
  return out;
}

}  // namespace xc
