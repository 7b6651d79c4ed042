#include "ctl/access/operator_request.h"

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/sent_files.h"
#include "ctl/access/command_policy.h"

namespace xc {
namespace {

using nlohmann::json;

// Global options of xcloudctl that take a value.
bool global_with_value(const std::string& arg) {
  return arg == "--as" || arg == "--reason" || arg == "--state";
}

bool is_known_prefix(const std::string& words) {
  for (const auto& [w, _] : command_table())
    if (w == words || (w.size() > words.size() && w.compare(0, words.size(), words) == 0 &&
                       w[words.size()] == ' '))
      return true;
  return false;
}

// Options whose value is a separate argument, so it is not an operand.
bool takes_value(const std::string& arg) {
  static const char* const kValued[] = {
      "-f",          "--file", "--filename", "--tenant",  "--to",       "--pool",
      "--bandwidth", "--as",   "--reason",   "-o",        "--output",   "--timeout",
      "--since",     "--at",   "--role",     "--os-user", "--state",    "--host",
      "--vm",        "--by",   "--limit",    "--comment", "--offering", "--size",
      "--image",     "--name", "--system",   "--resize",  "--delete"};
  for (const char* v : kValued)
    if (arg == v) return true;
  return false;
}

}  // namespace

std::string operator_request_json(const OperatorRequest& r) {
  json files = json::array();
  for (const auto& f : r.files)
    files.push_back({{"path", f.path}, {"data", base64_encode(f.data)}});
  json j = {{"argv", r.argv}, {"files", files}, {"token", r.token}};
  if (!r.login_code.empty()) j["login"] = r.login_code;
  if (!r.passed_file.empty()) j["passedFile"] = r.passed_file;
  return j.dump();
}

bool is_safe_relative_path(const std::string& path) {
  if (path.empty() || path.size() > kMaxArgBytes || path[0] == '/') return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(start, slash - start);
    if (part == ".." || part.size() > 255) return false;
    if (part.find('\0') != std::string::npos) return false;
    start = slash + 1;
  }
  return true;
}

bool is_safe_sent_path(const std::string& path) {
  if (!path.empty() && path[0] == '/')
    return path.size() > 1 && path[1] != '/' && is_safe_relative_path(path.substr(1));
  const std::string abs = kSentAbsoluteDir;
  if (path == abs || path.rfind(abs + "/", 0) == 0) return false;
  return is_safe_relative_path(path);
}

Result<OperatorRequest> parse_operator_request(const std::string& text) {
  if (text.size() > kMaxRequestBytes)
    return error(Code::kInvalidArgument,
                 "request larger than " + std::to_string(kMaxRequestBytes >> 20) + " MiB");
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("argv") || !j["argv"].is_array())
    return error(Code::kInvalidArgument, "request: expected an object with argv");
  OperatorRequest r;
  if (j["argv"].size() > kMaxRequestArgs)
    return error(Code::kInvalidArgument,
                 "request: more than " + std::to_string(kMaxRequestArgs) + " arguments");
  for (const auto& a : j["argv"]) {
    if (!a.is_string() || a.get_ref<const std::string&>().size() > kMaxArgBytes)
      return error(Code::kInvalidArgument, "request: an argument is not a string of at most " +
                                               std::to_string(kMaxArgBytes) + " bytes");
    r.argv.push_back(a.get<std::string>());
  }
  if (j.contains("files")) {
    if (!j["files"].is_array() || j["files"].size() > kMaxSentFiles)
      return error(Code::kInvalidArgument,
                   "request: files: expected at most " + std::to_string(kMaxSentFiles) + " files");
    for (const auto& f : j["files"]) {
      if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("data") ||
          !f["data"].is_string())
        return error(Code::kInvalidArgument, "request: files: expected {path, data}");
      SentFile sent;
      sent.path = f["path"].get<std::string>();
      if (!is_safe_sent_path(sent.path))
        return error(Code::kInvalidArgument,
                     "request: file \"" + sent.path.substr(0, 200) +
                         "\": name manifests without '..' (and not under .abs/) when going "
                         "through the controller");
      auto data = base64_decode(f["data"].get<std::string>());
      if (!data.ok())
        return error(Code::kInvalidArgument,
                     "request: file " + sent.path + ": " + data.status().message());
      sent.data = std::move(*data);
      r.files.push_back(std::move(sent));
    }
  }
  if (j.contains("token") && j["token"].is_string()) r.token = j["token"].get<std::string>();
  if (r.token.size() > 256) return error(Code::kInvalidArgument, "request: token too long");
  if (j.contains("login") && j["login"].is_string()) r.login_code = j["login"].get<std::string>();
  if (r.login_code.size() > 16) return error(Code::kInvalidArgument, "request: code too long");
  if (j.contains("passedFile") && j["passedFile"].is_string())
    r.passed_file = j["passedFile"].get<std::string>();
  if (r.passed_file.size() > kMaxArgBytes ||
      (!r.passed_file.empty() && r.passed_file != passed_file_argument(r.argv)))
    return error(Code::kInvalidArgument,
                 "request: passedFile: expected the command's own file argument");
  return r;
}

std::string command_words(const std::vector<std::string>& argv) {
  std::string words;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (words.empty() && global_with_value(a)) {
      ++i;
      continue;
    }
    if (!a.empty() && a[0] == '-') {
      if (words.empty()) continue;  // --no-wait, --as=V before the command
      break;
    }
    std::string next = words.empty() ? a : words + " " + a;
    if (!is_known_prefix(next)) break;
    words = next;
  }
  return words;
}

std::string option_value(const std::vector<std::string>& argv, const std::string& name) {
  for (size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == name && i + 1 < argv.size()) return argv[i + 1];
    if (argv[i].rfind(name + "=", 0) == 0) return argv[i].substr(name.size() + 1);
  }
  return "";
}

std::string first_operand(const std::vector<std::string>& argv, const std::string& words) {
  size_t skip_words =
      words.empty() ? 0 : 1 + static_cast<size_t>(std::count(words.begin(), words.end(), ' '));
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (!a.empty() && a[0] == '-') {
      if (takes_value(a)) ++i;
      continue;
    }
    if (skip_words > 0) {
      --skip_words;
      continue;
    }
    return a;
  }
  return "";
}

std::vector<std::string> file_arguments(const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if ((a == "-f" || a == "--file" || a == "--filename") && i + 1 < argv.size())
      out.push_back(argv[++i]);
    else if (a.rfind("--file=", 0) == 0)
      out.push_back(a.substr(7));
    else if (a.rfind("--filename=", 0) == 0)
      out.push_back(a.substr(11));
    else if (a.size() > 2 && a.rfind("-f", 0) == 0 && a[2] != '-')
      out.push_back(a.substr(2));
  }
  return out;
}

std::string passed_file_argument(const std::vector<std::string>& argv) {
  const std::string words = command_words(argv);
  if (words == "host upgrade") return option_value(argv, "--package");
  if (words != "image import") return "";
  std::string source = first_operand(argv, words);
  return source.find("://") == std::string::npos ? source : "";  // a URL is fetched, not passed
}

std::vector<std::string> play_path_arguments(const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  if (command_words(argv) != "play") return out;
  bool seen_play = false, seen_playbook = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--set" && i + 1 < argv.size()) {
      const std::string& set = argv[++i];
      if (size_t eq = set.find('='); eq != std::string::npos && eq + 1 < set.size())
        out.push_back(set.substr(eq + 1));
    } else if (!a.empty() && a[0] == '-') {
      if (takes_value(a)) ++i;
    } else if (!seen_play) {
      seen_play = a == "play";
    } else if (!seen_playbook) {
      seen_playbook = true;
      out.insert(out.begin(), a);
    }
  }
  return out;
}

}  // namespace xc
