// The HA loop of `xcloudctl serve` (--ha-after): an HA round (ha_round.h) at
// the heartbeat's pace, remembering between rounds what it reported and when
// it last tried each fence. The Loop is copied onto its own thread.
#pragma once

#include <chrono>
#include <string>

#include "ctl/controller/loop.h"

namespace xc {

Loop ha_loop(std::chrono::seconds interval, std::chrono::seconds after,
             std::chrono::seconds fence_timeout, const std::string& image_store);

}  // namespace xc
