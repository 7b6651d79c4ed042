// The "alarms" loop of `xcloudctl serve`: every interval, the rules are
// evaluated (alarm_evaluate.h), then notifications sent (alarm_delivery.h);
// each alarm fired or cleared and each notice is one line in the serve log.
// Runs on its loop's thread.
#pragma once

#include <chrono>
#include <string>

#include "ctl/controller/loop.h"

namespace xc {

// `state_path` locates the PKI whose certificates the credential rules watch.
Loop alarms_loop(std::chrono::seconds interval, std::string state_path);

}  // namespace xc
