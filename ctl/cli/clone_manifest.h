// `xcloudctl vm clone`: the VirtualMachine manifest of a clone, derived from
// its source's stored manifest, and the links of linked clones to their
// source, kept as "CloneLink" records (apart from the VM's record, which
// every apply rewrites). Pure; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ctl/reconcile/planner.h"  // kCloneSet
#include "ctl/store/records.h"

namespace xc {

// The source's manifest with the clone's identity: metadata.name = `name`;
// no declared MAC or address (a new MAC from the name, addresses from IPAM;
// `ipv6: auto` stays), no guest hostname (it defaults to the name) nor
// password hash (the copied disk keeps the one the source's guest set), no
// placement group (the clone shares the source's host); power running when
// `start`, else stopped. Size, image, disks, tenant and labels are kept.
nlohmann::json clone_manifest(nlohmann::json source, const std::string& name, bool start);

// Why the source's manifest cannot be cloned, or "": accelerators (a
// device is one VM's).
std::string clone_refusal(const nlohmann::json& source_manifest);

// The record kind that links a linked clone (tenant/name) to its source.
inline constexpr const char* kCloneLinkKind = "CloneLink";

// A CloneLink record's spec: {"vm": "tenant/source", "linked", "backingFiles"}.
nlohmann::json cloned_from(const std::string& tenant, const std::string& source, bool linked,
                           const std::vector<std::string>& backing_files);

// The VMs that are linked clones of tenant/name (their disks are overlays on
// its disk files): CloneLink records naming it whose VM still has a record
// in `vms`, as "tenant/name", sorted.
std::vector<std::string> linked_clones_of(const std::vector<ResourceRecord>& links,
                                          const std::vector<ResourceRecord>& vms,
                                          const std::string& tenant, const std::string& name);

}  // namespace xc
