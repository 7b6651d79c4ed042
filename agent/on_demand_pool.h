// The agent's worker threads for requests on established connections. Thread
// safe: enqueue() and on_idle() may come from any thread.
#pragma once

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT 1
#endif
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace xc {

// httplib's ThreadPool starts all its workers up front. This one starts a
// worker when a connection finds none free (up to max_threads), lets one that
// sat idle for idle_exit end, and, once every worker is idle, hands the heap
// freed by finished requests back to the kernel (glibc keeps it otherwise: a
// domains.list reply on a large host frees megabytes). The acceptor calls
// on_idle() when nothing happened for a while.
class OnDemandPool final : public httplib::TaskQueue {
 public:
  OnDemandPool(size_t max_threads, std::chrono::seconds idle_exit)
      : max_threads_(max_threads), idle_exit_(idle_exit) {}

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;
  void on_idle() override;

 private:
  void work();

  // Workers that ended on their own, to be joined outside the lock.
  std::vector<std::thread> take_ended();

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
