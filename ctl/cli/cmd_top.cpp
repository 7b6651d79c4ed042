// xcloudctl top vms|hosts: the busiest VMs or hosts over a window, from the
// metrics `collect` stored (ctl/metrics/top.h). CLI wiring; one run per process.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>

#include "ctl/cli/cli.h"
#include "ctl/cli/duration_option.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/known_names.h"
#include "ctl/cli/table.h"
#include "ctl/metrics/collect.h"
#include "ctl/metrics/top.h"

namespace xc {
namespace {

using nlohmann::ordered_json;

constexpr std::chrono::seconds kLongestWindow{400 * 86400};
constexpr size_t kMostRows = 100000;

struct TopOptions {
  std::string what, by = "cpu", tenant, since = "1h", format;
  size_t limit = 10;
};

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string percent(double part, double whole) {
  return whole > 0 ? fixed(100.0 * part / whole, 1) + "%" : "-";
}

// Bytes per second as people read them: 512 B/s, 1.5 KiB/s, 3.2 MiB/s.
std::string rate(double bps) {
  const char* units[] = {"B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s"};
  int u = 0;
  while (bps >= 1024 && u < 4) bps /= 1024, ++u;
  return fixed(bps, u == 0 ? 0 : 1) + " " + units[u];
}

std::string kib_rate(double kib) {
  return rate(kib * 1024);
}

std::string iops(double milli) {
  return fixed(milli / 1000.0, 1);
}

// Counts and sizes are whole numbers; the stored values are integers.
int64_t whole(double v) {
  return static_cast<int64_t>(std::llround(v));
}

ordered_json entry_json(const TopEntry& e, bool hosts) {
  ordered_json j;
  j["name"] = e.object.name;
  if (!hosts) j["tenant"] = e.object.tenant, j["host"] = e.host;
  j["samples"] = e.samples;
  auto pair = [&](size_t c, double scale) {
    return ordered_json{{"avg", e.avg[c] / scale}, {"max", e.max[c] / scale}};
  };
  j["cpuCores"] = pair(kCpuMilli, 1000);
  j[hosts ? "vcpusAllocated" : "vcpus"] = whole(e.latest[kVcpus]);
  j["memoryUsedMiB"] = pair(kMemoryUsedMiB, 1);
  j[hosts ? "memoryAllocatedMiB" : "memoryMiB"] = whole(e.latest[kMemoryMiB]);
  j["diskReadBytesPerSecond"] = pair(kDiskReadKiBps, 1.0 / 1024);
  j["diskWriteBytesPerSecond"] = pair(kDiskWriteKiBps, 1.0 / 1024);
  j["readIops"] = pair(kReadIopsMilli, 1000);
  j["writeIops"] = pair(kWriteIopsMilli, 1000);
  j["netRxBytesPerSecond"] = pair(kNetRxKiBps, 1.0 / 1024);
  j["netTxBytesPerSecond"] = pair(kNetTxKiBps, 1.0 / 1024);
  if (hosts) {
    j["cpus"] = whole(e.latest[kHostCpus]);
    j["memoryMiB"] = whole(e.latest[kHostMemoryMiB]);
    j["memoryFreeMiB"] = pair(kHostMemoryFreeMiB, 1);
    j["pool"] = {{"capacityBytes", whole(e.latest[kPoolCapacityBytes])},
                 {"allocationBytes", whole(e.latest[kPoolAllocationBytes])},
                 {"availableBytes", whole(e.latest[kPoolAvailableBytes])}};
  }
  return j;
}

void print_table(CliContext& ctx, const TopResult& r, bool hosts, bool wide) {
  std::vector<std::string> headers = {"NAME"};
  if (!hosts) headers.insert(headers.end(), {"TENANT", "HOST"});
  headers.insert(headers.end(), {"CPU", "CPU%", "MEMORY%", "IOPS", "NET"});
  if (wide)
    headers.insert(headers.end(), {"CPU-MAX%", "MEMORY-USED", "IOPS-MAX", "NET-MAX", "READ",
                                   "WRITE", hosts ? "POOL-USED" : "VCPUS", "SAMPLES"});
  Table table(headers);
  for (const TopEntry& e : r.entries) {
    double cpus = hosts ? e.latest[kHostCpus] : e.latest[kVcpus];
    double memory = hosts ? e.latest[kHostMemoryMiB] : e.latest[kMemoryMiB];
    double used = hosts ? host_memory_used_mib(e) : e.avg[kMemoryUsedMiB];
    std::vector<std::string> row = {e.object.name};
    if (!hosts) row.insert(row.end(), {e.object.tenant, e.host.empty() ? "-" : e.host});
    row.insert(row.end(), {fixed(e.avg[kCpuMilli] / 1000.0, 2) + "/" + fixed(cpus, 0),
                           percent(e.avg[kCpuMilli] / 1000.0, cpus), percent(used, memory),
                           iops(e.avg[kReadIopsMilli] + e.avg[kWriteIopsMilli]),
                           kib_rate(e.avg[kNetRxKiBps] + e.avg[kNetTxKiBps])});
    if (wide)
      row.insert(row.end(),
                 {percent(e.max[kCpuMilli] / 1000.0, cpus), fixed(used, 0) + " MiB",
                  iops(e.max[kReadIopsMilli] + e.max[kWriteIopsMilli]),
                  kib_rate(e.max[kNetRxKiBps] + e.max[kNetTxKiBps]),
                  kib_rate(e.avg[kDiskReadKiBps]), kib_rate(e.avg[kDiskWriteKiBps]),
                  hosts ? percent(e.latest[kPoolAllocationBytes], e.latest[kPoolCapacityBytes])
                        : fixed(cpus, 0),
                  std::to_string(e.samples)});
    table.add(row);
  }
  table.print(ctx.out);
  if (r.entries.empty())
    ctx.out << "no samples between " << format_time_ms(r.from_ms) << " and "
            << format_time_ms(r.to_ms) << " (has `xcloudctl collect` run twice?)\n";
}

void run_top(CliContext& ctx, const TopOptions& o) {
  auto usage = [&](const std::string& message) {
    print_error(ctx, message);
    ctx.exit_code = kExitUsage;
  };
  TopRequest req;
  req.hosts = o.what == "hosts";
  if (req.hosts && !o.tenant.empty()) return usage("top hosts: --tenant applies to VMs only");
  req.by = o.by == "memory" ? TopBy::kMemory
           : o.by == "iops" ? TopBy::kIops
           : o.by == "net"  ? TopBy::kNet
                            : TopBy::kCpu;
  auto window = parse_duration("--since", o.since, kLongestWindow);
  if (!window.ok()) return usage(window.status().message());
  if (window->count() == 0) return usage("--since: the window must be longer than 0 s");
  if (o.limit > kMostRows) return usage("-n: at most " + std::to_string(kMostRows));
  req.window_ms = window->count() * 1000;
  req.limit = o.limit;
  req.tenant = o.tenant;
  req.now_ms = system_now_ms();
  auto store = open_state_store(ctx);
  if (!store) return;
  if (Status known = check_tenant(*store, o.tenant); !known.ok()) {
    print_error(ctx, known.message());
    ctx.exit_code = known.code() == Code::kInvalidArgument ? kExitUsage : kExitFailure;
    return;
  }
  auto result = top_metrics(*store, req);
  if (!result.ok()) {
    print_error(ctx, "top: " + result.status().message());
    ctx.exit_code = kExitFailure;
    return;
  }
  if (o.format == "json" || o.format == "yaml") {
    ordered_json doc;
    doc["kind"] = req.hosts ? "hosts" : "vms";
    doc["by"] = o.by;
    doc["from"] = format_time_ms(result->from_ms);
    doc["to"] = format_time_ms(result->to_ms);
    doc["source"] = result->from_rollups ? "hourly-rollups" : "raw";
    doc["items"] = ordered_json::array();
    for (const auto& e : result->entries) doc["items"].push_back(entry_json(e, req.hosts));
    ctx.out << (o.format == "json" ? json_text(doc)
                                   : json_to_yaml(nlohmann::json::parse(doc.dump())))
            << "\n";
    return;
  }
  print_table(ctx, *result, req.hosts, o.format == "wide");
}

}  // namespace

void add_top_command(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<TopOptions>();
  auto* cmd = app.add_subcommand("top", "The busiest VMs or hosts over a window (TopN)");
  cmd->footer(
      "Ranks by the window's average: cpu and memory as a share of what the VM has\n"
      "(a host: of its CPUs and memory), iops as read + write requests per second, net\n"
      "as received + sent bytes per second. Windows up to 48h read the raw samples;\n"
      "longer ones (up to 400d) the hourly rollups, finished hours only. Figures come\n"
      "from `xcloudctl collect` (or `serve`); CPU shows cores used/allocated.\n\n"
      "Examples:\n"
      "  xcloudctl top vms\n"
      "  xcloudctl top vms --by iops --tenant education --since 6h -n 20\n"
      "  xcloudctl top hosts --by memory -o wide\n"
      "  xcloudctl top vms --by net --since 30d -o json");
  cmd->add_option("WHAT", o->what, "vms or hosts")
      ->required()
      ->check(CLI::IsMember({"vms", "hosts"}));
  cmd->add_option("--by", o->by, "Rank by cpu, memory, iops or net")
      ->check(CLI::IsMember({"cpu", "memory", "iops", "net"}))
      ->capture_default_str();
  cmd->add_option("--tenant", o->tenant, "Only VMs of this tenant and its sub-tenants");
  cmd->add_option("--since", o->since, "The window, back from now: 30m, 1h, 48h, 7d")
      ->capture_default_str();
  cmd->add_option("-n,--limit", o->limit, "How many rows (0: all)")->capture_default_str();
  add_output_option(*cmd, o->format, {"table", "wide", "json", "yaml"});
  cmd->callback([&ctx, o] { run_top(ctx, *o); });
}

}  // namespace xc
