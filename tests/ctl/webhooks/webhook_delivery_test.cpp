#include "ctl/webhooks/webhook_delivery.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "ctl/audit/audit_log.h"
#include "ctl/webhooks/webhook_events.h"
#include "tests/support/temp_dir.h"

using namespace xc;
using namespace xc::test;
using nlohmann::json;

namespace {

// Records each batch's seqs; fails while `failures_left` > 0.
class FakeSender final : public WebhookSender {
 public:
  Status send(const StoredWebhook& w, const std::string& body, int64_t first,
              int64_t last) override {
    ++calls;
    if (failures_left > 0) {
      --failures_left;
      return error(Code::kUnavailable, "POST " + w.spec.url + ": HTTP status 503");
    }
    json j = json::parse(body);
    CHECK(j["webhook"] == w.name);
    std::vector<int64_t> seqs;
    for (const auto& e : j["events"]) {
      seqs.push_back(e["seq"].get<int64_t>());
      classes.push_back(e["event"].get<std::string>());
      CHECK(e.contains("digest"));
      CHECK(e.contains("prev_digest"));
    }
    REQUIRE(!seqs.empty());
    CHECK(seqs.front() == first);
    CHECK(seqs.back() == last);
    batches.push_back(seqs);
    return {};
  }
  int calls = 0;
  int failures_left = 0;
  std::vector<std::vector<int64_t>> batches;
  std::vector<std::string> classes;

  std::vector<int64_t> delivered() const {
    std::vector<int64_t> all;
    for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
    return all;
  }
};

struct Fixture {
  TempDir dir;
  std::unique_ptr<Store> store;
  Fixture() {
    auto s = open_store(dir.path("state.db"), OpenMode::kCreate);
    REQUIRE(s.ok());
    store = std::move(*s);
  }
  int64_t append(const std::string& kind, const std::string& tenant, const std::string& name,
                 const std::string& action) {
    AuditIdentity who{"ops", "", "", "test-host", "xcloudctl test"};
    AuditRecord r = who.record(kind, tenant, name, action);
    r.result = kAuditOk;
    auto written = AuditLog(*store).append(r);
    REQUIRE(written.ok());
    return written->seq;
  }
  void put_webhook(const std::string& name, const std::string& spec_json) {
    ResourceRecord r;
    r.kind = "Webhook";
    r.name = name;
    r.spec_json = R"({"manifest": {"spec": )" + spec_json + "}}";
    r.spec_hash = spec_json;
    REQUIRE(store->put_resource(r).ok());
  }
  WebhookRound round(WebhookSender& sender, int64_t now_ms) {
    auto r = deliver_webhooks(*store, now_ms, sender);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    return *r;
  }
};

constexpr const char* kAll =
    R"({"url": "http://127.0.0.1:9/hook", "secretFile": "/k", "batch": 2})";

}  // namespace

TEST_CASE("webhook events: each audit record's class") {
  AuditRecord r;
  r.kind = "Alarm";
  r.action = "fired";
  CHECK(webhook_event_class(r) == "alarm");
  r.kind = "User";
  for (const char* a : {"login", "login-failed", "login-locked", "login-refused", "logout"}) {
    r.action = a;
    CHECK(webhook_event_class(r) == "login");
  }
  r.action = "denied";
  CHECK(webhook_event_class(r) == "denied");
  r.action = "create";
  CHECK(webhook_event_class(r) == "change");
  r.kind = "VirtualMachine";
  r.action = "delete";
  CHECK(webhook_event_class(r) == "change");
  WebhookSpec only_logins;
  only_logins.events = {"login"};
  CHECK_FALSE(webhook_wants(only_logins, r));
  CHECK(webhook_wants(WebhookSpec{}, r));
}

TEST_CASE("webhook events: the retry back-off doubles from 1 s to at most 5 minutes") {
  CHECK(webhook_retry_delay_ms(0) == 0);
  CHECK(webhook_retry_delay_ms(1) == 1000);
  CHECK(webhook_retry_delay_ms(2) == 2000);
  CHECK(webhook_retry_delay_ms(5) == 16'000);
  CHECK(webhook_retry_delay_ms(9) == 256'000);
  CHECK(webhook_retry_delay_ms(10) == 300'000);
  CHECK(webhook_retry_delay_ms(1000) == 300'000);
}

TEST_CASE("webhook delivery: starts after its own creation, sends in order, in batches") {
  Fixture f;
  f.append("Host", "", "x86-01", "create");  // before the webhook: not sent
  const int64_t created = f.append("Webhook", "", "supervision", "create");
  f.put_webhook("supervision", kAll);
  const int64_t a = f.append("VirtualMachine", "education", "web-1", "create");
  const int64_t b = f.append("User", "", "li-wei", "login");
  const int64_t c = f.append("Alarm", "", "3", "fired");
  FakeSender sender;
  WebhookRound r = f.round(sender, 1000);
  CHECK(r.events_sent == 3);
  CHECK(r.failures == 0);
  CHECK(sender.batches == std::vector<std::vector<int64_t>>{{a, b}, {c}});
  CHECK(sender.classes == std::vector<std::string>{"change", "login", "alarm"});
  CHECK(a == created + 1);
  auto cursor = load_webhook_cursor(*f.store, "supervision");
  REQUIRE(cursor.ok());
  REQUIRE(cursor->has_value());
  CHECK((*cursor)->delivered_seq == c);
  CHECK((*cursor)->events_sent == 3);

  // Nothing new: nothing sent; a new record: only it.
  CHECK(f.round(sender, 2000).events_sent == 0);
  const int64_t d = f.append("VirtualMachine", "education", "web-1", "delete");
  CHECK(f.round(sender, 3000).events_sent == 1);
  CHECK(sender.delivered() == std::vector<int64_t>{a, b, c, d});
}

TEST_CASE(
    "webhook delivery: a failed batch is retried after its back-off, nothing after it first") {
  Fixture f;
  f.append("Webhook", "", "supervision", "create");
  f.put_webhook("supervision", kAll);
  const int64_t a = f.append("VirtualMachine", "education", "web-1", "create");
  const int64_t b = f.append("VirtualMachine", "education", "web-2", "create");
  const int64_t c = f.append("VirtualMachine", "education", "web-3", "create");
  FakeSender sender;
  sender.failures_left = 2;
  WebhookRound first = f.round(sender, 10'000);
  CHECK(first.failures == 1);
  CHECK(first.events_sent == 0);
  REQUIRE(first.lines.size() == 1);
  CHECK(first.lines[0] == "webhook supervision: records " + std::to_string(a) + "-" +
                              std::to_string(b) +
                              " not delivered (try 1): POST http://127.0.0.1:9/hook: HTTP status "
                              "503");
  auto cursor = load_webhook_cursor(*f.store, "supervision");
  CHECK((*cursor)->attempts == 1);
  CHECK((*cursor)->next_try_ms == 11'000);
  CHECK((*cursor)->last_error == "POST http://127.0.0.1:9/hook: HTTP status 503");

  // Within the back-off: not even tried.
  CHECK(f.round(sender, 10'500).failures == 0);
  CHECK(sender.calls == 1);
  // After it: tried, fails again; the next back-off is 2 s.
  CHECK(f.round(sender, 11'000).failures == 1);
  CHECK((*load_webhook_cursor(*f.store, "supervision"))->next_try_ms == 13'000);
  WebhookRound third = f.round(sender, 13'000);
  CHECK(third.events_sent == 3);
  CHECK(third.lines.front().find("after 2 failed tries") != std::string::npos);
  CHECK(sender.delivered() == std::vector<int64_t>{a, b, c});
  cursor = load_webhook_cursor(*f.store, "supervision");
  CHECK((*cursor)->attempts == 0);
  CHECK((*cursor)->last_error.empty());
}

TEST_CASE(
    "webhook delivery: only the classes and tenant subscribed to, and the cursor passes the rest") {
  Fixture f;
  f.append("Webhook", "", "logins", "create");
  f.put_webhook(
      "logins",
      R"({"url": "http://127.0.0.1:9/", "secretFile": "/k", "events": ["login", "denied"]})");
  f.append("Webhook", "", "education", "create");
  f.put_webhook("education",
                R"({"url": "http://127.0.0.1:9/", "secretFile": "/k", "tenant": "education"})");
  const int64_t vm = f.append("VirtualMachine", "education/schools", "web-1", "create");
  f.append("VirtualMachine", "health", "db-1", "create");
  const int64_t login = f.append("User", "", "li-wei", "login-failed");
  const int64_t denied = f.append("User", "", "zhang", "denied");
  f.append("Host", "", "x86-01", "update");
  FakeSender sender;
  f.round(sender, 1000);
  // "education" sorts first.
  CHECK(sender.batches == std::vector<std::vector<int64_t>>{{vm}, {login, denied}});
  auto logins = load_webhook_cursor(*f.store, "logins");
  CHECK((*logins)->delivered_seq == denied + 1);  // past the host update it does not want
}

TEST_CASE("webhook delivery: the cursor survives a new store connection (a restart of serve)") {
  Fixture f;
  f.append("Webhook", "", "supervision", "create");
  f.put_webhook("supervision", kAll);
  const int64_t a = f.append("VirtualMachine", "education", "web-1", "create");
  FakeSender sender;
  f.round(sender, 1000);
  f.store.reset();
  auto reopened = open_store(f.dir.path("state.db"), OpenMode::kExisting);
  REQUIRE(reopened.ok());
  f.store = std::move(*reopened);
  const int64_t b = f.append("VirtualMachine", "education", "web-2", "create");
  f.round(sender, 2000);
  CHECK(sender.delivered() == std::vector<int64_t>{a, b});
}
