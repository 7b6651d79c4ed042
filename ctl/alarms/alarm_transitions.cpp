#include "ctl/alarms/alarm_transitions.h"

#include <map>
#include <utility>

namespace xc {

AlarmTransitions plan_alarm_transitions(const std::vector<AlarmRecord>& active,
                                        const std::vector<AlarmCandidate>& candidates,
                                        int64_t now) {
  using Key = std::pair<std::string, std::string>;
  std::map<Key, const AlarmCandidate*> found;
  for (const AlarmCandidate& c : candidates) found.emplace(Key{c.rule, c.object}, &c);
  AlarmTransitions out;
  std::map<Key, bool> seen;
  for (const AlarmRecord& a : active) {
    if (a.state == "cleared") continue;
    Key key{a.rule, a.object};
    seen[key] = true;
    auto it = found.find(key);
    if (it == found.end()) {
      AlarmRecord c = a;
      c.state = "cleared";
      c.cleared_ms = c.updated_ms = now;
      c.cleared_by = "";
      out.cleared.push_back(std::move(c));
      continue;
    }
    ++out.active;
    if (it->second->value != a.value) {
      AlarmRecord u = a;
      u.value = it->second->value;
      u.updated_ms = now;
      out.updated.push_back(std::move(u));
    }
  }
  for (const auto& [key, c] : found) {
    if (seen.count(key)) continue;
    AlarmRecord a;
    a.rule = c->rule;
    a.object = c->object;
    a.host = c->host;
    a.pool = c->pool;
    a.tenant = c->tenant;
    a.severity = c->severity;
    a.state = "firing";
    a.summary = c->summary;
    a.value = c->value;
    a.labels_json = c->labels_json;
    a.started_ms = c->since_ms > 0 && c->since_ms <= now ? c->since_ms : now;
    a.updated_ms = now;
    out.fired.push_back(std::move(a));
    ++out.active;
  }
  return out;
}

}  // namespace xc
