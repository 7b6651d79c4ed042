#include "agent/prometheus_text.h"

#include <doctest/doctest.h>

using namespace xc;

namespace {

MetricsSample sample() {
  MetricsSample s;
  s.host.cpus = 16;
  s.host.memory_kib = 1024;
  s.host.memory_free_kib = 512;
  DomainCounters web;
  web.domain = "xc-education.web-1";
  web.tenant = "education";
  web.vm = "web-1";
  web.state = "running";
  web.id = 3;
  web.vcpus = 2;
  web.memory_kib = 2048;
  web.memory_used_kib = 1024;
  web.cpu_time_ns = 1'500'000'000;
  web.disk_read_bytes = 4096;
  web.net_tx_bytes = 77;
  DomainCounters off;
  off.domain = "legacy \"erp\"\\\n";
  off.state = "stopped";
  s.domains = {web, off};
  return s;
}

}  // namespace

TEST_CASE("label values escape backslash, double quote and line feed, bad UTF-8 is replaced") {
  CHECK(prometheus_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  CHECK(prometheus_label_value("教育") == "教育");
  CHECK(prometheus_label_value(std::string("x\xff") + "y") == "x\xEF\xBF\xBDy");
}

TEST_CASE("counters in base units with _total, gauges for sizes, one series per running domain") {
  std::string text = prometheus_text(sample());
  CHECK(text.find("# HELP xcloud_vm_cpu_seconds_total CPU time used by the domain.\n"
                  "# TYPE xcloud_vm_cpu_seconds_total counter\n"
                  "xcloud_vm_cpu_seconds_total{domain=\"xc-education.web-1\",tenant=\"education\","
                  "vm=\"web-1\"} 1.5\n") != std::string::npos);
  CHECK(text.find("xcloud_vm_memory_bytes{domain=\"xc-education.web-1\",tenant=\"education\","
                  "vm=\"web-1\"} 2097152\n") != std::string::npos);
  CHECK(text.find("xcloud_vm_network_transmit_bytes_total{domain=\"xc-education.web-1\","
                  "tenant=\"education\",vm=\"web-1\"} 77\n") != std::string::npos);
  CHECK(text.find("xcloud_host_memory_bytes 1048576\n") != std::string::npos);
  // The stopped domain has only its running gauge, with its name escaped.
  CHECK(text.find(
            "xcloud_vm_running{domain=\"legacy \\\"erp\\\"\\\\\\n\",tenant=\"\",vm=\"\"} 0\n") !=
        std::string::npos);
  // No pool yet: no pool families.
  CHECK(text.find("xcloud_storage_pool") == std::string::npos);
  CHECK(text.back() == '\n');
}

TEST_CASE("the storage pool's use appears once the pool exists") {
  MetricsSample s = sample();
  s.host.has_pool = true;
  s.host.pool = "xcloud";
  s.host.pool_capacity_bytes = 100;
  s.host.pool_allocation_bytes = 40;
  s.host.pool_available_bytes = 60;
  std::string text = prometheus_text(s);
  CHECK(text.find("xcloud_storage_pool_allocation_bytes{pool=\"xcloud\"} 40\n") !=
        std::string::npos);
  CHECK(text.find("# TYPE xcloud_storage_pool_capacity_bytes gauge\n") != std::string::npos);
}
