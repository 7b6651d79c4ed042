// The "alarms" loop of `xcloudctl serve`: every interval, the rules are
// evaluated (alarm_evaluate.h), then notifications sent (alarm_delivery.h);
// each alarm fired or cleared and each notice is one line in the serve log.
// Runs on its loop's thread.
#pragma once

#include <chrono>

#include "ctl/controller/loop.h"

namespace xc {

Loop alarms_loop(std::chrono::seconds interval);

}  // namespace xc
