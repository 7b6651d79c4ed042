// A diagnostic is one problem found in a user's input, with where it is.
// Formatted like a compiler's message so editors can jump to it.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace xc {

// 1-based line and column; 0 means "no position known".
struct SourcePos {
  int line = 0;
  int column = 0;
};

struct Diagnostic {
  std::string file;
  SourcePos pos;
  std::string message;
  std::string field;  // JSON pointer of the node concerned, may be empty
};

// "FILE:LINE:COL: error: MESSAGE", or "FILE: error: MESSAGE" without a position.
std::string format_diagnostic(const Diagnostic& d);

nlohmann::json diagnostics_to_json(const std::vector<Diagnostic>& diagnostics);

// Orders by file, line, column, then message, so output is stable.
void sort_diagnostics(std::vector<Diagnostic>& diagnostics);

}  // namespace xc
