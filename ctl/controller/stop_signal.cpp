#include "ctl/controller/loop.h"

namespace xc {

void StopSignal::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
  }
  cond_.notify_all();
}

bool StopSignal::stopped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopped_;
}

bool StopSignal::wait_for(std::chrono::milliseconds d) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return cond_.wait_for(lock, d, [this] { return stopped_; });
}

}  // namespace xc
