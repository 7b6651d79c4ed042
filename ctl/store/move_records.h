// The move journal's row: one VM being moved between hosts, and how far the
// move got, so an interrupted move is finished or rolled back by the next
// apply or `vm migrate` (ctl/migrate/). Value type.
#pragma once

#include <cstdint>
#include <string>

namespace xc {

struct MoveRecord {
  std::string tenant, name;  // the VM
  std::string domain;        // its libvirt domain name
  std::string from_host, to_host;
  std::string mode;       // "live" or "cold"
  std::string phase;      // ctl/migrate/move_phase.h
  std::string spec_json;  // the VM's DomainSpec as stored, for the target's prepare
  int64_t started_ms = 0, updated_ms = 0;
};

}  // namespace xc
