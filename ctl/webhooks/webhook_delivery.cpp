#include "ctl/webhooks/webhook_delivery.h"

#include <nlohmann/json.hpp>

#include "ctl/report/http_post.h"
#include "ctl/webhooks/webhook_events.h"

namespace xc {

namespace {

using nlohmann::json;

// Records looked at per batch, wanted or not: a webhook that wants few
// classes still moves past a long run of others in bounded steps.
constexpr int64_t kMaxScannedPerBatch = 10'000;

std::string meta_key(const std::string& name) {
  return kWebhookMetaPrefix + name;
}

Status save_cursor(Store& store, const std::string& name, const WebhookCursor& c) {
  json j = {{"deliveredSeq", c.delivered_seq}, {"attempts", c.attempts},
            {"nextTryMs", c.next_try_ms},      {"lastOkMs", c.last_ok_ms},
            {"eventsSent", c.events_sent},     {"lastError", c.last_error}};
  return store.put_meta(meta_key(name), j.dump(-1, ' ', false, json::error_handler_t::replace));
}

// After the record of the webhook's creation; without one, after the newest.
Result<int64_t> first_cursor(Store& store, const std::string& name) {
  AuditFilter filter;
  filter.kind = "Webhook";
  filter.object = name;
  int64_t created = -1;
  Status scanned = store.scan_audit_records(filter, [&](const AuditRecord& r) {
    if (r.action == "create" && r.result == kAuditOk) created = r.seq;
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (created >= 0) return created;
  auto last = store.last_audit_record();
  if (!last.ok()) return last.status();
  return *last ? (*last)->seq : int64_t{0};
}

struct Batch {
  std::vector<AuditRecord> wanted;
  int64_t last_scanned = 0;  // the cursor moves here once the wanted ones are acknowledged
};

Result<Batch> next_batch(Store& store, const StoredWebhook& w, int64_t after) {
  Batch batch;
  batch.last_scanned = after;
  AuditFilter filter;
  filter.after_seq = after;
  filter.tenant = w.spec.tenant;
  int64_t scanned = 0;
  Status s = store.scan_audit_records(filter, [&](const AuditRecord& r) {
    batch.last_scanned = r.seq;
    if (webhook_wants(w.spec, r)) batch.wanted.push_back(r);
    return static_cast<int64_t>(batch.wanted.size()) < w.spec.batch &&
           ++scanned < kMaxScannedPerBatch;
  });
  if (!s.ok()) return s;
  return batch;
}

}  // namespace

Result<std::optional<WebhookCursor>> load_webhook_cursor(Store& store, const std::string& name) {
  auto text = store.get_meta(meta_key(name));
  if (!text.ok()) return text.status();
  if (!*text) return std::optional<WebhookCursor>{};
  json j = json::parse(**text, nullptr, false);
  if (!j.is_object())
    return error(Code::kInternal, "webhook " + name + ": its stored cursor is not JSON");
  WebhookCursor c;
  c.delivered_seq = j.value("deliveredSeq", int64_t{0});
  c.attempts = j.value("attempts", int64_t{0});
  c.next_try_ms = j.value("nextTryMs", int64_t{0});
  c.last_ok_ms = j.value("lastOkMs", int64_t{0});
  c.events_sent = j.value("eventsSent", int64_t{0});
  c.last_error = j.value("lastError", std::string());
  return std::optional<WebhookCursor>{c};
}

Result<std::vector<StoredWebhook>> stored_webhooks(Store& store) {
  auto records = store.list_resources(std::string("Webhook"));
  if (!records.ok()) return records.status();
  std::vector<StoredWebhook> out;
  for (const ResourceRecord& r : *records) {
    json record = json::parse(r.spec_json, nullptr, false);
    if (!record.is_object() || !record.contains("manifest") || !record["manifest"].is_object())
      continue;
    out.push_back({r.name, webhook_from_json(record["manifest"].value("spec", json::object()))});
  }
  return out;
}

Status HttpWebhookSender::send(const StoredWebhook& w, const std::string& body, int64_t first_seq,
                               int64_t last_seq) {
  auto signature = signature_header(w.spec.secret_file, body);
  if (!signature.ok()) return signature.status();
  return post_json(
      w.spec.url, body,
      {*signature, "X-Xcloud-Webhook: " + w.name,
       "X-Xcloud-Events: " + std::to_string(first_seq) + "-" + std::to_string(last_seq)},
      timeout_seconds_);
}

Result<WebhookRound> deliver_webhooks(Store& store, int64_t now_ms, WebhookSender& sender,
                                      const WebhookRoundOptions& options) {
  auto webhooks = stored_webhooks(store);
  if (!webhooks.ok()) return webhooks.status();
  WebhookRound round;
  for (const StoredWebhook& w : *webhooks) {
    auto loaded = load_webhook_cursor(store, w.name);
    if (!loaded.ok()) return loaded.status();
    WebhookCursor cursor;
    if (*loaded) {
      cursor = **loaded;
    } else {
      auto first = first_cursor(store, w.name);
      if (!first.ok()) return first.status();
      cursor.delivered_seq = *first;
      if (Status s = save_cursor(store, w.name, cursor); !s.ok()) return s;
    }
    if (cursor.attempts > 0 && now_ms < cursor.next_try_ms) continue;
    for (int64_t n = 0; n < options.max_batches; ++n) {
      if (options.stopped && options.stopped()) break;
      auto batch = next_batch(store, w, cursor.delivered_seq);
      if (!batch.ok()) return batch.status();
      if (batch->last_scanned == cursor.delivered_seq) break;  // nothing new
      if (!batch->wanted.empty()) {
        const int64_t first = batch->wanted.front().seq, last = batch->wanted.back().seq;
        Status sent = sender.send(w, webhook_body(w.name, batch->wanted), first, last);
        const std::string span = std::to_string(first) + "-" + std::to_string(last);
        if (!sent.ok()) {
          ++cursor.attempts;
          cursor.next_try_ms = now_ms + webhook_retry_delay_ms(cursor.attempts);
          cursor.last_error = sent.message();
          ++round.failures;
          round.lines.push_back("webhook " + w.name + ": records " + span + " not delivered (try " +
                                std::to_string(cursor.attempts) + "): " + sent.message());
          if (Status s = save_cursor(store, w.name, cursor); !s.ok()) return s;
          break;
        }
        const int64_t count = static_cast<int64_t>(batch->wanted.size());
        round.events_sent += count;
        cursor.events_sent += count;
        cursor.last_ok_ms = now_ms;
        round.lines.push_back(
            "webhook " + w.name + ": delivered " + std::to_string(count) + " record(s) " + span +
            (cursor.attempts > 0 ? " after " + std::to_string(cursor.attempts) + " failed tries"
                                 : ""));
      }
      cursor.delivered_seq = batch->last_scanned;
      cursor.attempts = 0;
      cursor.next_try_ms = 0;
      cursor.last_error.clear();
      if (Status s = save_cursor(store, w.name, cursor); !s.ok()) return s;
    }
  }
  return round;
}

}  // namespace xc
