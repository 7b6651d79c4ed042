// Power changes of one libvirt domain: the graceful stop (ACPI, wait, then
// power off when asked) shared by domain.power and domain.ensure's
// `power: stopped`. Thread-safe as libvirt is; callers hold the domain's lock.
#pragma once

#include <chrono>
#include <string>

#include "agent/guest_stop.h"
#include "agent/libvirt_handle.h"
#include "common/status.h"

namespace xc {

// The domain's virDomainState (VIR_DOMAIN_RUNNING, ...), or -1 when libvirt
// cannot say.
int domain_state(virDomainPtr domain);

// Asks the guest to shut down and waits up to `timeout` (polling its state);
// then powers it off if `power_off_after`. A failed power-off is an error.
Result<StopResult> stop_domain(virDomainPtr domain, const std::string& name,
                               std::chrono::milliseconds timeout, bool power_off_after);

}  // namespace xc
