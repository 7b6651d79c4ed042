// The loops `xcloudctl serve` runs, in one list: the registration point.
// To add a loop, write its round as a function of LoopWorld in its concern's
// folder (ctl/controller/heartbeat.h is the model), give it a one-shot
// command for cron users, and add one entry in serve_loops(). Pure.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "ctl/controller/loop.h"

namespace xc {

struct ServeSettings {
  std::chrono::seconds heartbeat{10};      // --heartbeat
  std::chrono::seconds events_wait{5};     // --events-wait: each long-poll's wait
  std::chrono::seconds collect{60};        // --collect: the metrics round's interval
  std::chrono::seconds alarms{15};         // --alarms: the alarm rules' evaluation interval
  std::chrono::seconds webhooks{2};        // --webhooks: how often Webhooks are sent new records
  std::chrono::seconds ha_after{60};       // --ha-after: 0 turns HA off
  std::chrono::seconds fence_timeout{30};  // --fence-timeout
  std::chrono::seconds backups{60};        // --backups: how often the backup schedule is read
  std::string backup_key;                  // keys/backup.key beside the state; "" turns it off
  std::string image_store;                 // images/ beside the state: sent to HA targets
  std::string state_path;                  // its PKI, for the credential alarms
};

std::vector<Loop> serve_loops(const ServeSettings& settings);

}  // namespace xc
