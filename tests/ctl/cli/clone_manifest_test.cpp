#include "ctl/cli/clone_manifest.h"

#include <doctest/doctest.h>

namespace xc {
namespace {

using nlohmann::json;

json source_manifest() {
  return json::parse(R"({
    "apiVersion": "xcloud/v1", "kind": "VirtualMachine",
    "metadata": {"name": "web-1", "tenant": "education", "labels": {"system": "portal"}},
    "spec": {"cpus": 2, "memoryGiB": 4, "image": "uos-20", "power": "running",
             "disks": [{"name": "root", "sizeGiB": 40, "tier": "high"}],
             "nics": [{"network": "app", "ipv4": "10.20.1.15", "mac": "52:54:00:01:02:03",
                       "securityGroups": ["web"]},
                      {"network": "v6", "ipv6": "auto"}],
             "placement": {"pool": "p1", "group": "web"},
             "guest": {"hostname": "web-1.example", "passwordHash": "<redacted:ab>",
                       "sshAuthorizedKeys": ["ssh-ed25519 AAAA ops"]}}})");
}

TEST_CASE("a clone's manifest keeps size, image, disks, tenant and labels, and drops identity") {
  json m = clone_manifest(source_manifest(), "web-9", false);
  CHECK(m["metadata"] == json::parse(R"({"name": "web-9", "tenant": "education",
                                         "labels": {"system": "portal"}})"));
  CHECK(m["spec"]["cpus"] == 2);
  CHECK(m["spec"]["disks"] == source_manifest()["spec"]["disks"]);
  CHECK(m["spec"]["power"] == "stopped");
  CHECK(m["spec"]["nics"] == json::parse(R"([{"network": "app", "securityGroups": ["web"]},
                                             {"network": "v6", "ipv6": "auto"}])"));
  CHECK(m["spec"]["placement"] == json::parse(R"({"pool": "p1"})"));
  CHECK(m["spec"]["guest"] == json::parse(R"({"sshAuthorizedKeys": ["ssh-ed25519 AAAA ops"]})"));
  CHECK(clone_manifest(source_manifest(), "web-9", true)["spec"]["power"] == "running");
}

TEST_CASE("a clone's manifest loses an empty guest and placement") {
  json src = source_manifest();
  src["spec"]["guest"] = {{"hostname", "x"}};
  src["spec"]["placement"] = {{"group", "web"}};
  json m = clone_manifest(src, "web-9", false);
  CHECK_FALSE(m["spec"].contains("guest"));
  CHECK_FALSE(m["spec"].contains("placement"));
}

TEST_CASE("a VM with accelerators is not cloned") {
  json src = source_manifest();
  CHECK(clone_refusal(src).empty());
  src["spec"]["accelerators"] = json::array({{{"type", "gpu-16g"}}});
  CHECK(clone_refusal(src) ==
        "it has accelerators, and a device belongs to one VM; clone it without them");
}

ResourceRecord record(const std::string& kind, const std::string& name, const json& spec) {
  ResourceRecord r;
  r.kind = kind;
  r.tenant = "education";
  r.name = name;
  r.spec_json = spec.dump();
  return r;
}

TEST_CASE("linked clones are those whose link names the source and whose VM still exists") {
  std::vector<ResourceRecord> links = {
      record(kCloneLinkKind, "c2", cloned_from("education", "tpl", true, {"/d/a.qcow2"})),
      record(kCloneLinkKind, "c1", cloned_from("education", "tpl", true, {"/d/a.qcow2"})),
      record(kCloneLinkKind, "gone", cloned_from("education", "tpl", true, {"/d/a.qcow2"})),
      record(kCloneLinkKind, "full", cloned_from("education", "tpl", false, {})),
      record(kCloneLinkKind, "other", cloned_from("education", "web", true, {"/d/b.qcow2"}))};
  std::vector<ResourceRecord> vms = {record("VirtualMachine", "c1", json::object()),
                                     record("VirtualMachine", "c2", json::object()),
                                     record("VirtualMachine", "full", json::object()),
                                     record("VirtualMachine", "other", json::object())};
  CHECK(linked_clones_of(links, vms, "education", "tpl") ==
        std::vector<std::string>{"education/c1", "education/c2"});
  CHECK(linked_clones_of(links, vms, "health", "tpl").empty());
  CHECK(cloned_from("education", "tpl", false, {}) ==
        json::parse(R"({"vm": "education/tpl", "linked": false})"));
}

}  // namespace
}  // namespace xc
