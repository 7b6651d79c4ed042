// Evaluation time of 100 alarm rules at the Xicheng scale, in process:
// a state made by bench/metrics_fixture (60 hosts, 1,133 VMs, raw samples
// every minute) gets the hosts and VMs as inventory, 30 days of lifecycle
// events, and 100 AlarmRules (metric rules over 1-15 minute windows with and
// without scopes, and event rules); then evaluate_alarms runs ROUNDS times
// after a first round (which also verifies the audit chain) and the median
// and worst times are printed. Target: <= 100 ms.
//   alarm_bench STATE HOSTS VMS NOW_MS [ROUNDS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ctl/alarms/alarm_evaluate.h"
#include "ctl/store/store.h"

using namespace xc;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: alarm_bench STATE HOSTS VMS NOW_MS [ROUNDS]\n");
    return 2;
  }
  const int hosts = std::atoi(argv[2]), vms = std::atoi(argv[3]);
  const int64_t now = std::atoll(argv[4]);
  const int rounds = argc > 5 ? std::atoi(argv[5]) : 20;
  auto opened = open_store(argv[1], OpenMode::kExisting);
  if (!opened.ok()) return std::fprintf(stderr, "%s\n", opened.status().message().c_str()), 1;
  Store& store = **opened;
  auto resource = [&](const std::string& kind, const std::string& tenant, const std::string& name,
                      const std::string& manifest) {
    ResourceRecord r;
    r.kind = kind;
    r.tenant = tenant;
    r.name = name;
    r.spec_json = "{\"manifest\": " + manifest + "}";
    r.spec_hash = name;
    return store.put_resource(r).status();
  };
  static const char* kMetrics[] = {"vm.cpu",    "vm.memory", "vm.iops",
                                   "vm.net",    "host.cpu",  "host.memory",
                                   "host.iops", "host.net",  "host.pool-used"};
  Status made = store.transact([&]() -> Status {
    for (int h = 0; h < hosts; ++h) {
      HostRecord host{"host-" + std::to_string(h),
                      "127.0.0.1:1",
                      "tls",
                      "pool-" + std::to_string(h % 3),
                      "zone",
                      "x86_64",
                      "{}",
                      now};
      if (Status s = store.upsert_host(host); !s.ok()) return s;
    }
    for (int v = 0; v < vms; ++v) {
      std::string tenant = "tenant-" + std::to_string(v % 20), name = "vm-" + std::to_string(v);
      std::string manifest = R"({"metadata": {"name": ")" + name + R"(", "labels": {"system": "s)" +
                             std::to_string(v % 40) + R"(", "tier": "web"}}})";
      if (Status s = resource("VirtualMachine", tenant, name, manifest); !s.ok()) return s;
    }
    for (int r = 0; r < 100; ++r) {
      std::string spec;
      if (r % 10 == 9) {
        static const char* kEvents[] = {"stopped", "crashed", "paused", "shutdown", "migrated"};
        spec = std::string(R"({"event": ")") + kEvents[(r / 10) % 5] + R"(", "for": ")" +
               std::to_string(r % 7) + R"(m", "severity": "warning"})";
      } else {
        const char* metric = kMetrics[r % 9];
        std::string scope = r % 3 == 0   ? R"(, "scope": {"labels": {"tier": "web"}})"
                            : r % 3 == 1 ? R"(, "scope": {"pool": "pool-1"})"
                                         : "";
        // Percentages near the top, rates high: a fleet with a few alarms,
        // as a real one has (every rule still reads every sample).
        std::string m = metric;
        bool rate = m.find("iops") != std::string::npos || m.find("net") != std::string::npos;
        std::string threshold = std::to_string(rate ? 100'000 + 1000 * r : 90 + r % 10);
        spec = std::string(R"({"metric": ")") + metric + R"(", "condition": "> )" + threshold +
               R"(", "for": ")" + std::to_string(1 + r % 15) + R"(m", "severity": "major")" +
               scope + "}";
      }
      std::string name = "rule-" + std::to_string(r);
      if (Status s = resource("AlarmRule", "", name, R"({"spec": )" + spec + "}"); !s.ok())
        return s;
    }
    std::vector<EventRecord> events;
    static const char* kTypes[] = {"started", "stopped", "started", "crashed", "started", "paused"};
    for (int i = 0; i < 20'000; ++i) {
      EventRecord e;
      e.time_ms = e.received_ms = now - 30LL * 86'400'000 + i * (30LL * 86'400'000 / 20'000);
      int v = (i * 7919) % vms;
      e.host = "host-" + std::to_string(v % hosts);
      e.tenant = "tenant-" + std::to_string(v % 20);
      e.vm = "vm-" + std::to_string(v);
      e.domain = "d" + std::to_string(v);
      e.type = kTypes[i % 6];
      e.boot_id = "bench";
      e.agent_seq = i + 1;
      events.push_back(e);
    }
    return store.insert_events(events);
  });
  if (!made.ok()) return std::fprintf(stderr, "%s\n", made.message().c_str()), 1;
  const AuditIdentity who{"bench", "", "", "bench", "alarm_bench"};
  auto first = evaluate_alarms(store, now, {}, who);
  if (!first.ok()) return std::fprintf(stderr, "%s\n", first.status().message().c_str()), 1;
  std::vector<double> ms;
  size_t active = 0;
  for (int i = 0; i < rounds; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto done = evaluate_alarms(store, now + i, {}, who);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!done.ok()) return std::fprintf(stderr, "%s\n", done.status().message().c_str()), 1;
    active = done->active;
  }
  std::sort(ms.begin(), ms.end());
  std::printf(
      "{\"rules\": %zu, \"activeAlarms\": %zu, \"firstRoundAlarms\": %zu, \"medianMs\": %.1f, "
      "\"maxMs\": %.1f}\n",
      first->rules, active, first->fired.size(), ms[ms.size() / 2], ms.back());
  return 0;
}
