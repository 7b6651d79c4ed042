#include "ctl/ha/ha_loop.h"

#include <memory>

#include "ctl/ha/ha_round.h"

namespace xc {

Loop ha_loop(std::chrono::seconds interval, std::chrono::seconds after,
             std::chrono::seconds fence_timeout, const std::string& image_store) {
  Loop loop;
  loop.name = "ha";
  loop.interval = interval;
  loop.call_timeout = std::chrono::seconds(60);  // a restart defines and starts a domain
  HaRoundOptions options;
  options.decide.after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(after).count();
  options.fence_timeout = fence_timeout;
  options.image_store = image_store;
  options.who = current_identity({"xcloudctl", "serve"}, "", "");
  auto memory = std::make_shared<HaMemory>();
  loop.round = [options, memory](LoopWorld& w) -> Status {
    return ha_round(w, options, memory.get()).status();
  };
  return loop;
}

}  // namespace xc
