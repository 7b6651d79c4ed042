// The floor for bench/reconcile_bench.py: one process defining and starting
// the same domains with raw libvirt calls (two qcow2 volumes, define, start
// each), on the same simulated hosts, without any xcloud code.
//   raw_define HOSTS_FILE WORKDIR VMS   (HOSTS_FILE: "name arch cpus mem port" lines)
#include <libvirt/libvirt.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: raw_define HOSTS_FILE WORKDIR VMS\n";
    return 2;
  }
  std::ifstream hosts_in(argv[1]);
  std::string workdir = argv[2];
  int vms = std::stoi(argv[3]);
  std::vector<virConnectPtr> conns;
  std::vector<virStoragePoolPtr> pools;
  std::string line;
  while (std::getline(hosts_in, line)) {
    std::istringstream f(line);
    std::string name, arch;
    long cpus, mem;
    f >> name >> arch >> cpus >> mem;
    std::string dir = workdir + "/" + name;
    std::ofstream(dir + ".xml") << "<node><cpu><nodes>1</nodes><sockets>1</sockets><cores>" << cpus
                                << "</cores><threads>1</threads><active>" << cpus
                                << "</active><mhz>2600</mhz><model>" << arch
                                << "</model></cpu><memory>" << mem * 1024 * 1024
                                << "</memory></node>";
    virConnectPtr c = virConnectOpen(("test://" + dir + ".xml").c_str());
    std::string pool_xml =
        "<pool type='dir'><name>raw</name><target><path>" + dir + "</path></target></pool>";
    virStoragePoolPtr p = virStoragePoolDefineXML(c, pool_xml.c_str(), 0);
    virStoragePoolBuild(p, 0);
    virStoragePoolCreate(p, 0);
    conns.push_back(c);
    pools.push_back(p);
  }
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < vms; ++i) {
    size_t h = i % conns.size();
    std::string name = "raw-" + std::to_string(i);
    for (const char* disk : {"root", "data"}) {
      std::string vol = "<volume><name>" + name + "." + disk +
                        ".qcow2</name><capacity unit='MiB'>100</capacity><target><format "
                        "type='qcow2'/></target></volume>";
      virStorageVolPtr v = virStorageVolCreateXML(pools[h], vol.c_str(), 0);
      if (v) virStorageVolFree(v);
    }
    std::string xml =
        "<domain type='test'><name>" + name +
        "</name><memory unit='MiB'>4096</memory><vcpu>2</vcpu>"
        "<os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'>"
        "<source file='/raw/" +
        name +
        ".root.qcow2'/><target dev='vda' bus='virtio'/></disk>"
        "<disk type='file' device='disk'><source file='/raw/" +
        name +
        ".data.qcow2'/>"
        "<target dev='vdb' bus='virtio'/></disk></devices></domain>";
    virDomainPtr d = virDomainDefineXML(conns[h], xml.c_str());
    if (!d || virDomainCreate(d) < 0) {
      std::cerr << "raw_define: " << name << " failed\n";
      return 1;
    }
    virDomainFree(d);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.3f\n", seconds);
  for (auto p : pools) virStoragePoolFree(p);
  for (auto c : conns) virConnectClose(c);
  return 0;
}
