#include "agent/lifecycle_events.h"

#include <pthread.h>
#include <signal.h>

#include <array>
#include <mutex>
#include <thread>
#include <utility>

namespace xc {

namespace {

struct NameRow {
  int event;
  int detail;
  const char* type;
  const char* detail_name;
};

// One row per (event, detail) libvirt 9 defines; what the controller stores.
constexpr std::array<NameRow, 37> kNames = {{
    {VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_ADDED, "defined", "added"},
    {VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_UPDATED, "defined", "updated"},
    {VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_RENAMED, "defined", "renamed"},
    {VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_FROM_SNAPSHOT, "defined", "from-snapshot"},
    {VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_REMOVED, "undefined", "removed"},
    {VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_RENAMED, "undefined", "renamed"},
    {VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED, "started", "booted"},
    {VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_MIGRATED, "migrated", "in"},
    {VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_RESTORED, "started", "restored"},
    {VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT, "started", "from-snapshot"},
    {VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_WAKEUP, "started", "wakeup"},
    {VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED, "paused", "paused"},
    {VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED, "paused", "migrating"},
    {VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_IOERROR, "paused", "io-error"},
    {VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG, "paused", "watchdog"},
    {VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_RESTORED, "paused", "restored"},
    {VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT, "paused",
     "from-snapshot"},
    {VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_API_ERROR, "paused", "api-error"},
    {VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY, "paused", "postcopy"},
    {VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY_FAILED, "paused",
     "postcopy-failed"},
    {VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED, "resumed", "unpaused"},
    {VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_MIGRATED, "resumed", "migrated"},
    {VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT, "resumed", "from-snapshot"},
    {VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_POSTCOPY, "resumed", "postcopy"},
    {VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN, "shutdown", "guest"},
    {VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED, "stopped", "destroyed"},
    {VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_CRASHED, "crashed", "crashed"},
    {VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_MIGRATED, "migrated", "out"},
    {VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_SAVED, "stopped", "saved"},
    {VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_FAILED, "crashed", "failed"},
    {VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT, "stopped", "from-snapshot"},
    {VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED, "shutting-down", "finished"},
    {VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_GUEST, "shutting-down", "guest"},
    {VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_HOST, "shutting-down", "host"},
    {VIR_DOMAIN_EVENT_PMSUSPENDED, VIR_DOMAIN_EVENT_PMSUSPENDED_MEMORY, "pm-suspended", "memory"},
    {VIR_DOMAIN_EVENT_CRASHED, VIR_DOMAIN_EVENT_CRASHED_PANICKED, "crashed", "panicked"},
    {VIR_DOMAIN_EVENT_CRASHED, VIR_DOMAIN_EVENT_CRASHED_CRASHLOADED, "crashed", "crashloaded"},
}};

}  // namespace

EventName lifecycle_event_name(int event, int detail) {
  for (const NameRow& row : kNames)
    if (row.event == event && row.detail == detail) return {row.type, row.detail_name};
  // A detail newer than this table: the event's own name.
  static constexpr std::array<std::pair<int, const char*>, 9> kEvents = {{
      {VIR_DOMAIN_EVENT_DEFINED, "defined"},
      {VIR_DOMAIN_EVENT_UNDEFINED, "undefined"},
      {VIR_DOMAIN_EVENT_STARTED, "started"},
      {VIR_DOMAIN_EVENT_SUSPENDED, "paused"},
      {VIR_DOMAIN_EVENT_RESUMED, "resumed"},
      {VIR_DOMAIN_EVENT_STOPPED, "stopped"},
      {VIR_DOMAIN_EVENT_SHUTDOWN, "shutting-down"},
      {VIR_DOMAIN_EVENT_PMSUSPENDED, "pm-suspended"},
      {VIR_DOMAIN_EVENT_CRASHED, "crashed"},
  }};
  for (const auto& [code, type] : kEvents)
    if (code == event) return {type, "detail-" + std::to_string(detail)};
  return {"other", "event-" + std::to_string(event) + "-" + std::to_string(detail)};
}

void start_libvirt_event_loop() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (virEventRegisterDefaultImpl() < 0) return;
    // Runs for the life of the process: libvirt's loop has no clean stop,
    // and the connections that use it live as long. It starts with every
    // signal blocked, so SIGTERM goes to the thread that waits for it.
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &before);
    std::thread([] {
      for (;;) virEventRunDefaultImpl();
    }).detach();
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
  });
}

Result<std::unique_ptr<LifecycleSubscription>> LifecycleSubscription::start(virConnectPtr conn,
                                                                            EventRing& ring,
                                                                            Clock clock) {
  std::unique_ptr<LifecycleSubscription> s(new LifecycleSubscription(conn, ring, std::move(clock)));
  s->callback_id_ = virConnectDomainEventRegisterAny(
      conn, nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
      VIR_DOMAIN_EVENT_CALLBACK(&LifecycleSubscription::on_lifecycle), s.get(), nullptr);
  if (s->callback_id_ < 0) return libvirt_error("lifecycle events: ");
  return s;
}

LifecycleSubscription::~LifecycleSubscription() {
  if (callback_id_ >= 0) virConnectDomainEventDeregisterAny(conn_, callback_id_);
}

int LifecycleSubscription::on_lifecycle(virConnectPtr, virDomainPtr dom, int event, int detail,
                                        void* opaque) {
  auto* self = static_cast<LifecycleSubscription*>(opaque);
  EventName name = lifecycle_event_name(event, detail);
  LifecycleEvent e;
  e.time_ms = self->clock_();
  const char* domain = virDomainGetName(dom);
  e.domain = domain ? domain : "";
  char uuid[VIR_UUID_STRING_BUFLEN] = {};
  if (virDomainGetUUIDString(dom, uuid) == 0) e.uuid = uuid;
  e.type = std::move(name.type);
  e.detail = std::move(name.detail);
  self->ring_.append(std::move(e));
  return 0;
}

}  // namespace xc
