#include "agent/event_ring.h"

namespace xc {

EventRing::EventRing(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

void EventRing::append(LifecycleEvent event) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    event.seq = next_seq_++;
    events_.push_back(std::move(event));
    if (events_.size() > capacity_) events_.pop_front();
  }
  changed_.notify_all();
}

EventBatch EventRing::collect(int64_t after, size_t max) const {
  EventBatch batch;
  batch.last_seq = next_seq_ - 1;
  if (after < 0) after = 0;
  // A reader past our newest number knew an earlier agent: it gets everything.
  if (after > batch.last_seq) after = 0;
  int64_t oldest = events_.empty() ? next_seq_ : events_.front().seq;
  if (after + 1 < oldest) {
    batch.missed = oldest - after - 1;
    after = oldest - 1;
  }
  size_t from = static_cast<size_t>(after + 1 - oldest);
  for (size_t i = from; i < events_.size() && batch.events.size() < max; ++i)
    batch.events.push_back(events_[i]);
  return batch;
}

EventBatch EventRing::read(int64_t after, size_t max, std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (wait.count() > 0 && !closed_ && (after < 0 ? 0 : after) == next_seq_ - 1) {
    changed_.wait_for(lock, wait, [&] { return closed_ || next_seq_ - 1 > after; });
  }
  return collect(after, max);
}

void EventRing::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

int64_t EventRing::last_seq() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_seq_ - 1;
}

}  // namespace xc
