// Delivery of audit records to the applied Webhook objects, in the chain's
// order: per webhook, a cursor (the last seq its receiver acknowledged) kept
// in the store's meta table as "webhook.NAME", so a restart of serve goes on
// where it stopped. Each round sends the records after the cursor in
// batches; a batch that fails is sent again, with the same records and
// nothing after them, once its back-off has passed (1 s doubling to 5 min).
// Delivery is at least once: a receiver deduplicates by seq. Not
// thread-safe (one store).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/webhook_spec.h"
#include "ctl/store/store.h"

namespace xc {

struct WebhookCursor {
  int64_t delivered_seq = 0;  // every wanted record up to this seq was acknowledged
  int64_t attempts = 0;       // failures in a row of the batch after it
  int64_t next_try_ms = 0;    // no retry before this
  int64_t last_ok_ms = 0;
  int64_t events_sent = 0;
  std::string last_error;
};

inline constexpr const char* kWebhookMetaPrefix = "webhook.";

// nullopt before the webhook's first round.
Result<std::optional<WebhookCursor>> load_webhook_cursor(Store& store, const std::string& name);

struct StoredWebhook {
  std::string name;
  WebhookSpec spec;
};

// The applied Webhook objects, by name.
Result<std::vector<StoredWebhook>> stored_webhooks(Store& store);

// Sends one signed batch; a status other than 2xx is an error.
class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  virtual Status send(const StoredWebhook& webhook, const std::string& body, int64_t first_seq,
                      int64_t last_seq) = 0;
};

// POSTs over libcurl with X-Xcloud-Signature (HMAC-SM3 of the body with the
// key in spec.secretFile), X-Xcloud-Webhook and X-Xcloud-Events: FIRST-LAST.
class HttpWebhookSender final : public WebhookSender {
 public:
  explicit HttpWebhookSender(long timeout_seconds = 10) : timeout_seconds_(timeout_seconds) {}
  Status send(const StoredWebhook& webhook, const std::string& body, int64_t first_seq,
              int64_t last_seq) override;

 private:
  long timeout_seconds_;
};

struct WebhookRound {
  int64_t events_sent = 0;
  int64_t failures = 0;
  std::vector<std::string> lines;  // one per batch sent or failed, for logs
};

struct WebhookRoundOptions {
  int64_t max_batches = 50;                 // per webhook and round, so none starves the others
  std::function<bool()> stopped = nullptr;  // serve is stopping: end after the batch in flight
};

// A new webhook starts after the audit record of its creation (or, without
// one, after the newest record), so its receiver gets what happened since.
Result<WebhookRound> deliver_webhooks(Store& store, int64_t now_ms, WebhookSender& sender,
                                      const WebhookRoundOptions& options = {});

}  // namespace xc
