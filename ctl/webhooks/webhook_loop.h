// The "webhooks" loop of `xcloudctl serve`: every interval, the audit
// records new since each Webhook's cursor are delivered (webhook_delivery.h);
// each batch sent or failed is one line in the serve log. Runs on its
// loop's thread.
#pragma once

#include <chrono>

#include "ctl/controller/loop.h"

namespace xc {

Loop webhooks_loop(std::chrono::seconds interval);

}  // namespace xc
