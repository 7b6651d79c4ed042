// Stored VM records as the planner writes them ({"manifest", "domain"}), for
// tests of metering and of the recorder. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace xc::test {

using nlohmann::json;

// A stored VM record as the planner writes it: {"manifest", "domain"}.
inline json vm_record(int64_t cpus, int64_t memory_mib, const json& disks, const json& accelerators,
                      const std::string& power = "running",
                      const std::string& system = "edu-portal") {
  json labels = json::object();
  if (!system.empty()) labels["system"] = system;
  return {{"manifest",
           {{"apiVersion", "xcloud/v1"},
            {"kind", "VirtualMachine"},
            {"metadata", {{"name", "web-1"}, {"tenant", "education"}, {"labels", labels}}},
            {"spec", {{"cpus", cpus}}}}},
          {"domain",
           {{"tenant", "education"},
            {"name", "web-1"},
            {"cpus", cpus},
            {"memory_mib", memory_mib},
            {"disks", disks},
            {"nics", json::array()},
            {"accelerators", accelerators},
            {"power", power}}}};
}

inline json disk(const std::string& name, int64_t gib, const std::string& tier) {
  return {{"name", name}, {"size_gib", gib}, {"tier", tier},
          {"iops", 3000}, {"image", ""},     {"bus", "virtio"}};
}

}  // namespace xc::test
