#include "ctl/cli/serve_loops.h"

#include <algorithm>

#include "ctl/alarms/alarm_loop.h"
#include "ctl/backup/backup_round.h"
#include "ctl/controller/event_pull.h"
#include "ctl/controller/heartbeat.h"
#include "ctl/controller/watched_hosts.h"
#include "ctl/ha/ha_loop.h"
#include "ctl/metrics/collect.h"
#include "ctl/webhooks/webhook_loop.h"

namespace xc {

using std::chrono::seconds;

std::vector<Loop> serve_loops(const ServeSettings& s) {
  std::vector<Loop> loops;

  // A frozen host must not hold the round past its interval.
  Loop heartbeat;
  heartbeat.name = "heartbeat";
  heartbeat.interval = s.heartbeat;
  heartbeat.call_timeout = std::clamp(s.heartbeat, seconds(2), seconds(10));
  heartbeat.round = [](LoopWorld& w) { return heartbeat_round(w).status(); };
  loops.push_back(heartbeat);

  // One long-poll per host at a time, for a minute per round (hosts applied
  // meanwhile join at the next round); a host that fails is retried at the
  // heartbeat's pace.
  Loop events;
  events.name = "events";
  events.interval = seconds(5);  // rounds last a minute; with no hosts, a look every 5 s
  events.call_timeout = s.events_wait + seconds(15);
  EventPullOptions pull;
  pull.wait = s.events_wait;
  pull.duration = seconds(60);
  pull.retry = s.heartbeat;
  events.round = [pull](LoopWorld& w) { return events_round(w, pull).status(); };
  loops.push_back(events);

  // Metrics (`xcloudctl collect`): every host's bulk sample once a minute;
  // a host that fails is logged and the others are stored.
  Loop collect;
  collect.name = "collect";
  collect.interval = s.collect;
  collect.call_timeout = seconds(30);
  collect.round = [](LoopWorld& w) -> Status {
    auto hosts = watched_hosts(w.store, w.hosts);
    if (!hosts.ok()) return hosts.status();
    std::vector<std::string> names;
    for (const auto& h : *hosts)
      if (!h.maintenance) names.push_back(h.record.name);
    auto round = collect_metrics(w.store, w.hosts, names, w.clock);
    if (!round.ok()) return round.status();
    for (const auto& h : round->hosts)
      if (!h.status.ok()) w.log.event("metrics of host " + h.host + ": " + h.status.message());
    return Status{};
  };
  loops.push_back(collect);
  loops.push_back(alarms_loop(s.alarms, s.state_path));
  // Webhooks: the audit records each subscription asks for, in order; a
  // receiver that fails is retried with back-off and holds back what follows.
  loops.push_back(webhooks_loop(s.webhooks));
  // HA: restarts the `ha: restart` VMs of a host unreachable for ha_after,
  // once it is fenced; looks at the heartbeat's pace.
  if (s.ha_after.count() > 0)
    loops.push_back(ha_loop(s.heartbeat, s.ha_after, s.fence_timeout, s.image_store));
  // Backups (`xcloudctl backup schedule`): what the BackupPolicies owe, one
  // VM after another; a failure is retried at a later round.
  if (!s.backup_key.empty()) {
    Loop backups;
    backups.name = "backups";
    backups.interval = s.backups;
    backups.call_timeout = seconds(120);  // backup.begin of a stopped VM copies its disks
    BackupRoundOptions options;
    options.key_path = s.backup_key;
    options.who = current_identity({"xcloudctl", "serve"}, "", "");
    backups.round = [options](LoopWorld& w) -> Status {
      BackupRoundOptions round_options = options;
      round_options.stopped = [&w] { return w.stop.stopped(); };
      auto round = backup_round(w.store, w.hosts, w.clock(), round_options,
                                [&w](const std::string& line) { w.log.event(line); });
      return round.status();
    };
    loops.push_back(backups);
  }
  return loops;
}

}  // namespace xc
