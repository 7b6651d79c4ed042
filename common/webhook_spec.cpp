#include "common/webhook_spec.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/json_fields.h"

namespace xc {

WebhookSpec webhook_from_json(const nlohmann::json& s) {
  WebhookSpec w;
  w.url = string_field(s, "url");
  w.secret_file = string_field(s, "secretFile");
  w.tenant = string_field(s, "tenant");
  if (s.contains("events") && s["events"].is_array())
    for (const auto& e : s["events"])
      if (e.is_string()) w.events.push_back(e.get<std::string>());
  if (s.contains("batch") && s["batch"].is_number_integer())
    w.batch = std::clamp<int64_t>(s["batch"].get<int64_t>(), 1, kWebhookMaxBatch);
  return w;
}

}  // namespace xc
