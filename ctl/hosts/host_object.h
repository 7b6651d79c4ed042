// A Host object for HostClients from what the state database knows: the
// host's applied manifest (its SSH user, port, command and keys), else what
// the store observed of it (an enrolled host not yet applied). Not
// thread-safe (one Store).
#pragma once

#include "common/model.h"
#include "ctl/store/store.h"

namespace xc {

// In maintenance when its manifest or an operator (host maintenance) says so.
Object host_object(Store& store, const HostRecord& h);

}  // namespace xc
