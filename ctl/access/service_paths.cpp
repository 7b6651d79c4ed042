#include "ctl/access/service_paths.h"

#include <utility>

#include "ctl/access/operator_request.h"

namespace xc {
namespace {

struct PathOption {
  const char* words;   // the command, or a prefix of commands ("audit ")
  const char* option;  // "--out"
  const char* instead;
};

// Every option of the CLI whose value is a file or folder of the host the
// command runs on (ctl/cli: --out, --to, --dir, --key, --ca, --target,
// --package, --price-caps, the SMTP files).
constexpr PathOption kPathOptions[] = {
    {"report", "--out", "leave --out out and redirect the output: xcloudctl report ... > FILE"},
    {"report", "--smtp-password-file", "the service user's cron job mails the reports"},
    {"report", "--smtp-ca-file", "the service user's cron job mails the reports"},
    {"backup restore", "--to", "restore into a new VM with --as NAME"},
    {"backup ", "--key", "the state's backup key is used without --key"},
    {"backup ", "--target", "the VM's BackupPolicy names its target"},
    {"audit ", "--key", "audit sealing and exports with keys are the service user's"},
    {"audit ", "--ca", "audit exports over TLS are the service user's"},
    {"audit ", "--out", "audit keys are made by the service user"},
    {"user cert", "--out", "leave --out out: the pair goes to the state's pki/users/NAME/"},
    {"user renew", "--out", "leave --out out: the pair goes to the state's pki/users/NAME/"},
    {"adopt", "--dir", "leave --dir out and redirect the manifests: xcloudctl adopt ... > FILE"},
    {"host upgrade", "--package",
     "run it on the controller's host (the socket passes the open package), or ask the "
     "service user"},
    {"image import", "--ca", "import from a URL whose certificate the system trusts"},
    {"quota", "--price-caps", "the built-in caps are used without --price-caps"},
    {"diff", "--price-caps", "the built-in caps are used without --price-caps"},
    {"apply", "--price-caps", "the built-in caps are used without --price-caps"},
    {"validate", "--price-caps", "the built-in caps are used without --price-caps"},
};

bool names_option(const std::vector<std::string>& argv, const std::string& option) {
  for (const auto& a : argv)
    if (a == option || a.rfind(option + "=", 0) == 0) return true;
  return false;
}

bool matches(const std::string& words, const char* pattern) {
  const std::string p(pattern);
  return p.back() == ' ' ? words.rfind(p, 0) == 0 : words == p;
}

}  // namespace

std::optional<std::string> service_path_refusal(const std::vector<std::string>& argv,
                                                const std::string& words,
                                                const std::string& passed_file) {
  const bool passed = !passed_file.empty() && passed_file == passed_file_argument(argv);
  for (const PathOption& o : kPathOptions)
    if (matches(words, o.words) && names_option(argv, o.option) &&
        !(passed && words == "host upgrade" && std::string(o.option) == "--package"))
      return words + " " + o.option +
             ": through the controller it would use a file of the controller's host as the "
             "service user; " +
             o.instead;
  if (words == "image import" && !passed) {
    const std::string source = first_operand(argv, words);
    if (!source.empty() && source.rfind("https://", 0) != 0)
      return "image import " + source +
             ": through the controller a local file would be read as the service user; run it on "
             "the controller's host (the socket passes the open file), import from an https:// "
             "URL, or ask the service user to import the file";
  }
  return std::nullopt;
}

}  // namespace xc
