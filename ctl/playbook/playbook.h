// A playbook: an operation written as ordered steps (precheck, migrate,
// drain, adopt, apply, verify, wait, cutover, note) that `xcloudctl play`
// runs one at a time. Value types, parameters already substituted; built by
// parse_playbook (playbook_parse.h). Thread-safe to share once built.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/diagnostic.h"

namespace xc {

enum class StepType {
  kPrecheck,
  kMigrate,
  kDrain,
  kAdopt,
  kApply,
  kVerify,
  kWait,
  kCutover,
  kNote
};

const char* step_type_name(StepType type);

// What must hold: a TCP port that accepts a connection, or a command that
// exits 0 over SSH (on an enrolled host, or at USER@HOST[:PORT]).
struct StepCheck {
  std::string tcp;  // "HOST:PORT"; empty when the check is over SSH
  std::string ssh_host, ssh_address;
  std::vector<std::string> ssh_command;  // argv, each word quoted for the remote shell

  bool empty() const { return tcp.empty() && ssh_command.empty(); }
  // "tcp 127.0.0.1:8080 answers", "ssh kp-01: systemctl is-active nginx exits 0".
  std::string describe() const;
};

struct PlaybookStep {
  std::string name;
  StepType type = StepType::kNote;
  SourcePos pos;  // of the step in its file, for messages

  std::string text;                  // note, cutover
  std::string host;                  // drain, adopt
  std::vector<std::string> hosts;    // precheck: must answer
  std::string manifests;             // precheck, migrate, drain, apply
  std::string vms;                   // migrate: a label selector
  std::string tenant, system, dir;   // adopt
  std::vector<std::string> domains;  // adopt: the libvirt domains (empty: all unmanaged)
  std::string mode = "auto";         // migrate: auto, live or cold
  int64_t bandwidth_mib = 0;         // migrate, drain: MiB/s (0: the assumed figure)
  int parallel = 4;                  // drain
  bool yes = false, prune = false, allow_restart = false;  // apply
  StepCheck check;                                         // verify; wait until
  std::chrono::seconds duration{0};  // wait: a fixed time (when check is empty)
  std::chrono::seconds timeout{0};   // verify, wait until: how long the check may take
  std::chrono::seconds interval{2};  // wait until: between two tries
};

struct Playbook {
  std::string file;         // as named on the command line
  std::string name;         // metadata.name
  std::string description;  // metadata.description
  std::string digest;       // SM3 of the file's bytes, lowercase hex
  std::vector<std::pair<std::string, std::string>> values;  // every parameter as used, by name
  std::vector<PlaybookStep> steps;
};

// Bounds of a playbook file (the schema bounds the rest: 200 steps, 32 parameters).
inline constexpr size_t kMaxPlaybookBytes = 1 << 20;
// The bandwidth assumed for copy estimates when a step states none.
inline constexpr int64_t kAssumedBandwidthMib = 100;

}  // namespace xc
