#include "common/domain_diff.h"

#include <doctest/doctest.h>

#include "tests/support/string_lists.h"

using namespace xc;
using Lines = std::vector<std::string>;

namespace {

DomainSpec base() {
  return *domain_spec_from_json(nlohmann::json::parse(R"({
    "tenant": "education", "name": "web-1", "spec_hash": "aa", "generation": 1,
    "arch": "x86_64", "cpus": 2, "memory_mib": 8192,
    "disks": [{"name": "root", "size_gib": 80, "tier": "high", "iops": 5000,
               "image": "/srv/images/kylin.qcow2"},
              {"name": "data", "size_gib": 100, "tier": "normal", "iops": 2000}],
    "nics": [{"network": "education/app", "mac": "52:54:00:00:00:01", "ipv4": "10.0.0.5"}],
    "accelerators": [{"type": "gpu-16g", "pci_address": "0000:3b:00.0"}]})"));
}

}  // namespace

TEST_CASE("the same spec needs nothing, whatever its hash, generation and power") {
  DomainSpec now = base();
  now.spec_hash = "bb";
  now.generation = 2;
  now.power = Power::kStopped;
  CHECK(diff_live_vs_restart(base(), now).empty());
}

TEST_CASE("cpus, memory growth, arch and accelerators need a restart") {
  DomainSpec now = base();
  now.cpus = 4;
  now.memory_mib = 16384;
  now.arch = Arch::kAarch64;
  now.accelerators.push_back({"npu-24g", "0000:af:00.0"});
  DomainDiff diff = diff_live_vs_restart(base(), now);
  CHECK(diff.restart == Lines{"arch x86_64 -> aarch64", "cpus 2 -> 4", "memory_mib 8192 -> 16384",
                              "accelerators gpu-16g@0000:3b:00.0 -> "
                              "gpu-16g@0000:3b:00.0,npu-24g@0000:af:00.0"});
  CHECK(diff.live.empty());
  CHECK(diff.refused.empty());
}

TEST_CASE("balloon down, IOPS, disk growth and added devices apply live") {
  DomainSpec now = base();
  now.memory_mib = 4096;
  now.disks[1].iops = 3000;
  now.disks[1].size_gib = 200;
  now.disks.push_back({"logs", 50, DiskTier::kNormal, 1000, "", "virtio"});
  DomainNic& added = now.nics.emplace_back();
  added.network = "education/db";
  added.mac = "52:54:00:00:00:02";
  added.vlan = 130;
  added.ipv6 = "auto";
  DomainDiff diff = diff_live_vs_restart(base(), now);
  CHECK(diff.live == Lines{"memory_mib 8192 -> 4096", "disks.data size_gib 100 -> 200",
                           "disks.data iops 2000 -> 3000", "disks.logs added",
                           "nics.52:54:00:00:00:02 added"});
  CHECK(diff.restart.empty());
  CHECK(diff.refused.empty());
}

TEST_CASE("an adopted VM's disk files are fixed: no new path, no added or grown disk") {
  DomainSpec old = base();
  old.adopted = true;
  old.disks[0].path = "/srv/legacy/web-1.qcow2";
  old.disks[0].image = "";
  old.disks.pop_back();
  DomainSpec now = old;
  now.disks[0].path = "/srv/legacy/other.qcow2";
  now.disks[0].size_gib = 120;
  now.disks.push_back({"logs", 50, DiskTier::kNormal, 1000, "", "virtio"});
  DomainDiff diff = diff_live_vs_restart(old, now);
  CHECK(diff.refused ==
        Lines{"disks.root path changed: an adopted disk's file is fixed",
              "disks.root size_gib 80 -> 120: an adopted disk is grown on its host, not by xcloud",
              "disks.logs added: an adopted VM's disks are its own files"});
  CHECK(diff.live.empty());
  now = old;
  now.adopted = false;
  CHECK(diff_live_vs_restart(old, now).refused ==
        Lines{"adopted true -> false: fixed when the VM is adopted"});
}

TEST_CASE("NIC moves and address changes apply live, removals wait for a restart") {
  DomainSpec now = base();
  now.nics[0].network = "education/web";
  now.nics[0].vlan = 140;
  now.nics[0].ipv4 = "10.0.0.6";
  now.disks.pop_back();
  DomainDiff diff = diff_live_vs_restart(base(), now);
  CHECK(diff.live == Lines{"nics.52:54:00:00:00:01 network education/app -> education/web",
                           "nics.52:54:00:00:00:01 vlan none -> 140",
                           "nics.52:54:00:00:00:01 ipv4 10.0.0.5 -> 10.0.0.6"});
  CHECK(diff.restart == Lines{"disks.data removed"});

  now = base();
  now.nics.clear();
  now.accelerators.clear();
  diff = diff_live_vs_restart(base(), now);
  CHECK(diff.restart ==
        Lines{"nics.52:54:00:00:00:01 removed", "accelerators gpu-16g@0000:3b:00.0 -> none"});
}

TEST_CASE("shrinking a disk or changing its base image is refused") {
  DomainSpec now = base();
  now.disks[1].size_gib = 50;
  now.disks[0].image = "/srv/images/other.qcow2";
  now.disks[0].tier = DiskTier::kNormal;
  now.disks[0].iops = 3000;
  now.disks[0].bus = "scsi";
  DomainDiff diff = diff_live_vs_restart(base(), now);
  CHECK(diff.refused == Lines{"disks.root image changed: a disk's base image is fixed at creation",
                              "disks.data size_gib 100 -> 50: disks never shrink"});
  CHECK(diff.live == Lines{"disks.root tier high -> normal", "disks.root iops 5000 -> 3000"});
  CHECK(diff.restart == Lines{"disks.root bus virtio -> scsi"});
}

TEST_CASE("a NIC's security groups change live, compared as a set") {
  DomainSpec now = base();
  now.nics[0].security_groups = {"web", "ssh"};
  DomainDiff diff = diff_live_vs_restart(base(), now);
  CHECK(diff.live == Lines{"nics.52:54:00:00:00:01 security_groups none -> ssh,web"});
  CHECK(diff.restart.empty());
  DomainSpec reordered = now;
  reordered.nics[0].security_groups = {"ssh", "web"};
  CHECK(diff_live_vs_restart(now, reordered).empty());
  CHECK(diff_live_vs_restart(now, base()).live ==
        Lines{"nics.52:54:00:00:00:01 security_groups ssh,web -> none"});
}

TEST_CASE("what the seed holds changes at the next boot: a restart-class change") {
  DomainSpec old;
  old.tenant = "education";
  old.name = "web-1";
  old.cpus = 1;
  old.memory_mib = 512;
  DomainNic nic;
  nic.network = "education/app";
  nic.mac = "52:54:00:1a:2b:3c";
  nic.ipv4 = "10.20.1.15";
  nic.ipv4_prefix = 24;
  nic.dns = {"10.20.0.53"};
  old.nics = {nic};
  DomainSpec now = old;
  now.guest = DomainGuest{"web-1", {"ssh-ed25519 AAAA one"}, ""};
  CHECK(diff_live_vs_restart(old, now).restart == std::vector<std::string>{"guest seed added"});
  old.guest = now.guest;
  now.guest->ssh_authorized_keys.push_back("ssh-ed25519 AAAA two");
  now.guest->password_hash = "<redacted:0123456789abcdef>";
  now.nics[0].dns = {"10.20.0.54"};
  DomainDiff diff = diff_live_vs_restart(old, now);
  CHECK(diff.live.empty());
  CHECK(diff.restart == std::vector<std::string>{
                            "guest.ssh_authorized_keys changed (1 -> 2 keys)",
                            "guest.password_hash added",
                            "guest seed: nics.52:54:00:1a:2b:3c dns 10.20.0.53 -> 10.20.0.54"});
  old = now;
  now.guest->password_hash = "<redacted:fedcba9876543210>";
  CHECK(diff_live_vs_restart(old, now).restart ==
        std::vector<std::string>{"guest.password_hash changed"});
  CHECK(diff_live_vs_restart(now, now).empty());
}
