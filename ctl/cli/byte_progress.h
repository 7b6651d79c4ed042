// Progress of a long byte transfer (a restore, a disk sent or read), as lines
// on stderr: "<label>: 512 of 2048 MiB", at most one a second and always the
// last, so that a log keeps it readable and a terminal shows it moving.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ctl/cli/cli.h"

namespace xc {

// A progress(done, total) callback printing `label` (printed escaped) and the
// MiB. Keeps a reference to ctx; not thread-safe.
std::function<void(int64_t, int64_t)> byte_progress(CliContext& ctx, const std::string& label);

}  // namespace xc
