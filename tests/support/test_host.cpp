#include "tests/support/test_host.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace xc::testing {

TestHost::TestHost(const TestHostOptions& o) {
  char tmpl[] = "/tmp/xc-host-XXXXXX";
  dir_ = mkdtemp(tmpl);
  storage_dir_ = o.storage_dir.empty() ? dir_ + "/disks" : o.storage_dir;
  std::ofstream xml(dir_ + "/host.xml");
  xml << "<node>\n  <cpu><nodes>1</nodes><sockets>1</sockets><cores>" << o.cpus
      << "</cores><threads>1</threads><active>" << o.cpus << "</active><mhz>2600</mhz>";
  if (!o.arch.empty()) xml << "<model>" << o.arch << "</model>";
  xml << "</cpu>\n  <memory>" << o.memory_kib << "</memory>\n";
  if (o.with_gpu) {
    xml << "  <device><name>pci_0000_3b_00_0</name><parent>computer</parent><capability type='pci'>"
           "<class>0x030200</class><domain>0</domain><bus>59</bus><slot>0</slot><function>0</"
           "function>"
           "<product id='0x1eb8'>TU104GL [Tesla T4]</product><vendor id='0x10de'>NVIDIA "
           "Corporation</vendor>"
           "<iommuGroup number='12'><address domain='0x0000' bus='0x3b' slot='0x00' "
           "function='0x0'/>"
           "</iommuGroup></capability></device>\n";
  }
  if (o.with_legacy) {
    xml << "  <domain type='test'><name>legacy-erp</name><memory "
           "unit='MiB'>1024</memory><vcpu>2</vcpu>"
           "<os><type arch='x86_64'>hvm</type></os></domain>\n";
  }
  xml << "</node>\n";
}

TestHost::~TestHost() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string TestHost::write_agent_config(const std::string& extra) const {
  std::string path = dir_ + "/agent.yaml";
  std::ofstream out(path);
  out << "libvirt: " << uri() << "\nstorageDir: " << storage_dir_ << "\n"
      << "accelerators:\n  - {vendor: \"0x10de\", product: \"0x1eb8\", type: gpu-16g}\n"
      << extra;
  return path;
}

}  // namespace xc::testing
