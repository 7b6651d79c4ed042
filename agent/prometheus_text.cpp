#include "agent/prometheus_text.h"

#include <charconv>
#include <functional>

#include "common/utf8.h"

namespace xc {
namespace {

struct Family {
  const char* name;
  const char* type;  // counter or gauge
  const char* help;
};

std::string number(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string number(int64_t v) {
  return std::to_string(v);
}

std::string number(uint64_t v) {
  return std::to_string(v);
}

void header(std::string& out, const Family& f) {
  out += "# HELP ";
  out += f.name;
  out += ' ';
  out += f.help;
  out += "\n# TYPE ";
  out += f.name;
  out += ' ';
  out += f.type;
  out += '\n';
}

std::string domain_labels(const DomainCounters& d) {
  return "{domain=\"" + prometheus_label_value(d.domain) + "\",tenant=\"" +
         prometheus_label_value(d.tenant) + "\",vm=\"" + prometheus_label_value(d.vm) + "\"}";
}

// One family with a series per running domain.
void domain_family(std::string& out, const MetricsSample& s, const Family& f,
                   const std::function<std::string(const DomainCounters&)>& value) {
  header(out, f);
  for (const DomainCounters& d : s.domains) {
    if (d.id < 0) continue;
    out += f.name;
    out += domain_labels(d);
    out += ' ';
    out += value(d);
    out += '\n';
  }
}

}  // namespace

std::string prometheus_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size();) {
    uint32_t code = 0;
    size_t n = decode_utf8(value, i, code);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    if (value[i] == '\\') {
      out += "\\\\";
    } else if (value[i] == '"') {
      out += "\\\"";
    } else if (value[i] == '\n') {
      out += "\\n";
    } else {
      out.append(value.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string prometheus_text(const MetricsSample& s) {
  std::string out;
  out.reserve(256 + s.domains.size() * 1200);
  const HostCounters& h = s.host;
  header(out, {"xcloud_host_cpus", "gauge", "Logical CPUs of the host."});
  out += "xcloud_host_cpus " + number(h.cpus) + "\n";
  header(out, {"xcloud_host_memory_bytes", "gauge", "Memory of the host."});
  out += "xcloud_host_memory_bytes " + number(h.memory_kib * 1024) + "\n";
  header(out, {"xcloud_host_memory_free_bytes", "gauge", "Free memory of the host."});
  out += "xcloud_host_memory_free_bytes " + number(h.memory_free_kib * 1024) + "\n";
  if (h.has_pool) {
    std::string pool = "{pool=\"" + prometheus_label_value(h.pool) + "\"}";
    header(out, {"xcloud_storage_pool_capacity_bytes", "gauge",
                 "Capacity of the agent's storage pool."});
    out += "xcloud_storage_pool_capacity_bytes" + pool + " " + number(h.pool_capacity_bytes) + "\n";
    header(out, {"xcloud_storage_pool_allocation_bytes", "gauge",
                 "Bytes allocated in the agent's storage pool."});
    out += "xcloud_storage_pool_allocation_bytes" + pool + " " + number(h.pool_allocation_bytes) +
           "\n";
    header(out, {"xcloud_storage_pool_available_bytes", "gauge",
                 "Bytes still available in the agent's storage pool."});
    out +=
        "xcloud_storage_pool_available_bytes" + pool + " " + number(h.pool_available_bytes) + "\n";
  }
  header(out, {"xcloud_vm_running", "gauge", "1 when the domain is running or paused, else 0."});
  for (const DomainCounters& d : s.domains)
    out += "xcloud_vm_running" + domain_labels(d) + (d.id >= 0 ? " 1\n" : " 0\n");
  domain_family(out, s, {"xcloud_vm_vcpus", "gauge", "Virtual CPUs of the domain."},
                [](const DomainCounters& d) { return number(d.vcpus); });
  domain_family(out, s, {"xcloud_vm_cpu_seconds_total", "counter", "CPU time used by the domain."},
                [](const DomainCounters& d) { return number(double(d.cpu_time_ns) / 1e9); });
  domain_family(out, s, {"xcloud_vm_memory_bytes", "gauge", "Memory given to the domain."},
                [](const DomainCounters& d) { return number(d.memory_kib * 1024); });
  domain_family(out, s, {"xcloud_vm_memory_used_bytes", "gauge", "Memory the domain's guest uses."},
                [](const DomainCounters& d) { return number(d.memory_used_kib * 1024); });
  domain_family(
      out, s, {"xcloud_vm_disk_read_bytes_total", "counter", "Bytes read from the domain's disks."},
      [](const DomainCounters& d) { return number(d.disk_read_bytes); });
  domain_family(
      out, s,
      {"xcloud_vm_disk_written_bytes_total", "counter", "Bytes written to the domain's disks."},
      [](const DomainCounters& d) { return number(d.disk_write_bytes); });
  domain_family(out, s,
                {"xcloud_vm_disk_reads_total", "counter", "Read requests on the domain's disks."},
                [](const DomainCounters& d) { return number(d.disk_read_ops); });
  domain_family(out, s,
                {"xcloud_vm_disk_writes_total", "counter", "Write requests on the domain's disks."},
                [](const DomainCounters& d) { return number(d.disk_write_ops); });
  domain_family(out, s,
                {"xcloud_vm_network_receive_bytes_total", "counter",
                 "Bytes received by the domain's network interfaces."},
                [](const DomainCounters& d) { return number(d.net_rx_bytes); });
  domain_family(out, s,
                {"xcloud_vm_network_transmit_bytes_total", "counter",
                 "Bytes sent by the domain's network interfaces."},
                [](const DomainCounters& d) { return number(d.net_tx_bytes); });
  return out;
}

}  // namespace xc
