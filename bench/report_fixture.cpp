// Writes a state database holding a year of use for bench/report_bench.py:
// HOSTS hosts in three pools and zones, VMS VMs across 59 tenants (nine of
// them sub-tenants) and 184 business systems, each created in December of
// the year before and changed CHANGES times during the year (resized,
// stopped, started), with the meter intervals and audit records apply would
// have written, through the same Store and AuditLog.
//
//   report_fixture STATE.db [--year 2026] [--vms 1133] [--changes 10] [--hosts 60]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "common/time.h"
#include "ctl/audit/audit_log.h"
#include "ctl/store/store.h"

namespace {

using nlohmann::json;
using namespace xc;

constexpr int64_t kShanghai = 8 * 3'600'000;

struct Options {
  std::string state;
  int64_t year = 2026;
  int vms = 1133, changes = 10, hosts = 60;
};

struct Size {
  int64_t cpus, memory_gb, disk_gb;
  std::string tier;
  bool running = true;
};

struct Event {
  int64_t time_ms;
  std::string tenant, vm, action;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "report_fixture: %s\n", what.c_str());
  std::exit(1);
}

void check(const Status& s) {
  if (!s.ok()) die(s.message());
}

std::string tenant_of(int i) {
  char name[32];
  if (i < 50) {
    std::snprintf(name, sizeof name, "dept-%02d", i + 1);
  } else {
    std::snprintf(name, sizeof name, "dept-%02d/unit-%d", i - 49, i - 49);
  }
  return name;
}

void add_hosts(Store& store, const Options& o) {
  const char* pools[] = {"erlonglu", "tianning1", "tianning2"};
  const char* zones[] = {"gov-extranet", "internet", "gov-intranet"};
  for (int h = 0; h < o.hosts; ++h) {
    HostRecord r;
    r.name = "host-" + std::to_string(h + 1);
    r.address = "127.0.0.1:" + std::to_string(7000 + h);
    r.transport = "tls";
    r.pool = pools[h % 3];
    r.zone = zones[h % 3];
    r.arch = h % 4 == 3 ? "aarch64" : "x86_64";
    r.facts_json = json{
        {"facts", {{"cpu", {{"count", 96}}}, {"memoryKiB", int64_t{512} * 1024 * 1024}}},
        {"contactedAtMs",
         0}}.dump();
    check(store.upsert_host(r));
  }
}

void add_price_list(Store& store, const Options& o) {
  ResourceRecord r;
  r.kind = "PriceList";
  r.name = "prices-" + std::to_string(o.year);
  json spec = {
      {"currency", "CNY"},
      {"effectiveFrom", std::to_string(o.year - 1) + "-01-01"},
      {"prices",
       {{"vcpu", "40"}, {"memory", "20"}, {"storage-normal", "0.5"}, {"storage-high", "1.2"}}}};
  r.spec_json = json{{"manifest", {{"kind", "PriceList"}, {"spec", spec}}}}.dump();
  r.spec_hash = "fixture";
  r.manifest_set = "fixture";
  check(store.put_resource(r).status());
}

void open_intervals(Store& store, const std::string& tenant, const std::string& system,
                    const std::string& vm, const Size& s, int64_t from, std::optional<int64_t> to) {
  for (auto [item, quantity] : std::vector<std::pair<std::string, int64_t>>{
           {"vcpu", s.cpus}, {"memory", s.memory_gb}, {"storage-" + s.tier, s.disk_gb}}) {
    MeterInterval iv{tenant, system, vm, item, quantity, from, to, s.running};
    check(store.open_meter_interval(iv));
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--year")
      o.year = std::stoll(next());
    else if (a == "--vms")
      o.vms = std::stoi(next());
    else if (a == "--changes")
      o.changes = std::stoi(next());
    else if (a == "--hosts")
      o.hosts = std::stoi(next());
    else if (o.state.empty() && a[0] != '-')
      o.state = a;
    else
      die("unknown argument " + a);
  }
  if (o.state.empty())
    die("usage: report_fixture STATE.db [--year Y] [--vms N] [--changes N] [--hosts N]");
  auto opened = open_store(o.state, OpenMode::kCreate);
  if (!opened.ok()) die(opened.status().message());
  Store& store = **opened;

  const int64_t year_start = civil::local_midnight_ms({o.year, 1, 1}, kShanghai);
  const int64_t year_end = civil::local_midnight_ms({o.year + 1, 1, 1}, kShanghai);
  const int64_t december = civil::local_midnight_ms({o.year - 1, 12, 1}, kShanghai);
  std::mt19937_64 rng(20261129);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi - 1)(rng);
  };

  std::vector<Event> events;
  check(store.transact([&]() -> Status {
    add_hosts(store, o);
    add_price_list(store, o);
    for (int v = 0; v < o.vms; ++v) {
      int system_index = v % 184;
      std::string tenant = tenant_of(system_index % 59);
      std::string system = "sys-" + std::to_string(system_index + 1);
      std::string vm = system + "-vm-" + std::to_string(v / 184 + 1);
      Size size{int64_t{2} << uniform(0, 3), int64_t{4} << uniform(0, 3), 40 + 20 * uniform(0, 10),
                uniform(0, 3) == 0 ? "high" : "normal"};
      int64_t at = december + uniform(0, 30 * civil::kDayMs);
      events.push_back({at, tenant, vm, "create"});
      std::vector<int64_t> times;
      for (int c = 0; c < o.changes; ++c) times.push_back(uniform(year_start, year_end));
      std::sort(times.begin(), times.end());
      for (int64_t t : times) {
        open_intervals(store, tenant, system, vm, size, at, t);
        int64_t kind = uniform(0, 3);
        if (kind == 0)
          size.cpus = int64_t{2} << uniform(0, 3);
        else if (kind == 1)
          size.memory_gb = int64_t{4} << uniform(0, 3);
        else
          size.running = !size.running;
        events.push_back({t, tenant, vm, kind == 2 ? (size.running ? "start" : "stop") : "update"});
        at = t;
      }
      open_intervals(store, tenant, system, vm, size, at, std::nullopt);
      ResourceRecord r;
      r.kind = "VirtualMachine";
      r.tenant = tenant;
      r.name = vm;
      r.spec_json = json{{"manifest", {{"metadata", {{"labels", {{"system", system}}}}}}},
                         {"domain", {{"cpus", size.cpus}, {"memory_mib", size.memory_gb * 1024}}}}
                        .dump();
      r.spec_hash = "h" + std::to_string(v);
      r.manifest_set = "fixture";
      auto put = store.put_resource(r);
      if (!put.ok()) return put.status();
      Status placed = store.set_placement(r.key(), "host-" + std::to_string(v % o.hosts + 1));
      if (!placed.ok()) return placed;
    }
    return Status::ok_status();
  }));

  // The audit trail in time order, each record stamped with its event's time.
  std::sort(events.begin(), events.end(),
            [](const Event& a, const Event& b) { return a.time_ms < b.time_ms; });
  int64_t clock = 0;
  AuditLog log(store, [&] { return clock; });
  check(store.transact([&]() -> Status {
    for (const Event& e : events) {
      clock = e.time_ms;
      AuditRecord r;
      r.actor = "ops";
      r.origin_host = "bench";
      r.command = "xcloudctl apply -f cloud/";
      r.kind = "VirtualMachine";
      r.tenant = e.tenant;
      r.name = e.vm;
      r.action = e.action;
      r.result = kAuditOk;
      r.message = "host fixture";
      auto appended = log.append(r);
      if (!appended.ok()) return appended.status();
    }
    return Status::ok_status();
  }));
  std::printf("report_fixture: %d VMs, %zu audit records, %d hosts in %s\n", o.vms, events.size(),
              o.hosts, o.state.c_str());
  return 0;
}
