// Which spec changes a running domain takes live and which wait for a restart.
#include "common/domain_diff.h"

#include <algorithm>

namespace xc {
namespace {

std::string change(const std::string& what, const std::string& from, const std::string& to) {
  return what + " " + from + " -> " + to;
}

std::string change(const std::string& what, int64_t from, int64_t to) {
  return change(what, std::to_string(from), std::to_string(to));
}

std::string or_none(const std::string& text) {
  return text.empty() ? "none" : text;
}

std::string vlan_text(const std::optional<int64_t>& vlan) {
  return vlan ? std::to_string(*vlan) : "none";
}

// Sorted: the set of groups matters, not the order they were listed in.
std::string group_list(std::vector<std::string> groups) {
  std::sort(groups.begin(), groups.end());
  std::string text;
  for (const std::string& g : groups) text += (text.empty() ? "" : ",") + g;
  return or_none(text);
}

template <typename T, typename Key>
const T* find_by(const std::vector<T>& list, const std::string& key, Key T::*field) {
  auto it = std::find_if(list.begin(), list.end(), [&](const T& x) { return x.*field == key; });
  return it == list.end() ? nullptr : &*it;
}

void diff_disks(const DomainSpec& old, const DomainSpec& now, DomainDiff& diff) {
  for (const DomainDisk& d : now.disks) {
    std::string what = "disks." + d.name;
    const DomainDisk* before = find_by(old.disks, d.name, &DomainDisk::name);
    if (!before) {  // attached through a spare root port
      if (now.adopted)
        diff.refused.push_back(what + " added: an adopted VM's disks are its own files");
      else
        diff.live.push_back(what + " added");
      continue;
    }
    if (before->path != d.path)
      diff.refused.push_back(what + " path changed: an adopted disk's file is fixed");
    if (before->size_gib < d.size_gib && now.adopted)
      diff.refused.push_back(change(what + " size_gib", before->size_gib, d.size_gib) +
                             ": an adopted disk is grown on its host, not by xcloud");
    else if (before->size_gib < d.size_gib)  // grown with virDomainBlockResize
      diff.live.push_back(change(what + " size_gib", before->size_gib, d.size_gib));
    if (before->size_gib > d.size_gib)
      diff.refused.push_back(change(what + " size_gib", before->size_gib, d.size_gib) +
                             ": disks never shrink");
    if (before->tier != d.tier)
      diff.live.push_back(change(what + " tier", tier_name(before->tier), tier_name(d.tier)));
    if (before->iops != d.iops)  // virDomainSetBlockIoTune
      diff.live.push_back(change(what + " iops", before->iops, d.iops));
    if (before->image != d.image)
      diff.refused.push_back(what + " image changed: a disk's base image is fixed at creation");
    if (before->bus != d.bus) diff.restart.push_back(change(what + " bus", before->bus, d.bus));
  }
  for (const DomainDisk& d : old.disks)
    if (!find_by(now.disks, d.name, &DomainDisk::name))  // no surprise unplug under the guest
      diff.restart.push_back("disks." + d.name + " removed");
}

void diff_nics(const DomainSpec& old, const DomainSpec& now, DomainDiff& diff) {
  for (const DomainNic& n : now.nics) {
    std::string what = "nics." + n.mac;
    const DomainNic* before = find_by(old.nics, n.mac, &DomainNic::mac);
    if (!before) {
      diff.live.push_back(what + " added");
      continue;
    }
    // virDomainUpdateDeviceFlags moves a live interface to another bridge.
    if (before->network != n.network)
      diff.live.push_back(change(what + " network", before->network, n.network));
    if (before->vlan != n.vlan)
      diff.live.push_back(change(what + " vlan", vlan_text(before->vlan), vlan_text(n.vlan)));
    if (before->ipv4 != n.ipv4)
      diff.live.push_back(change(what + " ipv4", or_none(before->ipv4), or_none(n.ipv4)));
    if (before->ipv6 != n.ipv6)
      diff.live.push_back(change(what + " ipv6", or_none(before->ipv6), or_none(n.ipv6)));
    // virDomainUpdateDeviceFlags swaps a live interface's <filterref>.
    if (group_list(before->security_groups) != group_list(n.security_groups))
      diff.live.push_back(change(what + " security_groups", group_list(before->security_groups),
                                 group_list(n.security_groups)));
  }
  for (const DomainNic& n : old.nics)
    if (!find_by(now.nics, n.mac, &DomainNic::mac))
      diff.restart.push_back("nics." + n.mac + " removed");
}

std::string text_list(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& i : items) text += (text.empty() ? "" : ",") + i;
  return or_none(text);
}

std::string prefix_text(const std::string& address, const std::optional<int64_t>& prefix) {
  if (address.empty()) return "none";
  return prefix ? address + "/" + std::to_string(*prefix) : address;
}

// What the guest reads from its seed CD-ROM at boot: a change waits for the
// next boot, whatever else it changes live. Password hashes are compared as
// they are given (redaction markers name a digest), never printed.
void diff_guest(const DomainSpec& old, const DomainSpec& now, DomainDiff& diff) {
  if (!old.guest && !now.guest) return;
  if (!old.guest || !now.guest) {
    diff.restart.push_back(now.guest ? "guest seed added" : "guest seed removed");
    return;
  }
  const DomainGuest &a = *old.guest, &b = *now.guest;
  if (a.hostname != b.hostname)
    diff.restart.push_back(change("guest.hostname", a.hostname, b.hostname));
  if (a.ssh_authorized_keys != b.ssh_authorized_keys)
    diff.restart.push_back("guest.ssh_authorized_keys changed (" +
                           std::to_string(a.ssh_authorized_keys.size()) + " -> " +
                           std::to_string(b.ssh_authorized_keys.size()) + " keys)");
  if (a.password_hash != b.password_hash)
    diff.restart.push_back(b.password_hash.empty()   ? "guest.password_hash removed"
                           : a.password_hash.empty() ? "guest.password_hash added"
                                                     : "guest.password_hash changed");
  for (const DomainNic& n : now.nics) {
    const DomainNic* before = find_by(old.nics, n.mac, &DomainNic::mac);
    if (!before) continue;  // a new NIC is in the seed with the next boot too
    std::string what = "guest seed: nics." + n.mac;
    std::string v4a = prefix_text(before->ipv4, before->ipv4_prefix),
                v4b = prefix_text(n.ipv4, n.ipv4_prefix);
    if (v4a != v4b) diff.restart.push_back(change(what + " ipv4", v4a, v4b));
    std::string v6a = prefix_text(before->ipv6, before->ipv6_prefix),
                v6b = prefix_text(n.ipv6, n.ipv6_prefix);
    if (v6a != v6b) diff.restart.push_back(change(what + " ipv6", v6a, v6b));
    if (before->ipv4_gateway != n.ipv4_gateway)
      diff.restart.push_back(
          change(what + " ipv4_gateway", or_none(before->ipv4_gateway), or_none(n.ipv4_gateway)));
    if (before->ipv6_gateway != n.ipv6_gateway)
      diff.restart.push_back(
          change(what + " ipv6_gateway", or_none(before->ipv6_gateway), or_none(n.ipv6_gateway)));
    if (before->dns != n.dns)
      diff.restart.push_back(change(what + " dns", text_list(before->dns), text_list(n.dns)));
  }
}

std::string accelerator_list(const DomainSpec& spec) {
  std::string text;
  for (const DomainAccelerator& a : spec.accelerators)
    text += (text.empty() ? "" : ",") + a.type + "@" + a.pci_address;
  return or_none(text);
}

}  // namespace

DomainDiff diff_live_vs_restart(const DomainSpec& old, const DomainSpec& now) {
  DomainDiff diff;
  if (old.arch != now.arch)
    diff.restart.push_back(change("arch", arch_name(old.arch), arch_name(now.arch)));
  if (old.cpus != now.cpus)  // rendered without hot-pluggable vCPUs
    diff.restart.push_back(change("cpus", old.cpus, now.cpus));
  if (now.memory_mib < old.memory_mib)  // the balloon gives memory back below the maximum
    diff.live.push_back(change("memory_mib", old.memory_mib, now.memory_mib));
  if (now.memory_mib > old.memory_mib)  // beyond the boot-time maximum
    diff.restart.push_back(change("memory_mib", old.memory_mib, now.memory_mib));
  if (old.adopted != now.adopted)
    diff.refused.push_back(std::string("adopted ") + (old.adopted ? "true" : "false") + " -> " +
                           (now.adopted ? "true" : "false") + ": fixed when the VM is adopted");
  diff_disks(old, now, diff);
  diff_nics(old, now, diff);
  diff_guest(old, now, diff);
  std::string before = accelerator_list(old), after = accelerator_list(now);
  if (before != after) diff.restart.push_back(change("accelerators", before, after));
  return diff;
}

}  // namespace xc
