#include "ctl/controller/vm_events.h"

#include <array>

#include "ctl/store/inventory.h"

namespace xc {

using nlohmann::json;

Result<DomainIndex> domain_index(Store& store) {
  auto vms = store.list_resources(std::string("VirtualMachine"));
  if (!vms.ok()) return vms.status();
  DomainIndex index;
  for (const auto& r : *vms) index[domain_of(r)] = {r.tenant, r.name};
  return index;
}

std::vector<EventRecord> vm_events_from(const json& result, const std::string& host,
                                        const DomainIndex& index, int64_t received_ms) {
  std::vector<EventRecord> out;
  if (!result.is_object() || !result.contains("events") || !result["events"].is_array()) return out;
  const std::string boot_id = result.value("bootId", "");
  for (const json& e : result["events"]) {
    if (!e.is_object()) continue;
    EventRecord r;
    r.time_ms = e.value("timeMs", received_ms);
    r.received_ms = received_ms;
    r.host = host;
    r.domain = e.value("domain", "");
    if (auto vm = index.find(r.domain); vm != index.end()) {
      r.tenant = vm->second.first;
      r.vm = vm->second.second;
    }
    r.type = e.value("type", "other");
    r.detail = e.value("detail", "");
    r.boot_id = boot_id;
    r.agent_seq = e.value("seq", int64_t{0});
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<std::string> state_after(const EventRecord& e) {
  struct Row {
    const char* type;
    const char* detail;  // nullptr: any
    const char* state;
  };
  static constexpr std::array<Row, 9> kRows = {{
      {"started", nullptr, "running"},
      {"resumed", nullptr, "running"},
      {"migrated", "in", "running"},
      {"migrated", "out", "stopped"},
      {"paused", nullptr, "paused"},
      {"stopped", nullptr, "stopped"},
      {"shutdown", nullptr, "stopped"},
      {"crashed", "panicked", "crashed"},
      {"crashed", nullptr, "stopped"},  // the QEMU process ended: shut off
  }};
  for (const Row& row : kRows)
    if (e.type == row.type && (row.detail == nullptr || e.detail == row.detail)) return row.state;
  return std::nullopt;
}

std::string event_line(const EventRecord& e) {
  std::string subject = "host " + e.host;
  if (!e.vm.empty())
    subject += " vm " + (e.tenant.empty() ? e.vm : e.tenant + "/" + e.vm);
  else if (!e.domain.empty())
    subject += " domain " + e.domain;
  return subject + ": " + e.type + (e.detail.empty() ? "" : " (" + e.detail + ")");
}

}  // namespace xc
