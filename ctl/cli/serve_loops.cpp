#include "ctl/cli/serve_loops.h"

#include <algorithm>

#include "ctl/controller/event_pull.h"
#include "ctl/controller/heartbeat.h"

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

  // Registered here at merge: the metrics collection loop (`xcloudctl collect`).
  return loops;
}

}  // namespace xc
