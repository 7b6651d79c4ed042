#include "ctl/audit/audit_record.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iterator>

#include "common/shell_quote.h"
#include "common/sm_crypto.h"

namespace xc {
namespace {

void put_field(std::string& out, std::string_view value) {
  uint32_t n = static_cast<uint32_t>(value.size());
  out += static_cast<char>(n >> 24);
  out += static_cast<char>(n >> 16);
  out += static_cast<char>(n >> 8);
  out += static_cast<char>(n);
  out.append(value);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// `name` is the option without its leading dashes.
bool is_secret_option(const std::string& raw_name) {
  std::string name = lower(raw_name);
  static const std::array<const char*, 4> kPaths = {"key", "pubkey", "ca", "cert"};
  for (const char* p : kPaths) {
    if (name == p) return false;
  }
  if (ends_with(name, "-file") || ends_with(name, "-path") || ends_with(name, "-dir")) return false;
  for (const char* word : {"password", "passwd", "secret", "token", "credential"}) {
    if (name.find(word) != std::string::npos) return true;
  }
  return ends_with(name, "key");
}

// A redacted word `prefix***suffix`: the parts quoted for the shell, the
// marker bare so that it reads as a redaction and not as a quoted glob.
std::string redacted_word(std::string_view prefix, std::string_view suffix) {
  std::string out = prefix.empty() ? "" : shell_word(prefix);
  out += "***";
  if (!suffix.empty()) out += shell_word(suffix);
  return out;
}

// "https://user:pw@host/x" shown as "https://user:***@host/x"; any other
// word as a shell word.
std::string url_word(const std::string& arg) {
  size_t scheme = arg.find("://");
  if (scheme == std::string::npos) return shell_word(arg);
  size_t start = scheme + 3;
  size_t end = arg.find_first_of("/?#", start);
  size_t at = arg.rfind('@', end == std::string::npos ? arg.size() : end);
  if (at == std::string::npos || at < start) return shell_word(arg);
  size_t colon = arg.find(':', start);
  if (colon == std::string::npos || colon > at) return shell_word(arg);
  return redacted_word(std::string_view(arg).substr(0, colon + 1),
                       std::string_view(arg).substr(at));
}

std::string user_name() {
  uid_t uid = ::geteuid();
  std::array<char, 4096> buf{};
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return std::to_string(uid);
}

std::string host_name() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return "";
  return buf.data();
}

}  // namespace

std::string canonical_encoding(const AuditRecord& r) {
  std::string out = "xcloud-audit-v1";
  out.reserve(256 + r.command.size() + r.message.size());
  put_field(out, std::to_string(r.seq));
  put_field(out, std::to_string(r.time_ms));
  for (const std::string* f :
       {&r.actor, &r.as_user, &r.reason, &r.origin_host, &r.command, &r.kind, &r.tenant, &r.name,
        &r.action, &r.hash_before, &r.hash_after, &r.result, &r.message}) {
    put_field(out, *f);
  }
  return out;
}

std::string zero_digest() {
  return std::string(32, '\0');
}

Result<std::string> chain_digest(std::string_view prev_digest, const AuditRecord& record) {
  // One hasher per thread: the chain is hashed record by record, and a fresh
  // EVP context each time would cost as much as the hashing.
  thread_local Sm3Hasher hasher;
  Result<Sm3Digest> d = hasher.update(prev_digest).update(canonical_encoding(record)).finish();
  if (!d.ok()) return d.status();
  return std::string(as_bytes(*d));
}

std::string redact_command(const std::vector<std::string>& argv) {
  std::string out;
  bool redact_next = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    std::string word;
    if (i == 0) {
      size_t slash = arg.rfind('/');
      word = shell_word(slash == std::string::npos ? arg : arg.substr(slash + 1));
    } else if (redact_next) {
      word = redacted_word("", "");
      redact_next = false;
    } else if (arg.rfind("--", 0) == 0 && arg.size() > 2) {
      size_t eq = arg.find('=');
      std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      if (!is_secret_option(name)) {
        word = url_word(arg);
      } else if (eq == std::string::npos) {
        word = shell_word(arg);
        redact_next = true;
      } else {
        word = redacted_word(std::string_view(arg).substr(0, eq + 1), "");
      }
    } else {
      word = url_word(arg);
    }
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

AuditRecord AuditIdentity::record(std::string kind, std::string tenant, std::string name,
                                  std::string action) const {
  AuditRecord r;
  r.actor = actor;
  r.as_user = as_user;
  r.reason = reason;
  r.origin_host = origin_host;
  r.command = command;
  r.kind = std::move(kind);
  r.tenant = std::move(tenant);
  r.name = std::move(name);
  r.action = std::move(action);
  return r;
}

AuditIdentity current_identity(const std::vector<std::string>& argv, std::string as_user,
                               std::string reason) {
  return {user_name(), std::move(as_user), std::move(reason), host_name(), redact_command(argv)};
}

std::vector<std::string> process_argv() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> argv;
  size_t start = 0;
  while (start < all.size()) {
    size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    argv.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return argv;
}

}  // namespace xc
