// The agent's metrics.sample in Prometheus' text exposition format (0.0.4),
// served at GET /metrics so an existing Prometheus can scrape the agent.
// Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "agent/metrics_sample.h"

namespace xc {

// Every family has HELP and TYPE lines; counters end in _total and are in
// base units (seconds, bytes). Per-domain series carry domain, tenant and vm
// labels (tenant and vm empty for a domain xcloud does not own).
std::string prometheus_text(const MetricsSample& sample);

// A label value as the format wants it: backslash, double quote and line
// feed escaped (\\, \", \n); invalid UTF-8 replaced.
std::string prometheus_label_value(std::string_view value);

}  // namespace xc
