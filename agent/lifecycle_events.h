// Domain lifecycle events from libvirt into an EventRing: libvirt's default
// event loop runs on one thread per process (started before the first
// connection opens, as the remote driver needs), and a subscription on a
// connection turns each virConnectDomainEventRegisterAny lifecycle callback
// into a LifecycleEvent. The event/detail -> name table is one row per case.
// Thread-safe.
#pragma once

#include <string>

#include "agent/event_ring.h"
#include "agent/libvirt_handle.h"
#include "common/time.h"

namespace xc {

// Registers libvirt's default event loop and starts its thread, once per
// process; later calls do nothing. Called by open_libvirt().
void start_libvirt_event_loop();

// The names an event gets: "started", "stopped", "shutdown" (the guest shut
// down), "crashed", "paused", "resumed", "migrated", "defined",
// "undefined", "pm-suspended", and a detail ("booted", "destroyed",
// "io-error", "in", "out", ...). Unknown codes become "other"/"event-N".
struct EventName {
  std::string type;
  std::string detail;
};
EventName lifecycle_event_name(int event, int detail);

// A lifecycle subscription on one connection, feeding `ring` with times from
// `clock`. Deregisters when destroyed; the connection and the ring must
// outlive it.
class LifecycleSubscription {
 public:
  static Result<std::unique_ptr<LifecycleSubscription>> start(virConnectPtr conn, EventRing& ring,
                                                              Clock clock);
  ~LifecycleSubscription();
  LifecycleSubscription(const LifecycleSubscription&) = delete;
  LifecycleSubscription& operator=(const LifecycleSubscription&) = delete;

 private:
  LifecycleSubscription(virConnectPtr conn, EventRing& ring, Clock clock)
      : conn_(conn), ring_(ring), clock_(std::move(clock)) {}
  static int on_lifecycle(virConnectPtr, virDomainPtr dom, int event, int detail, void* self);

  virConnectPtr conn_;
  EventRing& ring_;
  Clock clock_;
  int callback_id_ = -1;
};

}  // namespace xc
