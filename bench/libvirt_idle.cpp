// The baseline for bench/arm64_idle_memory.sh: a bare libvirt client that
// opens URI, reads the node info once (as the agent's first host.facts does),
// prints "connected" and waits until stdin closes. Its memory is what any
// libvirt client of that architecture costs, without the agent's code.
//
//   libvirt_idle test:///tmp/host.xml </dev/null   # exits at once
#include <libvirt/libvirt.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: libvirt_idle URI\n");
    return 2;
  }
  virConnectPtr conn = virConnectOpen(argv[1]);
  if (!conn) return 1;
  virNodeInfo info;
  if (virNodeGetInfo(conn, &info) < 0) return 1;
  std::printf("connected: %s, %u CPUs\n", info.model, info.cpus);
  std::fflush(stdout);
  char byte;
  while (::read(STDIN_FILENO, &byte, 1) > 0) {
  }
  virConnectClose(conn);
  return 0;
}
