// The Webhook kind of the manifest model: a receiver subscribed to classes
// of audit records (changes, alarms, logins, refusals), optionally of one
// tenant subtree, signed with an HMAC-SM3 key read from a file on the
// controller. Value types and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace xc {

// The event classes, as written in spec.events and sent in each event.
inline constexpr const char* kWebhookEventClasses[] = {"change", "alarm", "login", "denied"};

inline constexpr int64_t kWebhookDefaultBatch = 20;
inline constexpr int64_t kWebhookMaxBatch = 100;

struct WebhookSpec {
  std::string url;
  std::string secret_file;
  std::vector<std::string> events;  // empty: every class
  std::string tenant;               // empty: every tenant and none
  int64_t batch = kWebhookDefaultBatch;
};

WebhookSpec webhook_from_json(const nlohmann::json& spec);

}  // namespace xc
