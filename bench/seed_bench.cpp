// Seed generation time per VM (issue 11): the NoCloud content and its ISO
// image, in memory, for N VMs shaped like the Xicheng scale's (one NIC with
// static IPv4 and IPv6, gateway, two DNS servers, a key and a password hash).
//   seed_bench [VMS=1133] [ROUNDS=5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "agent/seed_iso.h"
#include "common/nocloud_seed.h"

namespace {

xc::DomainSpec vm(int i) {
  xc::DomainSpec s;
  s.tenant = "dept-" + std::to_string(i % 59 + 1);
  s.name = "sys-" + std::to_string(i % 184 + 1) + "-vm-" + std::to_string(i + 1);
  s.spec_hash = "ab";
  s.cpus = 4;
  s.memory_mib = 8192;
  xc::DomainNic n;
  n.network = s.tenant + "/app";
  char mac[18];
  std::snprintf(mac, sizeof mac, "52:54:00:%02x:%02x:%02x", (i >> 16) & 0xff, (i >> 8) & 0xff,
                i & 0xff);
  n.mac = mac;
  n.ipv4 = "10." + std::to_string(i / 250 % 250) + "." + std::to_string(i % 250) + ".10";
  n.ipv4_prefix = 24;
  n.ipv4_gateway = "10.0.0.1";
  n.ipv6 = "fd00::" + std::to_string(i + 16);
  n.ipv6_prefix = 64;
  n.ipv6_gateway = "fd00::1";
  n.dns = {"10.0.0.53", "fd00::53"};
  s.nics = {n};
  s.guest = xc::DomainGuest{
      s.name,
      {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKQig858ZtMmeRFsA+eWzR5DPfNDbAM+d6J2+ihKYxnu "
       "ops@example"},
      "$6$benchsalt$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/"
      "1GM/O6IND4WQhG."};
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int vms = argc > 1 ? std::atoi(argv[1]) : 1133;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  std::vector<xc::DomainSpec> specs;
  for (int i = 0; i < vms; ++i) specs.push_back(vm(i));
  (void)xc::build_seed_iso(xc::nocloud_seed(specs[0]));  // libisofs starts once per process
  std::vector<double> per_vm_us, content_us;
  size_t bytes = 0;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<xc::NoCloudSeed> seeds;
    seeds.reserve(specs.size());
    for (const auto& s : specs) seeds.push_back(xc::nocloud_seed(s));
    auto t1 = std::chrono::steady_clock::now();
    for (const auto& seed : seeds) {
      auto iso = xc::build_seed_iso(seed);
      if (!iso.ok()) {
        std::fprintf(stderr, "seed_bench: %s\n", iso.status().message().c_str());
        return 1;
      }
      bytes = iso->size();
    }
    auto t2 = std::chrono::steady_clock::now();
    content_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / vms);
    per_vm_us.push_back(std::chrono::duration<double, std::micro>(t2 - t0).count() / vms);
  }
  std::sort(per_vm_us.begin(), per_vm_us.end());
  std::sort(content_us.begin(), content_us.end());
  std::printf("seeds: %d VMs x %d rounds; ISO %zu bytes\n", vms, rounds, bytes);
  std::printf("content (meta-data, user-data, network-config): median %.1f us per VM\n",
              content_us[content_us.size() / 2]);
  std::printf(
      "content + ISO image in memory: median %.1f us per VM (min %.1f, max %.1f), "
      "%.3f s for all\n",
      per_vm_us[per_vm_us.size() / 2], per_vm_us.front(), per_vm_us.back(),
      per_vm_us[per_vm_us.size() / 2] * vms / 1e6);
  return 0;
}
