#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "common/manifest_validator.h"
#include "common/price_caps.h"
#include "ctl/reconcile/desired_state.h"

using namespace xc;
using nlohmann::json;

namespace {

// The base cloud (group "web" with member web-1 at 10.20.1.10) plus `text`.
DesiredState desired_with(const std::string& text) {
  std::ifstream in(std::string(XC_SOURCE_DIR) + "/tests/data/base/cloud.yaml");
  std::stringstream base;
  base << in.rdbuf();
  YamlParse a = parse_yaml(base.str(), "base.yaml");
  YamlParse b = parse_yaml(text, "case.yaml");
  for (auto& d : b.documents) a.documents.push_back(std::move(d));
  ManifestSet set = validate_documents(std::move(a.documents), {}, builtin_price_caps());
  for (const auto& e : set.errors) FAIL_CHECK(format_diagnostic(e));
  REQUIRE(set.ok());
  auto built = build_desired_state(set);
  REQUIRE(built.ok());
  // The objects the desired state points into must outlive it.
  static std::vector<ManifestSet> keep;
  keep.push_back(std::move(set));
  return std::move(*built);
}

const json& params_of(const DesiredState& desired, const std::string& name) {
  for (const auto& g : desired.security_groups)
    if (g.object->meta.name == name) return g.params;
  FAIL("no security group " << name);
  static json none;
  return none;
}

constexpr char kDbGroup[] = R"(apiVersion: xcloud/v1
kind: VirtualMachine
metadata: {name: web-2, tenant: education}
spec:
  cpus: 2
  memoryGiB: 4
  image: uos-20
  disks: [{name: root, sizeGiB: 40, tier: high}]
  nics: [{network: app, ipv4: 10.20.1.11, ipv6: "fd00:20:1::11", securityGroups: [web]}]
---
apiVersion: xcloud/v1
kind: SecurityGroup
metadata: {name: db, tenant: education}
spec:
  ingress:
    - {protocol: tcp, ports: 5432, group: web}
  egress:
    - {protocol: udp, ports: 53, to: 10.20.1.1/32}
    - {protocol: tcp, ports: "443-444", group: web}
    - {protocol: any, to: "fd00:20:1::/64"}
)";

}  // namespace

TEST_CASE(
    "desired state: egress rules reach securitygroup.ensure with peer groups expanded to their "
    "members' IPv4 and IPv6 addresses") {
  DesiredState desired = desired_with(kDbGroup);
  CHECK(params_of(desired, "db") == json::parse(R"({"tenant": "education", "name": "db",
      "ingress": [{"protocol": "tcp", "port_from": 5432, "port_to": 5432, "from": "10.20.1.10"},
                  {"protocol": "tcp", "port_from": 5432, "port_to": 5432, "from": "10.20.1.11"},
                  {"protocol": "tcp", "port_from": 5432, "port_to": 5432,
                   "from": "fd00:20:1::11"}],
      "egress": [{"protocol": "udp", "port_from": 53, "port_to": 53, "to": "10.20.1.1/32"},
                 {"protocol": "tcp", "port_from": 443, "port_to": 444, "to": "10.20.1.10"},
                 {"protocol": "tcp", "port_from": 443, "port_to": 444, "to": "10.20.1.11"},
                 {"protocol": "tcp", "port_from": 443, "port_to": 444, "to": "fd00:20:1::11"},
                 {"protocol": "any", "to": "fd00:20:1::/64"}]})"));
  // A group without egress rules sends none: outbound stays open.
  CHECK_FALSE(params_of(desired, "web").contains("egress"));
}

TEST_CASE("desired state: egress only to a peer group without members still restricts outbound") {
  DesiredState desired = desired_with(R"(apiVersion: xcloud/v1
kind: SecurityGroup
metadata: {name: isolated, tenant: education}
spec:
  egress:
    - {protocol: tcp, ports: 443, group: isolated}
)");
  // An empty list, not an absent one: the agent drops all new outbound.
  CHECK(params_of(desired, "isolated") == json::parse(R"({"tenant": "education",
      "name": "isolated", "ingress": [], "egress": []})"));
}

TEST_CASE(
    "validation: an egress rule names its destination with 'to', an ingress rule with 'from'") {
  std::ifstream in(std::string(XC_SOURCE_DIR) + "/tests/data/base/cloud.yaml");
  std::stringstream base;
  base << in.rdbuf();
  YamlParse a = parse_yaml(base.str(), "base.yaml");
  YamlParse b = parse_yaml(R"(apiVersion: xcloud/v1
kind: SecurityGroup
metadata: {name: db, tenant: education}
spec:
  egress:
    - {protocol: udp, ports: 53, from: 10.0.0.0/8}
)",
                           "case.yaml");
  for (auto& d : b.documents) a.documents.push_back(std::move(d));
  ManifestSet set = validate_documents(std::move(a.documents), {}, builtin_price_caps());
  REQUIRE_FALSE(set.ok());
  std::string all;
  for (const auto& e : set.errors) all += format_diagnostic(e) + "\n";
  CHECK(all.find("case.yaml:6:") != std::string::npos);
  CHECK(all.find("'from'") != std::string::npos);
}
