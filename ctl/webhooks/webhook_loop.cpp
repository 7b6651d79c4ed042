#include "ctl/webhooks/webhook_loop.h"

#include "ctl/webhooks/webhook_delivery.h"

namespace xc {

Loop webhooks_loop(std::chrono::seconds interval) {
  Loop loop;
  loop.name = "webhooks";
  loop.interval = interval;
  loop.round = [](LoopWorld& w) -> Status {
    HttpWebhookSender sender;
    WebhookRoundOptions options;
    options.stopped = [&w] { return w.stop.stopped(); };
    auto round = deliver_webhooks(w.store, w.clock(), sender, options);
    if (!round.ok()) return round.status();
    for (const std::string& line : round->lines) w.log.event(line);
    return Status{};
  };
  return loop;
}

}  // namespace xc
