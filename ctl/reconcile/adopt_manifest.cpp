#include "ctl/reconcile/adopt_manifest.h"

#include <string_view>

#include "common/domain_spec.h"
#include "common/ip_address.h"
#include "common/printable.h"

namespace xc {

using nlohmann::json;

namespace {

constexpr int64_t kGiB = int64_t{1} << 30;
constexpr int64_t kMaxListed = 16;  // disks or NICs of one VM (the domain spec's limit)

std::string text(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

int64_t number(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number_integer() ? j[key].get<int64_t>() : -1;
}

// libvirt's form, lowercase: 8-4-4-4-12 hex digits.
bool is_uuid(const std::string& u) {
  if (u.size() != 36) return false;
  for (size_t i = 0; i < u.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? u[i] != '-' : std::string_view("0123456789abcdef").find(u[i]) == std::string::npos)
      return false;
  }
  return true;
}

// "disk vda" or "disk 2": a target is shown escaped, it came from libvirt.
std::string disk_label(const json& disk, size_t index) {
  std::string target = text(disk, "target");
  return "disk " + (target.empty() ? std::to_string(index) : printable(target));
}

json map_disk(const json& disk, size_t index, std::vector<std::string>& problems) {
  const std::string what = disk_label(disk, index);
  const std::string target = text(disk, "target");
  const std::string path = text(disk, "path");
  size_t before = problems.size();
  if (text(disk, "type") != "file")
    problems.push_back(what + ": source type '" + printable(text(disk, "type")) +
                       "' (xcloud's disks are files)");
  if (text(disk, "format") != "qcow2")
    problems.push_back(what + ": format '" + printable(text(disk, "format")) +
                       "' (xcloud's disks are qcow2)");
  std::string bus = text(disk, "bus");
  if (bus != "virtio" && bus != "scsi")
    problems.push_back(what + ": bus '" + printable(bus) + "' (xcloud's disks are virtio or scsi)");
  if (!is_dns_label(target, 20))
    problems.push_back(what + ": target name is not a disk name xcloud can use");
  if (!is_safe_absolute_path(path))
    problems.push_back(what + ": path '" + printable(path) +
                       "' is not an absolute path xcloud can keep");
  int64_t bytes = number(disk, "capacityBytes");
  if (bytes < 0)
    problems.push_back(what + ": size unknown (not a volume of a storage pool libvirt knows)");
  else if (bytes == 0 || bytes % kGiB != 0 || bytes / kGiB > 65536)
    problems.push_back(what + ": " + std::to_string(bytes) +
                       " bytes is not a whole number of GiB from 1 to 65536");
  if (problems.size() != before) return nullptr;
  return {{"name", target}, {"sizeGiB", bytes / kGiB}, {"tier", "normal"}, {"path", path}};
}

json map_nic(const json& nic, size_t index, const AdoptTarget& target,
             std::vector<std::string>& problems, std::vector<std::string>& warnings) {
  const std::string what = "nic " + std::to_string(index);
  const std::string mac = text(nic, "mac");
  const std::string source = text(nic, "source");
  size_t before = problems.size();
  if (!is_unicast_mac(mac))
    problems.push_back(what + ": MAC '" + printable(mac) + "' is not a lowercase unicast MAC");
  auto network = target.networks_by_bridge.find(source);
  if (text(nic, "type") != "bridge" || network == target.networks_by_bridge.end())
    problems.push_back(what + ": " + printable(text(nic, "type")) + " '" + printable(source) +
                       "' is not the bridge of a network of tenant " + target.tenant);
  if (text(nic, "model") != "virtio")
    problems.push_back(what + ": model '" + printable(text(nic, "model")) +
                       "' (xcloud's NICs are virtio)");
  if (problems.size() != before) return nullptr;
  json out = {{"network", network->second}, {"mac", mac}};
  for (const json& a : nic.value("addresses", json::array())) {
    if (!a.is_string()) continue;
    auto ip = parse_ip(a.get<std::string>());
    const char* family = ip && ip->v6 ? "ipv6" : "ipv4";
    bool link_local = a.get<std::string>().rfind("fe80", 0) == 0;
    if (ip && !link_local && !out.contains(family)) out[family] = a.get<std::string>();
  }
  if (!out.contains("ipv4"))
    warnings.push_back(what + " (" + mac +
                       "): address unknown; apply gives it the network's next "
                       "free one unless you write the guest's own as ipv4");
  return out;
}

}  // namespace

AdoptedManifest adopt_manifest(const json& inspected, const AdoptTarget& target) {
  AdoptedManifest out;
  out.domain = text(inspected, "domain");
  std::vector<std::string>& problems = out.problems;
  if (!is_dns_label(out.domain))
    problems.push_back(
        "its name is not a valid xcloud name (a lowercase DNS label of at most 63 "
        "characters); rename it with 'virsh domrename' while it is stopped");
  if (inspected.value("managed", false)) problems.push_back("xcloud manages it already");
  if (!is_uuid(text(inspected, "uuid"))) problems.push_back("its UUID is not libvirt's form");
  if (!inspected.value("persistent", false))
    problems.push_back("it is transient; define it first ('virsh dumpxml' + 'virsh define')");
  std::string arch = text(inspected, "arch");
  if (arch != "x86_64" && arch != "aarch64")
    problems.push_back("arch '" + printable(arch) + "' (xcloud runs x86_64 and aarch64)");
  int64_t cpus = number(inspected, "cpus");
  if (cpus < 1 || cpus > 256) problems.push_back(std::to_string(cpus) + " vCPUs (1-256)");
  int64_t kib = number(inspected, "memoryKiB");
  if (kib < (1 << 20) || kib % (1 << 20) != 0 || kib / (1 << 20) > 4096)
    problems.push_back("memory " + std::to_string(kib / 1024) +
                       " MiB is not a whole number of GiB from 1 to 4096");
  std::string state = text(inspected, "state");
  if (state != "running" && state != "stopped")
    problems.push_back("state '" + printable(state) + "' (resume or stop it first)");
  if (number(inspected, "hostdevCount") > 0)
    problems.push_back(std::to_string(number(inspected, "hostdevCount")) +
                       " passed-through host device(s)");

  json disks = json::array();
  const json listed_disks = inspected.value("disks", json::array());
  if (number(inspected, "diskCount") > kMaxListed)
    problems.push_back(std::to_string(number(inspected, "diskCount")) + " disk devices (at most " +
                       std::to_string(kMaxListed) + ")");
  for (size_t i = 0; i < listed_disks.size() && i < kMaxListed; ++i) {
    const json& disk = listed_disks[i];
    std::string device = text(disk, "device");
    if (device == "cdrom" && text(disk, "path").empty()) continue;  // an empty drive: nothing kept
    if (device != "disk") {
      problems.push_back(disk_label(disk, i) + ": a " + printable(device) +
                         " with media (eject it first)");
      continue;
    }
    json d = map_disk(disk, i, problems);
    if (d.is_null()) continue;
    if (!text(disk, "pool").empty())
      out.notes.push_back("disk " + d["name"].get<std::string>() + ": " +
                          d["path"].get<std::string>() + ", volume of pool " +
                          printable(text(disk, "pool")));
    disks.push_back(std::move(d));
  }
  json nics = json::array();
  const json listed_nics = inspected.value("nics", json::array());
  if (number(inspected, "nicCount") > kMaxListed)
    problems.push_back(std::to_string(number(inspected, "nicCount")) + " NICs (at most " +
                       std::to_string(kMaxListed) + ")");
  for (size_t i = 0; i < listed_nics.size() && i < kMaxListed; ++i) {
    json n = map_nic(listed_nics[i], i, target, problems, out.warnings);
    if (!n.is_null()) nics.push_back(std::move(n));
  }
  if (!problems.empty()) return out;

  json metadata = {{"name", out.domain}, {"tenant", target.tenant}};
  if (!target.system.empty()) metadata["labels"] = {{"system", target.system}};
  json spec = {{"adoptedFrom", {{"host", target.host}, {"uuid", text(inspected, "uuid")}}},
               {"arch", arch},
               {"cpus", cpus},
               {"memoryGiB", kib / (1 << 20)},
               {"power", state}};
  if (!disks.empty()) spec["disks"] = std::move(disks);
  if (!nics.empty()) spec["nics"] = std::move(nics);
  json placement = json::object();
  if (!target.zone.empty()) placement["zone"] = target.zone;
  if (!target.pool.empty()) placement["pool"] = target.pool;
  if (!placement.empty()) spec["placement"] = std::move(placement);
  out.manifest = {{"apiVersion", "xcloud/v1"},
                  {"kind", "VirtualMachine"},
                  {"metadata", std::move(metadata)},
                  {"spec", std::move(spec)}};
  return out;
}

}  // namespace xc
