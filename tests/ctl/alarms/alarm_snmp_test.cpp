#include <doctest/doctest.h>

#include "ctl/alarms/alarm_notifier.h"

using namespace xc;

namespace {

AlarmNotice unreachable_notice(const std::string& status) {
  AlarmNotice n;
  n.status = status;
  n.alarm.id = 12;
  n.alarm.rule = "host-unreachable";
  n.alarm.object = "host/kp-01";
  n.alarm.severity = "critical";
  n.alarm.summary = std::string(300, 's');
  n.alarm.value = "connection refused";
  return n;
}

}  // namespace

TEST_CASE("snmp: a trap's arguments name the receiver, the event and every field") {
  AlarmReceiver r;
  r.name = "noc";
  r.type = "snmp";
  r.address = "udp://10.8.0.9";
  r.community = "bureau-noc";
  std::vector<std::string> a = snmp_trap_arguments(r, unreachable_notice("firing"));
  REQUIRE(a.size() == 8 + 7 * 3);
  CHECK(a[0] == "snmptrap");
  CHECK(a[3] == "-c");
  CHECK(a[4] == "bureau-noc");
  CHECK(a[5] == "udp:10.8.0.9:162");
  CHECK(a[6].empty());
  CHECK(a[7] == "1.3.6.1.4.1.32473.1.0.1");
  CHECK(a[8] == "1.3.6.1.4.1.32473.1.1.1");
  CHECK(a[9] == "s");
  CHECK(a[10] == "12");
  CHECK(a[13] == "host-unreachable");
  CHECK(a[16] == "host/kp-01");
  CHECK(a[19] == "critical");
  CHECK(a[22] == "firing");
  CHECK(a[25].size() == 255);  // the summary, cut
  CHECK(a[28] == "connection refused");
}

TEST_CASE("snmp: a clear is its own trap, ports and IPv6 addresses pass through") {
  AlarmReceiver r;
  r.type = "snmp";
  r.address = "udp://[fd00::9]:1162";
  std::vector<std::string> a = snmp_trap_arguments(r, unreachable_notice("cleared"));
  CHECK(a[4] == "public");
  CHECK(a[5] == "udp:[fd00::9]:1162");
  CHECK(a[7] == "1.3.6.1.4.1.32473.1.0.2");
  r.address = "udp://[fd00::9]";
  CHECK(snmp_trap_arguments(r, unreachable_notice("cleared"))[5] == "udp:[fd00::9]:162");
  r.address = "udp://trapd.bureau:10162";
  CHECK(snmp_trap_arguments(r, unreachable_notice("firing"))[5] == "udp:trapd.bureau:10162");
}
