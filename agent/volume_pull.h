// The target's half of an agent-to-agent volume copy: a thread per pull
// connects to the source host's agent with the transfer's own certificate,
// opens the offered stream (agent/volume_send.h) and writes it to the
// volume's ".part" file while hashing it; only when the source's closing
// SHA-256 equals its own is the part synced and renamed over the volume.
// The controller starts a pull (volume.pull) and watches it
// (volume.pull_status); it relays no byte. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/status.h"
#include "common/upgrade_client.h"

namespace xc {

struct PullOrder {
  std::string path;  // the volume's file here; its ".part" is written
  std::string host;  // the source's agent
  int port = 0;
  std::string ticket;  // volume.offer's, named by the certificate
  int64_t size = 0;    // what the source offered
  UpgradeClientIdentity identity;
  // Runs once the part is exact: puts it in place (under the volume's lock).
  std::function<Status()> commit;
};

struct PullState {
  enum Phase { kRunning, kDone, kFailed };
  Phase phase = kRunning;
  int64_t bytes = 0, size = 0;
  std::string sha256;      // when done
  std::string error;       // when failed
  bool unreached = false;  // failed before the first byte: the source could not be reached
};
const char* pull_phase_name(PullState::Phase phase);

class VolumePulls {
 public:
  static constexpr size_t kMaxRunning = 4;
  static constexpr size_t kMaxRemembered = 64;  // finished pulls kept for their status
  ~VolumePulls();

  // Starts pulling; a pull into the same path still running is stopped first.
  // kUnavailable when kMaxRunning other pulls run.
  Status start(PullOrder order);
  // Stops a pull into `path` and forgets it (its part file removed), so that
  // nothing lands there after the volume is deleted.
  void stop(const std::string& path);
  // The pull into `path`: at once when it is over, else when it ends or
  // `wait` passed. Nothing when no pull into it is known.
  std::optional<PullState> state(const std::string& path, std::chrono::milliseconds wait);

 private:
  struct Job {
    PullOrder order;
    std::atomic<bool> cancel{false};
    std::mutex mutex;
    std::condition_variable changed;
    PullState state;
    std::thread thread;
  };
  static void run(Job& job);
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
};

}  // namespace xc
