// What an operator's xcloudctl sends the controller over its socket: the
// command line, the manifest files it names, the session token. Parsing is
// bounded and pure; reading argv finds the command's words, its tenant and
// the VM it names. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace xc {

inline constexpr size_t kMaxRequestBytes = 64u << 20;  // manifests of a large cloud
inline constexpr size_t kMaxRequestArgs = 256;
inline constexpr size_t kMaxArgBytes = 4096;
inline constexpr size_t kMaxSentFiles = 10000;

struct SentFile {
  // As the operator named it: relative ("manifests/vms.yaml") or absolute.
  std::string path;
  std::string data;
};

struct OperatorRequest {
  std::vector<std::string> argv;  // without the program name
  std::vector<SentFile> files;
  std::string token;       // session token from `xcloudctl login`, or ""
  std::string login_code;  // set for a login: the TOTP code typed
  // On the socket: the local file of `image import FILE` or `host upgrade
  // --package FILE`, as typed, whose open descriptor travels beside stdin,
  // stdout and stderr (the operator's own right to read it); "" for none.
  std::string passed_file;
};

std::string operator_request_json(const OperatorRequest& request);
// kInvalidArgument naming what is wrong: too large, too many, a path that
// climbs out with "..".
Result<OperatorRequest> parse_operator_request(const std::string& text);

// A path that stays inside the directory it is relative to.
bool is_safe_relative_path(const std::string& path);

// A path a command may send with -f: a safe relative one (not under the
// sent-files directory's own ".abs"), or an absolute one without "..".
bool is_safe_sent_path(const std::string& path);

// The command's words ("vm start") as the policy table knows them, skipping
// the global options before them (--as V, --reason V, --no-wait).
std::string command_words(const std::vector<std::string>& argv);

// The value of `--NAME V` or `--NAME=V` ("" when absent).
std::string option_value(const std::vector<std::string>& argv, const std::string& name);

// The first argument after the command's words that is not an option or an
// option's value: the VM of `vm start web-1`.
std::string first_operand(const std::vector<std::string>& argv, const std::string& words);

// The -f/--file/--filename values of argv.
std::vector<std::string> file_arguments(const std::vector<std::string>& argv);

// The file argument whose descriptor the socket client passes: the local
// FILE of `image import` (not a URL: "scheme://..."), the --package of
// `host upgrade`; "" for other commands.
std::string passed_file_argument(const std::vector<std::string>& argv);

// Paths `play` may read besides -f: its playbook and the --set values (a
// parameter such as manifests=DIR); the client sends those that exist.
std::vector<std::string> play_path_arguments(const std::vector<std::string>& argv);

}  // namespace xc
