// After an apply, a move or an HA restart: the images sent to hosts on first
// use (ImageSupplier) are told to the operator and audited as a "push" of
// their Image, as `image push` is. Not thread-safe (one Store).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "ctl/audit/audit_log.h"
#include "ctl/images/image_supply.h"
#include "ctl/store/store.h"

namespace xc {

// One line and one audit record per image sent; an audit failure is returned.
// `by` names the command that sent them ("apply", "vm migrate", ...).
Status report_supplied_images(Store& store, AuditLog& log, const AuditIdentity& who,
                              const std::vector<SuppliedImage>& sent, const std::string& by,
                              std::ostream& out);

}  // namespace xc
