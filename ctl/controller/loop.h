// What the controller's loops (`xcloudctl serve`) are made of: a round is a
// plain function of the state, the hosts and the clock, given a log for its
// events and a stop signal; serve only schedules rounds, and the CLI runs
// one round for cron users and tests. StopSignal is thread-safe; a LoopWorld
// belongs to one loop's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "common/time.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/store/store.h"

namespace xc {

// Where a round reports what happened, one line per event ("host x86-01
// unreachable: ..."). The text is raw: whoever prints it escapes it.
// Implementations must be thread-safe (a round may report from several threads).
class LoopLog {
 public:
  virtual ~LoopLog() = default;
  virtual void event(const std::string& line) = 0;
};

// Set once when serve is stopping; waits end early then.
class StopSignal {
 public:
  void stop();
  bool stopped() const;
  // Waits up to `d`; true when stopped (at once or during the wait).
  bool wait_for(std::chrono::milliseconds d) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable cond_;
  bool stopped_ = false;
};

// What one round is given. The store and the clients are the loop's own.
struct LoopWorld {
  Store& store;
  HostClients& hosts;
  const Clock& clock;
  LoopLog& log;
  const StopSignal& stop;
};

// One loop of `xcloudctl serve`: a round every `interval` (measured from the
// start of one round to the start of the next; a round that takes longer is
// followed at once by the next). `call_timeout` bounds each agent call of
// the loop's clients. A failed round is logged and the loop goes on.
struct Loop {
  std::string name;  // "heartbeat", "events", "collect"
  std::chrono::milliseconds interval{10'000};
  std::chrono::seconds call_timeout{10};
  std::function<Status(LoopWorld&)> round;
};

}  // namespace xc
