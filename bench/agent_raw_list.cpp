// The raw-libvirt baseline for bench/agent_bench.sh: reads what domains.list
// reports (name, UUID, state, vCPUs, memory, xcloud metadata) for every
// domain of a libvirt URI, N times on one connection, and prints the median.
//
//   agent_raw_list test:///tmp/host.xml 200
//
// Two variants, each timed separately:
//   bulk:    virConnectListAllDomains + virDomainListGetStats(state|vcpu|balloon)
//            + one virDomainGetMetadata per domain (+ virDomainGetInfo where the
//            bulk stats lack vCPUs or memory, as on the test driver, like the agent);
//   restart: bulk + what domains.list adds for restartPending (is the domain
//            active and persistent, and its live metadata besides the config's).
// Connecting is not timed: the test driver parses its host file per connection.
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

constexpr const char* kXcloudNs = "https://xcloud.local/xmlns/domain/1";

// What domains.list reports besides names, UUIDs and metadata; -1 when unknown.
struct Size {
  int state = -1;
  long long cpus = -1;
  long long memory_kib = -1;
};

struct Listing {
  int domains = 0;
  int managed = 0;
  int restart_pending = 0;
  long long cpus = 0;  // summed, as a check that sizes were read
  size_t bytes = 0;    // of names, UUIDs and metadata read, so none of it is optimized away
};

std::string take(char* s) {
  std::string out = s ? s : "";
  std::free(s);
  return out;
}

Listing list_once(virConnectPtr conn, bool restart_check) {
  Listing out;
  virDomainPtr* domains = nullptr;
  int n = virConnectListAllDomains(conn, &domains, 0);
  if (n < 0) {
    std::fprintf(stderr, "agent_raw_list: virConnectListAllDomains failed\n");
    std::exit(1);
  }
  std::vector<virDomainPtr> list(domains, domains + n);
  list.push_back(nullptr);
  virDomainStatsRecordPtr* records = nullptr;
  int count = n == 0 ? 0
                     : virDomainListGetStats(list.data(),
                                             VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_VCPU |
                                                 VIR_DOMAIN_STATS_BALLOON,
                                             &records, 0);
  std::unordered_map<std::string, Size> sizes;
  for (int i = 0; i < count; ++i) {
    Size& size = sizes[virDomainGetName(records[i]->dom)];
    for (int k = 0; k < records[i]->nparams; ++k) {
      const virTypedParameter& p = records[i]->params[k];
      if (std::strcmp(p.field, "state.state") == 0)
        size.state = p.value.i;
      else if (std::strcmp(p.field, "vcpu.maximum") == 0)
        size.cpus = p.value.ui;
      else if (std::strcmp(p.field, "balloon.maximum") == 0)
        size.memory_kib = static_cast<long long>(p.value.ul);
    }
  }
  if (records) virDomainStatsRecordListFree(records);

  for (int i = 0; i < n; ++i) {
    virDomainPtr d = domains[i];
    const char* name = virDomainGetName(d);
    char uuid[VIR_UUID_STRING_BUFLEN] = {0};
    virDomainGetUUIDString(d, uuid);
    Size size = sizes[name];
    if (size.state < 0 || size.cpus < 0 || size.memory_kib < 0) {
      // As domains.list does: the test driver's bulk stats carry only the state.
      virDomainInfo info;
      if (virDomainGetInfo(d, &info) == 0) {
        size.state = info.state;
        size.cpus = info.nrVirtCpu;
        size.memory_kib = static_cast<long long>(info.maxMem);
      }
    }
    out.bytes += std::strlen(name) + std::strlen(uuid);
    out.cpus += size.cpus;
    std::string config = take(
        virDomainGetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, kXcloudNs, VIR_DOMAIN_AFFECT_CONFIG));
    if (config.empty()) virResetLastError();
    out.bytes += config.size();
    ++out.domains;
    if (config.empty()) continue;
    ++out.managed;
    if (restart_check && virDomainIsActive(d) == 1 && virDomainIsPersistent(d) == 1) {
      std::string live = take(
          virDomainGetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, kXcloudNs, VIR_DOMAIN_AFFECT_LIVE));
      if (live != config) ++out.restart_pending;
    }
  }
  for (int i = 0; i < n; ++i) virDomainFree(domains[i]);
  std::free(domains);
  return out;
}

// This process's peak resident set in kB (VmHWM), or -1.
long peak_rss_kb() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
  std::fclose(f);
  return kb;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

void run(virConnectPtr conn, const char* name, bool restart_check, int runs) {
  Listing first = list_once(conn, restart_check);  // warm-up
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    list_once(conn, restart_check);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::printf(
      "%s domains=%d managed=%d cpus=%lld runs=%d median_ms=%.3f min_ms=%.3f max_ms=%.3f "
      "hwm_kb=%ld\n",
      name, first.domains, first.managed, first.cpus, runs, median(ms),
      *std::min_element(ms.begin(), ms.end()), *std::max_element(ms.begin(), ms.end()),
      peak_rss_kb());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: agent_raw_list URI [RUNS]\n");
    return 2;
  }
  int runs = argc == 3 ? std::atoi(argv[2]) : 200;
  if (runs < 1) {
    std::fprintf(stderr, "agent_raw_list: RUNS must be a positive integer\n");
    return 2;
  }
  virConnectPtr conn = virConnectOpen(argv[1]);
  if (!conn) {
    std::fprintf(stderr, "agent_raw_list: cannot open %s\n", argv[1]);
    return 1;
  }
  run(conn, "bulk", false, runs);
  run(conn, "restart", true, runs);
  virConnectClose(conn);
  return 0;
}
