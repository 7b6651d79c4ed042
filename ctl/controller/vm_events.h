// Lifecycle events as the agent sends them (events.wait) turned into stored
// EventRecords: the domain named as the VM it is, and the state an event
// leaves the domain in. Pure; thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ctl/store/store.h"

namespace xc {

// libvirt domain name -> (tenant, VM name) of the stored VMs.
using DomainIndex = std::map<std::string, std::pair<std::string, std::string>>;
Result<DomainIndex> domain_index(Store& store);

// The events of an events.wait result, from `host`, received at `received_ms`.
// Entries that are not objects are skipped.
std::vector<EventRecord> vm_events_from(const nlohmann::json& result, const std::string& host,
                                        const DomainIndex& index, int64_t received_ms);

// The domain state (as domains.list names it) an event leaves behind, or
// nullopt when it says nothing about the state ("defined", "shutting-down").
std::optional<std::string> state_after(const EventRecord& event);

// "host x86-01 vm education/web-1: crashed (failed)", for the serve log.
std::string event_line(const EventRecord& event);

}  // namespace xc
