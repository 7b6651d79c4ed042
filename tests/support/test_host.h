// A simulated host for tests: a libvirt test:/// driver definition file with
// its own CPU count, memory, arch and optional GPU, in a fresh temp directory.
#pragma once

#include <string>

namespace xc::testing {

struct TestHostOptions {
  std::string arch = "x86_64";  // empty: no <model>, the host is the machine the test runs on
  int cpus = 16;
  long long memory_kib = 64LL * 1024 * 1024;
  bool with_gpu = false;         // an NVIDIA T4 at 0000:3b:00.0
  bool with_legacy = false;      // a running domain "legacy-erp" that xcloud does not own
  std::string storage_dir = {};  // the agent's storageDir; empty: "<dir>/disks" (shared: give one)
};

class TestHost {
 public:
  explicit TestHost(const TestHostOptions& options = {});
  ~TestHost();
  TestHost(const TestHost&) = delete;
  TestHost& operator=(const TestHost&) = delete;

  const std::string& dir() const { return dir_; }
  std::string uri() const { return "test://" + dir_ + "/host.xml"; }
  // An agent config (YAML) for this host; writes it and returns its path.
  std::string write_agent_config(const std::string& extra = "") const;

 private:
  std::string dir_;
  std::string storage_dir_;
};

}  // namespace xc::testing
