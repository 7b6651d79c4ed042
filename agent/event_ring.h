// The agent's memory of recent domain lifecycle events: a bounded ring with
// sequence numbers, so a controller that was away can ask for "everything
// after N" and learn what it missed when the ring has moved past N. The boot
// id names this agent process: sequence numbers start again at 1 with a new
// one. Thread-safe: the libvirt event thread appends while request threads
// wait and read.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace xc {

// One lifecycle event as the agent saw it. `type` and `detail` are the names
// of agent/lifecycle_events.h ("crashed", "panicked").
struct LifecycleEvent {
  int64_t seq = 0;  // set by EventRing::append, from 1
  int64_t time_ms = 0;
  std::string domain;
  std::string uuid;
  std::string type;
  std::string detail;

  bool operator==(const LifecycleEvent&) const = default;
};

// What a read returns: the events after the asked sequence number (at most
// the asked count), the newest sequence number, and how many events after
// the asked one the ring no longer holds.
struct EventBatch {
  std::vector<LifecycleEvent> events;
  int64_t last_seq = 0;
  int64_t missed = 0;
};

// An hour at ten times the Xicheng scale: 4,096 events is a host of 100 VMs
// each changing state 40 times in the hour (about 200 bytes each: under 1 MiB).
inline constexpr size_t kEventRingCapacity = 4096;

class EventRing {
 public:
  explicit EventRing(size_t capacity = kEventRingCapacity);

  // Stores `event` with the next sequence number (dropping the oldest when
  // full) and wakes the waiting readers.
  void append(LifecycleEvent event);
  // Events with seq > `after`, at most `max`. When there are none yet, waits
  // up to `wait` for one (or until close()).
  EventBatch read(int64_t after, size_t max, std::chrono::milliseconds wait);
  // Wakes every waiting reader and makes later reads return at once (the
  // agent is stopping).
  void close();
  int64_t last_seq() const;

 private:
  EventBatch collect(int64_t after, size_t max) const;  // under mutex_

  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<LifecycleEvent> events_;
  int64_t next_seq_ = 1;
  bool closed_ = false;
};

}  // namespace xc
