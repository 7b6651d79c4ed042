// A Host object for HostClients from what the state database knows: the
// stored Host manifest when there is one (its SSH settings included), else
// the host's inventory row. Pure functions of their inputs; thread-safe.
#pragma once

#include "common/model.h"
#include "ctl/store/store.h"

namespace xc {

// From the inventory row alone: TLS or SSH with the default SSH settings.
Object host_object(const HostRecord& h);

// From the stored Host manifest when `store` has one, else host_object(h).
Result<Object> stored_host_object(Store& store, const HostRecord& h);

}  // namespace xc
