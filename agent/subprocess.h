// Runs a helper program (qemu-img) with an argument vector: no shell, so
// names and paths are never interpreted. Thread-safe (posix_spawn).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace xc {

// Runs argv[0] (looked up in PATH) and waits for it. OK when it exits 0;
// else kIo with "<program>: <last line of its stderr>". Output beyond 64 KiB
// is dropped.
Status run_program(const std::vector<std::string>& argv);
// As run_program, returning its standard output (at most `max_output` bytes).
Result<std::string> run_program_output(const std::vector<std::string>& argv,
                                       size_t max_output = 16 << 20);

}  // namespace xc
