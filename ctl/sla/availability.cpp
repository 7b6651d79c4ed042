// compute_availability (availability.h): each VM's downtime from its
// declared-running spans, its state changes and its host's health; systems as
// the union of their VMs'; the platform as the sum over VMs.
#include "ctl/sla/availability.h"

#include <algorithm>
#include <set>

namespace xc {

__extension__ typedef __int128 Int128;  // exact products of ms or fen
namespace {

struct Labeled {
  Span span;
  std::string cause;
};

// Where a VM declared running was not running. Each declared span starts
// running (apply or `vm start` started it); the VM's events after that start
// move it. A stop within kDeclaredStopGraceMs of the span's real end is the
// declared stop itself. Spans are the real ones, not yet clipped.
std::vector<Labeled> not_running(const SlaVm& vm, int64_t now_ms) {
  std::vector<Labeled> out;
  for (const Span& declared : normalized(vm.declared_running)) {
    bool running = true;
    int64_t since = declared.start_ms;
    std::string why;
    const int64_t end = std::min(declared.end_ms, now_ms);
    for (const VmStateChange& c : vm.changes) {
      if (c.time_ms <= declared.start_ms) continue;
      if (c.time_ms >= end) break;
      if (c.running == running) continue;
      if (!c.running) {
        since = c.time_ms;
        why = c.what;
      } else {
        out.push_back({{since, c.time_ms}, "vm " + vm.name + " " + why});
      }
      running = c.running;
    }
    bool declared_stop =
        declared.end_ms <= now_ms && declared.end_ms - since <= kDeclaredStopGraceMs;
    if (!running && !declared_stop) out.push_back({{since, end}, "vm " + vm.name + " " + why});
  }
  return out;
}

Spans spans_of(const std::vector<Labeled>& labeled) {
  Spans out;
  for (const Labeled& l : labeled) out.push_back(l.span);
  return normalized(std::move(out));
}

// The causes of the labeled spans overlapping `span`, at most three named.
std::string causes_of(const std::vector<Labeled>& labeled, const Span& span) {
  std::vector<std::string> causes;
  std::set<std::string> seen;
  for (const Labeled& l : labeled) {
    if (l.span.end_ms <= span.start_ms || l.span.start_ms >= span.end_ms) continue;
    if (seen.insert(l.cause).second) causes.push_back(l.cause);
  }
  std::string out;
  for (size_t i = 0; i < causes.size() && i < 3; ++i) out += (i ? "; " : "") + causes[i];
  if (causes.size() > 3) out += "; and " + std::to_string(causes.size() - 3) + " more";
  return out;
}

std::string system_key(const std::string& tenant, const std::string& system) {
  return tenant + "/" + system;
}

}  // namespace

PlatformAvailability compute_availability(const SlaInput& in) {
  const Span window{in.period.start_ms,
                    std::max(in.period.start_ms, std::min(in.period.end_ms, in.now_ms))};
  std::map<std::string, const SlaHost*> hosts;
  for (const SlaHost& h : in.hosts) hosts[h.name] = &h;

  struct SystemParts {
    SystemAvailability result;
    Spans service;
    std::vector<Labeled> down;
  };
  std::map<std::pair<std::string, std::string>, SystemParts> systems;
  PlatformAvailability out;
  for (const SlaVm& vm : in.vms) {
    Spans declared = clip(vm.declared_running, window);
    std::vector<Labeled> down = not_running(vm, window.end_ms);
    Spans maintenance;
    auto m = in.system_maintenance.find(system_key(vm.tenant, vm.system));
    if (m != in.system_maintenance.end()) maintenance = m->second;
    if (auto h = hosts.find(vm.host); h != hosts.end()) {
      for (const Span& s : intersect(h->second->unreachable, declared))
        down.push_back({s, "host " + vm.host + " unreachable"});
      maintenance = unite(maintenance, h->second->maintenance);
    }
    // Counted downtime: inside the window and the declared span, outside maintenance.
    std::vector<Labeled> counted;
    for (const Labeled& l : down)
      for (const Span& s : subtract(intersect(Spans{l.span}, declared), maintenance))
        counted.push_back({s, l.cause});

    VmAvailability a;
    a.tenant = vm.tenant;
    a.name = vm.name;
    a.system = vm.system;
    a.down = spans_of(counted);
    a.service_ms = total_ms(declared);
    a.down_ms = total_ms(a.down);
    a.unobserved_ms = total_ms(subtract(declared, in.observed));
    out.vm_service_ms += a.service_ms;
    out.vm_down_ms += a.down_ms;
    out.unobserved_ms += a.unobserved_ms;

    SystemParts& sys = systems[{vm.tenant, vm.system}];
    sys.result.tenant = vm.tenant;
    sys.result.system = vm.system;
    sys.service = unite(sys.service, declared);
    sys.down.insert(sys.down.end(), counted.begin(), counted.end());
    sys.result.vms.push_back(std::move(a));
  }
  for (auto& [key, parts] : systems) {
    SystemAvailability& s = parts.result;
    Spans down = spans_of(parts.down);
    s.service_ms = total_ms(parts.service);
    s.down_ms = total_ms(down);
    s.unobserved_ms = total_ms(subtract(parts.service, in.observed));
    for (const Span& span : down) {
      s.outages.push_back({span, causes_of(parts.down, span)});
      s.longest_outage_ms = std::max(s.longest_outage_ms, span.end_ms - span.start_ms);
    }
    std::sort(s.vms.begin(), s.vms.end(),
              [](const VmAvailability& a, const VmAvailability& b) { return a.name < b.name; });
    out.systems.push_back(std::move(s));
  }
  return out;
}

int64_t availability_ppm(int64_t service_ms, int64_t down_ms) {
  if (service_ms <= 0) return 1'000'000;
  return static_cast<int64_t>(static_cast<Int128>(service_ms - down_ms) * 1'000'000 / service_ms);
}

bool availability_below(int64_t service_ms, int64_t down_ms, int64_t ppm) {
  if (service_ms <= 0) return false;
  return static_cast<Int128>(service_ms - down_ms) * 1'000'000 <
         static_cast<Int128>(ppm) * service_ms;
}

std::string ppm_percent_text(int64_t ppm) {
  std::string frac = std::to_string(ppm % 10'000);
  frac.insert(0, 4 - frac.size(), '0');
  return std::to_string(ppm / 10'000) + "." + frac + "%";
}

}  // namespace xc
