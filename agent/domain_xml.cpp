// Renders libvirt domain XML for one host from a DomainSpec.
#include "agent/domain_xml.h"

#include <cstdio>
#include <pugixml.hpp>
#include <sstream>

#include "agent/nic_filter_xml.h"
#include "common/disk_targets.h"
#include "common/network_naming.h"

namespace xc {
namespace {

// Root ports for the fixed devices (balloon, video, USB) plus free ones, so
// that disks and NICs can be hot-plugged on q35 and virt (PCIe machines have
// no hot-plug slots of their own).
constexpr int kFixedDevicePorts = 3;
constexpr int kHotplugPorts = 4;

// "q35", "pc-q35-7.2", "virt-8.0".
bool is_machine_name(const std::string& text) {
  return !text.empty() && text.size() <= 63 && text.front() != '.' && text.front() != '-' &&
         text.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos;
}

Status check_host(const HostContext& host, const DomainSpec& spec) {
  auto bad = [](const std::string& field, const std::string& what) {
    return error(Code::kInvalidArgument, "host " + field + ": " + what);
  };
  // "test" is libvirt's test:/// driver: the simulated hosts of tests and the demo.
  if (host.domain_type != "kvm" && host.domain_type != "qemu" && host.domain_type != "test")
    return bad("domain_type", "expected kvm, qemu or test");
  if (!is_safe_absolute_path(host.storage_dir))
    return bad("storage_dir", "expected an absolute path without control characters");
  if (!is_machine_name(host.x86_machine)) return bad("x86_machine", "expected a machine type");
  if (!is_machine_name(host.aarch64_machine))
    return bad("aarch64_machine", "expected a machine type");
  if (spec.arch == Arch::kAarch64 && (!is_safe_absolute_path(host.aarch64_loader) ||
                                      !is_safe_absolute_path(host.aarch64_vars_template)))
    return bad("aarch64_loader", "expected absolute paths for the UEFI code and vars template");
  if (host.disk_cache != "none" && host.disk_cache != "writeback" &&
      host.disk_cache != "writethrough")
    return bad("disk_cache", "expected none, writeback or writethrough");
  for (const auto& [network, bridge] : host.bridges)
    if (!is_bridge_name(bridge)) return bad("bridges", "expected Linux interface names");
  if (host.domain_type == "kvm" && spec.arch != host.host_arch)
    return error(Code::kFailedPrecondition,
                 "domain " + domain_name(spec) + ": arch " + arch_name(spec.arch) +
                     " cannot run under kvm on this " + arch_name(host.host_arch) +
                     " host (software emulation needs domain type qemu)");
  return {};
}

Result<std::string> bridge_for(const HostContext& host, const DomainNic& nic, size_t i) {
  auto it = host.bridges.find(nic.network);
  if (it != host.bridges.end()) return it->second;
  if (is_bridge_name(nic.network)) return nic.network;
  return error(Code::kFailedPrecondition, "params.nics[" + std::to_string(i) +
                                              "].network: no bridge for network " + nic.network +
                                              " on this host");
}

std::string hex(const char* format, unsigned value) {
  char text[16];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

pugi::xml_node child(pugi::xml_node parent, const char* name) {
  return parent.append_child(name);
}

pugi::xml_node text_child(pugi::xml_node parent, const char* name, const std::string& text) {
  pugi::xml_node node = parent.append_child(name);
  node.text().set(text.c_str());
  return node;
}

void attr(pugi::xml_node node, const char* name, const std::string& value) {
  node.append_attribute(name).set_value(value.c_str());
}

void render_os(pugi::xml_node domain, const DomainSpec& spec, const HostContext& host) {
  bool arm = spec.arch == Arch::kAarch64;
  pugi::xml_node os = child(domain, "os");
  pugi::xml_node type = text_child(os, "type", "hvm");
  attr(type, "arch", arch_name(spec.arch));
  attr(type, "machine", arm ? host.aarch64_machine : host.x86_machine);
  if (arm) {
    pugi::xml_node loader = text_child(os, "loader", host.aarch64_loader);
    attr(loader, "readonly", "yes");
    attr(loader, "type", "pflash");
    pugi::xml_node nvram =
        text_child(os, "nvram", host.storage_dir + "/" + domain_name(spec) + "_VARS.fd");
    attr(nvram, "template", host.aarch64_vars_template);
  }
  attr(child(os, "boot"), "dev", "hd");
  // SeaBIOS's screen also on the serial console (sgabios), so `console
  // --serial` shows the boot from its first line; UEFI on aarch64 does this itself.
  if (!arm) attr(child(os, "bios"), "useserial", "yes");

  pugi::xml_node features = child(domain, "features");
  child(features, "acpi");
  if (!arm) child(features, "apic");

  if (host.domain_type == "kvm") {
    attr(child(domain, "cpu"), "mode", "host-passthrough");
  } else if (arm && host.domain_type == "qemu") {  // TCG has no "host" CPU to pass through
    pugi::xml_node cpu = child(domain, "cpu");
    attr(cpu, "mode", "custom");
    text_child(cpu, "model", "cortex-a57");
  }  // x86 under TCG: QEMU's default qemu64 CPU
}

// The seed CD-ROM's bus: SATA (AHCI) on q35, IDE on the older pc machines,
// SCSI on aarch64 virt, which has neither.
std::string cdrom_bus(const DomainSpec& spec, const HostContext& host) {
  if (spec.arch == Arch::kAarch64) return "scsi";
  return host.x86_machine.find("q35") != std::string::npos ? "sata" : "ide";
}

// The NoCloud seed as a read-only CD-ROM after the disks (agent/guest_seed.h
// writes the file). Its target follows the SCSI disks' names, which SATA
// shares with them.
void render_seed_cdrom(pugi::xml_node devices, const DomainSpec& spec, const HostContext& host,
                       size_t scsi_disks) {
  std::string bus = cdrom_bus(spec, host);
  pugi::xml_node disk = child(devices, "disk");
  attr(disk, "type", "file");
  attr(disk, "device", "cdrom");
  pugi::xml_node driver = child(disk, "driver");
  attr(driver, "name", "qemu");
  attr(driver, "type", "raw");
  attr(child(disk, "source"), "file", host.storage_dir + "/" + seed_file_name(spec));
  pugi::xml_node target = child(disk, "target");
  attr(target, "dev", bus == "ide" ? "hdc" : target_dev("sd", scsi_disks));
  attr(target, "bus", bus);
  child(disk, "readonly");
}

void render_disks(pugi::xml_node devices, const DomainSpec& spec, const HostContext& host) {
  size_t virtio = 0, scsi = 0;
  for (const DomainDisk& d : spec.disks) {
    pugi::xml_node disk = child(devices, "disk");
    attr(disk, "type", "file");
    attr(disk, "device", "disk");
    pugi::xml_node driver = child(disk, "driver");
    attr(driver, "name", "qemu");
    attr(driver, "type", "qcow2");
    attr(driver, "cache", host.disk_cache);
    attr(driver, "discard", "unmap");
    attr(child(disk, "source"), "file", disk_path(host.storage_dir, spec, d));
    pugi::xml_node target = child(disk, "target");
    // As disk_targets() names them.
    attr(target, "dev", d.bus == "scsi" ? target_dev("sd", scsi++) : target_dev("vd", virtio++));
    attr(target, "bus", d.bus);
    text_child(child(disk, "iotune"), "total_iops_sec", std::to_string(d.iops));
    text_child(disk, "serial", d.name);
  }
  bool scsi_cdrom = spec.guest && cdrom_bus(spec, host) == "scsi";
  if (spec.guest) render_seed_cdrom(devices, spec, host, scsi);
  if (scsi > 0 || scsi_cdrom) {
    pugi::xml_node controller = child(devices, "controller");
    attr(controller, "type", "scsi");
    attr(controller, "model", "virtio-scsi");
  }
  int ports =
      int(virtio + (scsi > 0 || scsi_cdrom ? 1 : 0) + spec.nics.size() + spec.accelerators.size()) +
      kFixedDevicePorts + kHotplugPorts;
  // Explicit indexes: libvirt would give an unindexed root port index 0,
  // which belongs to pcie-root.
  for (int index = 0; index <= ports; ++index) {
    pugi::xml_node controller = child(devices, "controller");
    attr(controller, "type", "pci");
    attr(controller, "index", std::to_string(index));
    attr(controller, "model", index == 0 ? "pcie-root" : "pcie-root-port");
  }
}

Status render_nics(pugi::xml_node devices, const DomainSpec& spec, const HostContext& host) {
  for (size_t i = 0; i < spec.nics.size(); ++i) {
    const DomainNic& n = spec.nics[i];
    auto bridge = bridge_for(host, n, i);
    if (!bridge.ok()) return bridge.status();
    pugi::xml_node nic = child(devices, "interface");
    attr(nic, "type", "bridge");
    attr(child(nic, "mac"), "address", n.mac);
    attr(child(nic, "source"), "bridge", *bridge);
    if (host.openvswitch) attr(child(nic, "virtualport"), "type", "openvswitch");
    if (host.openvswitch && n.vlan)
      attr(child(child(nic, "vlan"), "tag"), "id", std::to_string(*n.vlan));
    attr(child(nic, "model"), "type", "virtio");
    // One filter per NIC: anti-spoofing bound by the parameters, and the
    // set's security groups when it has any.
    if (host.network_filters) set_nic_filterref(nic, spec.tenant, n);
  }
  return {};
}

void render_hostdevs(pugi::xml_node devices, const DomainSpec& spec) {
  for (const DomainAccelerator& a : spec.accelerators) {
    PciAddress pci = *parse_pci_address(a.pci_address);  // validated
    pugi::xml_node hostdev = child(devices, "hostdev");
    attr(hostdev, "mode", "subsystem");
    attr(hostdev, "type", "pci");
    attr(hostdev, "managed", "yes");
    pugi::xml_node address = child(child(hostdev, "source"), "address");
    attr(address, "domain", hex("0x%04x", pci.domain));
    attr(address, "bus", hex("0x%02x", pci.bus));
    attr(address, "slot", hex("0x%02x", pci.slot));
    attr(address, "function", hex("0x%x", pci.function));
  }
}

void render_console(pugi::xml_node devices) {
  attr(child(devices, "serial"), "type", "pty");
  attr(child(devices, "console"), "type", "pty");
  pugi::xml_node graphics = child(devices, "graphics");
  attr(graphics, "type", "vnc");
  attr(graphics, "port", "-1");
  attr(graphics, "autoport", "yes");
  attr(graphics, "listen", "127.0.0.1");
  attr(child(devices, "memballoon"), "model", "virtio");
}

// The QEMU guest agent's channel: a guest with qemu-guest-agent answers on
// it (quiesced snapshots, guest-ping); libvirt picks the socket's path.
void render_guest_agent_channel(pugi::xml_node devices) {
  pugi::xml_node channel = child(devices, "channel");
  attr(channel, "type", "unix");
  pugi::xml_node target = child(channel, "target");
  attr(target, "type", "virtio");
  attr(target, "name", "org.qemu.guest_agent.0");
}

}  // namespace

void set_nic_filterref(pugi::xml_node interface, const std::string& tenant, const DomainNic& n) {
  interface.remove_child("filterref");
  NicFilter filter = nic_filter(n, n.security_groups.empty()
                                       ? ""
                                       : security_group_set_filter_name(tenant, n.security_groups));
  pugi::xml_node ref = child(interface, "filterref");
  attr(ref, "filter", filter.name);
  for (const auto& [name, value] : filter.parameters) {
    pugi::xml_node parameter = child(ref, "parameter");
    attr(parameter, "name", name);
    attr(parameter, "value", value);
  }
}

Result<std::string> render_domain_xml(const DomainSpec& spec, const HostContext& host) {
  Status valid = validate_domain_spec(spec);
  if (!valid.ok()) return valid;
  valid = check_host(host, spec);
  if (!valid.ok()) return valid;

  pugi::xml_document doc;
  pugi::xml_node domain = doc.append_child("domain");
  attr(domain, "type", host.domain_type);
  text_child(domain, "name", domain_name(spec));
  append_xcloud_metadata(child(domain, "metadata"), xcloud_metadata_of(spec), true);
  attr(text_child(domain, "memory", std::to_string(spec.memory_mib)), "unit", "MiB");
  attr(text_child(domain, "currentMemory", std::to_string(spec.memory_mib)), "unit", "MiB");
  attr(text_child(domain, "vcpu", std::to_string(spec.cpus)), "placement", "static");
  render_os(domain, spec, host);
  attr(child(domain, "clock"), "offset", "utc");
  text_child(domain, "on_poweroff", "destroy");
  text_child(domain, "on_reboot", "restart");
  text_child(domain, "on_crash", "destroy");

  pugi::xml_node devices = child(domain, "devices");
  render_disks(devices, spec, host);
  Status nics = render_nics(devices, spec, host);
  if (!nics.ok()) return nics;
  render_hostdevs(devices, spec);
  render_console(devices);
  render_guest_agent_channel(devices);

  std::ostringstream out;
  doc.save(out, "  ",
           pugi::format_indent | pugi::format_no_declaration | pugi::format_attribute_single_quote);
  return out.str();
}

}  // namespace xc
