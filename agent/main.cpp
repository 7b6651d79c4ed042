#include <iostream>
#include <string>

// The agent's service arrives with the agent issue; until then the binary
// only answers --version and --help, and says so for anything else.
int main(int argc, char** argv) {
  std::string arg = argc > 1 ? argv[1] : "--help";
  if (arg == "--version") {
    std::cout << "xcloud-agent " << XCLOUD_VERSION << "\n";
    return 0;
  }
  std::cout << "xcloud-agent: the per-host libvirt agent.\n"
               "Commands 'serve' and 'rpc' are not implemented in this build yet.\n";
  return arg == "--help" || arg == "-h" ? 0 : 2;
}
