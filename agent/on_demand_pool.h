// The agent's worker threads for requests on established connections. Thread
// safe: enqueue() and on_idle() may come from any thread.
#pragma once

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT 1
#endif
#include <httplib.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace xc {

// httplib's ThreadPool starts all its workers up front. This one starts a
// worker when a connection finds none free (up to max_threads), lets one that
// sat idle for idle_exit end, and, once every worker is idle, hands the heap
// freed by finished requests back to the kernel (glibc keeps it otherwise: a
// domains.list reply on a large host frees megabytes). The acceptor calls on_idle()
// when no connection arrived for a while.
class OnDemandPool final : public httplib::TaskQueue {
 public:
  OnDemandPool(size_t max_threads, std::chrono::seconds idle_exit)
      : max_threads_(max_threads), idle_exit_(idle_exit) {}

  void enqueue(std::function<void()> fn) override {
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

  void shutdown() override {
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

  void on_idle() override {
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

 private:
  void work() {
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

  // Workers that ended on their own, to be joined outside the lock.
  std::vector<std::thread> take_ended() {
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

  const size_t max_threads_;
  const std::chrono::seconds idle_exit_;
  std::mutex mutex_;
  std::condition_variable cond_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> workers_;
  std::vector<std::thread::id> ended_;  // workers that returned from work()
  size_t idle_ = 0;                     // workers waiting for a job
  bool served_ = false;                 // a job ran since the last trim
  bool shutdown_ = false;
};

}  // namespace xc
