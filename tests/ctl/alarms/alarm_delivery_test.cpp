#include "ctl/alarms/alarm_delivery.h"

#include <doctest/doctest.h>

#include "ctl/alarms/alarm_evaluate.h"
#include "ctl/alarms/alarm_notifier.h"
#include "ctl/controller/heartbeat.h"
#include "tests/ctl/controller/loop_harness.h"

using namespace xc;
using namespace xc::test;

namespace {

class FakeNotifier final : public AlarmNotifier {
 public:
  Status notify(const AlarmReceiver& receiver, const AlarmNotice& notice) override {
    calls.push_back(receiver.name + " " + notice.status + (notice.repeat ? " repeat" : "") + " " +
                    notice.alarm.object);
    if (fail) return error(Code::kUnavailable, "POST http://127.0.0.1:9/: refused");
    return {};
  }
  std::vector<std::string> calls;
  bool fail = false;
};

void put_route(Store& store, const std::string& spec_json) {
  ResourceRecord r;
  r.kind = "AlarmRoute";
  r.name = "default";
  r.spec_json = R"({"manifest": {"spec": )" + spec_json + "}}";
  r.spec_hash = spec_json;
  REQUIRE(store.put_resource(r).ok());
}

const AuditIdentity kWho{"ops", "", "", "test-host", "xcloudctl serve"};

}  // namespace

TEST_CASE(
    "alarm delivery: after the group wait, once while firing, again after the repeat interval, and "
    "the clear once") {
  LoopHarness h;
  put_route(*h.store,
            R"({"receivers": [{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/"}],
                         "route": {"receiver": "hook", "groupWait": "30s", "repeatInterval": "1h"}})");
  h.cloud.fleet.set_down("x86-03", true);
  REQUIRE(heartbeat_round(h.world).ok());
  const int64_t down = h.now_ms;
  REQUIRE(evaluate_alarms(*h.store, h.now_ms, {}, kWho).ok());
  FakeNotifier n;
  auto round = [&] {
    auto r = deliver_alarms(*h.store, h.now_ms, n);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    return *r;
  };
  CHECK(round().sent == 0);  // group wait
  h.now_ms = down + 30'000;
  DeliveryRound first = round();
  CHECK(first.sent == 1);
  CHECK(first.lines == std::vector<std::string>{
                           "alarm 1 host-unreachable host/x86-03 firing to default/hook: sent"});
  h.now_ms += 60'000;
  CHECK(round().sent == 0);  // dedup
  h.now_ms = down + 30'000 + 3'600'000;
  CHECK(round().sent == 1);  // repeat
  CHECK(n.calls ==
        std::vector<std::string>{"hook firing host/x86-03", "hook firing repeat host/x86-03"});
  auto sent = h.store->list_alarm_deliveries(1);
  REQUIRE(sent->size() == 1);
  CHECK((*sent)[0].count == 2);
  CHECK((*sent)[0].last_sent_ms == h.now_ms);

  // A failed send is kept with its error and tried at the next round.
  h.cloud.fleet.set_down("x86-03", false);
  h.now_ms += 1000;
  REQUIRE(heartbeat_round(h.world).ok());
  REQUIRE(evaluate_alarms(*h.store, h.now_ms, {}, kWho)->cleared.size() == 1);
  n.fail = true;
  DeliveryRound failed = round();
  CHECK(failed.failed == 1);
  CHECK(h.store->list_alarm_deliveries(1)->at(0).last_error == "POST http://127.0.0.1:9/: refused");
  n.fail = false;
  CHECK(round().sent == 1);
  CHECK(n.calls.back() == "hook cleared host/x86-03");
  CHECK(round().sent == 0);  // the clear is sent once
  CHECK(h.store->list_alarm_deliveries(1)->at(0).state == "cleared");
}

TEST_CASE("alarm delivery: acknowledged alarms are not repeated, silenced ones not sent") {
  AlarmRecord a;
  a.state = "acknowledged";
  a.started_ms = 0;
  RouteTarget t{"hook", 0, 1000};
  CHECK(next_notice(a, std::nullopt, t, 10'000) == NoticeKind::kNone);
  a.state = "firing";
  CHECK(next_notice(a, std::nullopt, t, 0) == NoticeKind::kFiring);
  AlarmDelivery d{1, "r", "hook", "firing", 5000, 1, ""};
  CHECK(next_notice(a, d, t, 5999) == NoticeKind::kNone);
  CHECK(next_notice(a, d, t, 6000) == NoticeKind::kRepeat);
  a.state = "cleared";
  CHECK(next_notice(a, d, t, 6000) == NoticeKind::kCleared);
  CHECK(next_notice(a, std::nullopt, t, 6000) == NoticeKind::kNone);  // never told it fired

  LoopHarness h;
  put_route(*h.store,
            R"({"receivers": [{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/"}],
                         "route": {"receiver": "hook", "groupWait": "0s"},
                         "silences": [{"name": "maintenance", "start": "2020-01-01", "end": "2100-01-01",
                                       "match": {"host": "x86-03"}}]})");
  h.cloud.fleet.set_down("x86-03", true);
  REQUIRE(heartbeat_round(h.world).ok());
  REQUIRE(evaluate_alarms(*h.store, h.now_ms, {}, kWho).ok());
  FakeNotifier n;
  auto r = deliver_alarms(*h.store, h.now_ms, n);
  REQUIRE(r.ok());
  CHECK(r->silenced == 1);
  CHECK(n.calls.empty());
}

TEST_CASE("alarm notices: the webhook body, the SMS template, the syslog message") {
  AlarmNotice n;
  n.status = "firing";
  n.route = "default";
  n.alarm.id = 4;
  n.alarm.rule = "vm-crashed";
  n.alarm.object = "vm/education/web-1";
  n.alarm.severity = "major";
  n.alarm.state = "firing";
  n.alarm.summary = "the VM crashed";
  n.alarm.value = "crashed";
  n.alarm.started_ms = 1'800'000'000'000;
  n.labels = {{"rule", "vm-crashed"}};
  AlarmReceiver sms;
  sms.name = "duty";
  sms.text_template = "xcloud {severity}: {object} {state} ({value})";
  CHECK(sms_text(sms, n) == "xcloud major: vm/education/web-1 firing (crashed)");
  sms.text_template.clear();
  CHECK(sms_text(sms, n) == "[major] vm-crashed vm/education/web-1 firing: the VM crashed");
  auto body = nlohmann::json::parse(webhook_body(sms, n));
  CHECK(body["status"] == "firing");
  CHECK(body["receiver"] == "duty");
  CHECK(body["alarm"]["id"] == 4);
  CHECK(body["labels"]["rule"] == "vm-crashed");
  CHECK(alarm_syslog_message(n, 1'800'000'000'000, "ctl-1") ==
        "<131>1 2027-01-15T08:00:00.000Z ctl-1 xcloudctl - alarm [xcloudAlarm@32473 id=\"4\" "
        "rule=\"vm-crashed\" object=\"vm/education/web-1\" severity=\"major\" status=\"firing\" "
        "state=\"firing\" value=\"crashed\" since=\"2027-01-15T08:00:00.000Z\"] \xEF\xBB\xBF"
        "[xcloud] FIRING major vm-crashed vm/education/web-1: the VM crashed");
}
