#include "agent/on_demand_pool.h"

#include <malloc.h>

#include <algorithm>
#include <system_error>

namespace xc {

void OnDemandPool::enqueue(std::function<void()> fn) {
  std::vector<std::thread> ended;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(fn));
    ended = take_ended();
    if (jobs_.size() > idle_ && workers_.size() < max_threads_) {
      try {
        workers_.emplace_back([this] { work(); });
      } catch (const std::system_error&) {
        // No thread to be had: the job waits until a worker comes free or
        // the next connection starts one.
      }
    }
  }
  cond_.notify_one();
  for (std::thread& t : ended) t.join();
}

void OnDemandPool::shutdown() {
  std::vector<std::thread> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shutdown_ = true;
    all = std::move(workers_);
    workers_.clear();
    ended_.clear();
  }
  cond_.notify_all();
  for (std::thread& t : all) t.join();
}

void OnDemandPool::on_idle() {
  std::vector<std::thread> ended;
  bool trim = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ended = take_ended();
    trim = served_ && jobs_.empty() && idle_ == workers_.size();
    if (trim) served_ = false;
  }
  for (std::thread& t : ended) t.join();
  if (trim) malloc_trim(0);
}

void OnDemandPool::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    ++idle_;
    cond_.wait_for(lock, idle_exit_, [this] { return !jobs_.empty() || shutdown_; });
    --idle_;
    if (jobs_.empty()) {  // shut down, or idle for idle_exit_
      if (!shutdown_) ended_.push_back(std::this_thread::get_id());
      return;
    }
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    job = nullptr;  // the connection's captures go before the lock is taken
    lock.lock();
    served_ = true;
  }
}

std::vector<std::thread> OnDemandPool::take_ended() {
  std::vector<std::thread> ended;
  for (std::thread::id id : ended_) {
    auto it = std::find_if(workers_.begin(), workers_.end(),
                           [id](const std::thread& t) { return t.get_id() == id; });
    if (it == workers_.end()) continue;
    ended.push_back(std::move(*it));
    workers_.erase(it);
  }
  ended_.clear();
  return ended;
}

}  // namespace xc
