// After an apply, a move or an HA restart: the images sent to hosts on first
// use (ImageSupplier) are audited as a "push" of their Image, as `image
// push` is. Not thread-safe (one Store).
#pragma once

#include <string>
#include <vector>

#include "ctl/audit/audit_log.h"
#include "ctl/images/image_supply.h"
#include "ctl/store/store.h"

namespace xc {

// One audit record per image sent, and a line for the operator or the log
// for each ("image T/N sent to H on first use (...)", not escaped). `by`
// names the command that sent them ("apply", "vm migrate", ...).
Result<std::vector<std::string>> audit_supplied_images(Store& store, AuditLog& log,
                                                       const AuditIdentity& who,
                                                       const std::vector<SuppliedImage>& sent,
                                                       const std::string& by);

}  // namespace xc
