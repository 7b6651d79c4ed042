// Reads a playbook file with the manifests' YAML reader (positions kept),
// checks it against schemas/Playbook.schema.json, substitutes its parameters
// and checks each step's fields for its type, so every error names
// FILE:LINE:COL. Pure apart from reading the file; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostic.h"
#include "ctl/playbook/playbook.h"

namespace xc {

struct PlaybookParse {
  std::optional<Playbook> playbook;  // set when errors is empty
  std::vector<Diagnostic> errors;
};

// `values` are the --set parameters (parse_set_options); each must be
// declared under spec.params, and each declared one without a default must
// be set.
PlaybookParse parse_playbook(std::string_view text, const std::string& file,
                             const std::map<std::string, std::string>& values);

// Reads `file` (at most kMaxPlaybookBytes) and parses it; the digest is the
// SM3 of its bytes.
PlaybookParse load_playbook(const std::string& file,
                            const std::map<std::string, std::string>& values);

// "HOST:PORT" ("[v6]:PORT") into its parts; false when it is not one.
bool split_host_port(const std::string& text, std::string& host, int& port);

}  // namespace xc
