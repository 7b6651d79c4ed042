#include "ctl/playbook/playbook_parse.h"

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "common/domain_spec.h"
#include "common/duration.h"
#include "common/label_selector.h"
#include "common/model.h"
#include "common/printable.h"
#include "common/schema_validator.h"
#include "common/sent_files.h"
#include "common/sm_crypto.h"
#include "common/spelling.h"
#include "common/yaml_document.h"
#include "ctl/playbook/playbook_vars.h"

namespace xc {
namespace {

using nlohmann::json;

// The fields each type takes beyond name and type: one row per type. A
// field marked '*' is required; `one_of` lists fields of which exactly one
// must be given.
struct StepFields {
  StepType type;
  const char* name;
  std::vector<std::string> fields;
  std::vector<std::string> one_of;
};

const std::vector<StepFields>& step_table() {
  static const std::vector<StepFields> table = {
      {StepType::kPrecheck, "precheck", {"hosts", "manifests"}, {}},
      {StepType::kMigrate, "migrate", {"vms*", "manifests*", "mode", "bandwidth"}, {}},
      {StepType::kDrain, "drain", {"host*", "manifests*", "parallel", "bandwidth"}, {}},
      {StepType::kAdopt, "adopt", {"host*", "tenant*", "dir*", "domains", "system"}, {}},
      {StepType::kApply, "apply", {"manifests*", "yes", "prune", "allowRestart"}, {}},
      {StepType::kVerify, "verify", {"tcp", "ssh", "timeout"}, {"tcp", "ssh"}},
      {StepType::kWait,
       "wait",
       {"duration", "until", "timeout", "interval"},
       {"duration", "until"}},
      {StepType::kCutover, "cutover", {"text*"}, {}},
      {StepType::kNote, "note", {"text*"}, {}},
  };
  return table;
}

constexpr std::chrono::hours kMaxWait{24};

// Reads one step's fields, substituting parameters, each error at its field.
class StepReader {
 public:
  StepReader(const YamlDocument& doc, std::string pointer,
             const std::map<std::string, std::string>& values, std::vector<Diagnostic>& errors)
      : doc_(doc), ptr_(std::move(pointer)), values_(values), errors_(errors) {}

  const json& node() const { return doc_.tree.at(json::json_pointer(ptr_)); }
  bool has(const std::string& f) const { return node().contains(f); }
  std::string at(const std::string& f) const { return pointer_child(ptr_, f); }
  void error(const std::string& pointer, const std::string& message) {
    errors_.push_back(doc_.error_at(pointer, message));
  }

  // The substituted text at `pointer` (a string by the schema).
  std::string text(const std::string& pointer, const std::string& field) {
    auto got =
        substitute_params(doc_.tree.at(json::json_pointer(pointer)).get<std::string>(), values_);
    if (!got.ok()) {
      error(pointer, "field '" + field + "': " + got.status().message());
      return "";
    }
    return *got;
  }
  std::string str(const std::string& f) { return has(f) ? text(at(f), f) : ""; }
  std::vector<std::string> list(const std::string& f) {
    std::vector<std::string> out;
    if (!has(f)) return out;
    for (size_t i = 0; i < node()[f].size(); ++i) out.push_back(text(pointer_child(at(f), i), f));
    return out;
  }
  std::chrono::seconds duration(const std::string& f, std::chrono::seconds fallback) {
    if (!has(f)) return fallback;
    auto d = parse_duration(f, str(f), kMaxWait);
    if (!d.ok()) {
      error(at(f), d.status().message() + " (at most 24h)");
      return fallback;
    }
    return *d;
  }
  void host_name(const std::string& pointer, const std::string& value) {
    if (!value.empty() && !is_dns_label(value))
      error(pointer,
            "'" + printable(excerpt(value)) + "' is not a host name (a lowercase DNS label)");
  }

  // The check at `pointer`; `alone`: it must name exactly one of tcp and ssh
  // (a verify step's own fields are counted by check_fields instead).
  StepCheck check(const std::string& pointer, bool alone) {
    StepCheck c;
    const json& n = doc_.tree.at(json::json_pointer(pointer));
    if (n.contains("tcp")) {
      c.tcp = text(pointer_child(pointer, "tcp"), "tcp");
      std::string h;
      int port = 0;
      if (!c.tcp.empty() && !split_host_port(c.tcp, h, port))
        error(pointer_child(pointer, "tcp"),
              "'" + printable(excerpt(c.tcp)) + "': expected HOST:PORT, PORT 1 to 65535");
    }
    if (n.contains("ssh")) {
      std::string sp = pointer_child(pointer, "ssh");
      const json& s = n["ssh"];
      if (s.contains("host")) c.ssh_host = text(pointer_child(sp, "host"), "host");
      if (s.contains("address")) c.ssh_address = text(pointer_child(sp, "address"), "address");
      host_name(pointer_child(sp, "host"), c.ssh_host);
      if (c.ssh_host.empty() == c.ssh_address.empty())
        error(sp, "ssh: give exactly one of 'host' (an enrolled host) and 'address'");
      for (size_t i = 0; i < s["command"].size(); ++i)
        c.ssh_command.push_back(text(pointer_child(pointer_child(sp, "command"), i), "command"));
    }
    if (alone && n.contains("tcp") == n.contains("ssh"))
      error(pointer, "give exactly one check: 'tcp' or 'ssh'");
    return c;
  }

 private:
  const YamlDocument& doc_;
  std::string ptr_;
  const std::map<std::string, std::string>& values_;
  std::vector<Diagnostic>& errors_;
};

// The fields of `row` present and missing, as errors at the step.
void check_fields(StepReader& r, const StepFields& row, const std::string& pointer) {
  std::set<std::string> allowed = {"name", "type"};
  for (std::string f : row.fields) {
    bool required = f.back() == '*';
    if (required) f.pop_back();
    allowed.insert(f);
    if (required && !r.has(f))
      r.error(pointer, std::string("a ") + row.name + " step needs '" + f + "'");
  }
  for (const auto& [key, _] : r.node().items())
    if (!allowed.count(key))
      r.error(r.at(key), "field '" + key + "' is not used by a " + row.name + " step");
  if (!row.one_of.empty()) {
    int given = 0;
    for (const auto& f : row.one_of) given += r.has(f);
    if (given != 1)
      r.error(pointer, std::string("a ") + row.name + " step needs exactly one of '" +
                           row.one_of[0] + "' and '" + row.one_of[1] + "'");
  }
}

PlaybookStep read_step(const YamlDocument& doc, const std::string& pointer,
                       const std::map<std::string, std::string>& values,
                       std::vector<Diagnostic>& errors) {
  StepReader r(doc, pointer, values, errors);
  PlaybookStep s;
  s.pos = doc.position(pointer);
  s.name = r.str("name");
  const std::string type = r.node()["type"].get<std::string>();
  const StepFields* row = nullptr;
  for (const auto& t : step_table())
    if (type == t.name) row = &t;
  if (row == nullptr) return s;  // the schema reported it
  s.type = row->type;
  check_fields(r, *row, pointer);

  s.text = r.str("text");
  s.host = r.str("host");
  r.host_name(r.at("host"), s.host);
  s.hosts = r.list("hosts");
  for (size_t i = 0; i < s.hosts.size(); ++i)
    r.host_name(pointer_child(r.at("hosts"), i), s.hosts[i]);
  s.manifests = r.str("manifests");
  if (r.has("manifests") && (s.manifests.empty() || s.manifests == "-"))
    r.error(r.at("manifests"), "field 'manifests': expected a file or folder");
  s.vms = r.str("vms");
  if (r.has("vms")) {
    auto sel = LabelSelector::parse(s.vms);
    if (!sel.ok())
      r.error(r.at("vms"), "field 'vms': " + sel.status().message());
    else if (sel->empty())
      r.error(r.at("vms"), "field 'vms': an empty selector would move every VM");
  }
  s.tenant = r.str("tenant");
  if (r.has("tenant") && !is_tenant_path(s.tenant))
    r.error(r.at("tenant"), "'" + printable(excerpt(s.tenant)) + "' is not a tenant path");
  s.system = r.str("system");
  if (r.has("system") && !is_dns_label(s.system))
    r.error(r.at("system"), "'" + printable(excerpt(s.system)) + "' is not a system name");
  s.dir = r.str("dir");
  s.domains = r.list("domains");
  for (size_t i = 0; i < s.domains.size(); ++i)
    if (Status ok = check_param_value("domain", s.domains[i]); !ok.ok() || s.domains[i].empty())
      r.error(pointer_child(r.at("domains"), i),
              "'" + printable(excerpt(s.domains[i])) + "' is not a domain name");
  if (r.has("mode")) s.mode = r.node()["mode"].get<std::string>();
  if (r.has("bandwidth")) s.bandwidth_mib = r.node()["bandwidth"].get<int64_t>();
  if (r.has("parallel")) s.parallel = r.node()["parallel"].get<int>();
  if (r.has("yes")) s.yes = r.node()["yes"].get<bool>();
  if (r.has("prune")) s.prune = r.node()["prune"].get<bool>();
  if (r.has("allowRestart")) s.allow_restart = r.node()["allowRestart"].get<bool>();
  if (s.type == StepType::kVerify) s.check = r.check(pointer, false);
  if (r.has("until")) s.check = r.check(r.at("until"), true);
  s.duration = r.duration("duration", std::chrono::seconds(0));
  s.timeout = r.duration(
      "timeout", s.type == StepType::kWait ? std::chrono::seconds(300) : std::chrono::seconds(10));
  s.interval = r.duration("interval", std::chrono::seconds(2));
  if (s.interval.count() < 1) r.error(r.at("interval"), "field 'interval': at least 1s");
  return s;
}

// Declared parameters with their values: --set, else the default.
std::map<std::string, std::string> param_values(const YamlDocument& doc,
                                                const std::map<std::string, std::string>& set,
                                                std::vector<Diagnostic>& errors) {
  std::map<std::string, std::string> out;
  json params = doc.tree["spec"].value("params", json::object());
  std::vector<std::string> names;
  for (const auto& [name, p] : params.items()) {
    names.push_back(name);
    std::string pointer = pointer_child("/spec/params", name);
    if (!is_param_name(name)) {
      errors.push_back(doc.error_at_key(
          pointer, "parameter '" + printable(excerpt(name)) +
                       "': expected a letter, then letters, digits or _ (32 at most)"));
      continue;
    }
    auto given = set.find(name);
    if (given != set.end()) {
      out[name] = given->second;
    } else if (p.contains("default")) {
      out[name] = p["default"].get<std::string>();
      if (Status ok = check_param_value("default", out[name]); !ok.ok())
        errors.push_back(doc.error_at(pointer_child(pointer, "default"), ok.message()));
    } else {
      errors.push_back(doc.error_at_key(
          pointer,
          "parameter '" + name + "' has no default: give it with --set " + name + "=VALUE"));
    }
  }
  for (const auto& [name, _] : set)
    if (!params.contains(name))
      errors.push_back(doc.error_at("/spec", "--set " + name + ": the playbook has no parameter '" +
                                                 name + "'" + did_you_mean(name, names)));
  return out;
}

}  // namespace

const char* step_type_name(StepType type) {
  for (const auto& t : step_table())
    if (t.type == type) return t.name;
  return "?";
}

bool split_host_port(const std::string& text, std::string& host, int& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = text.substr(0, colon);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string p = text.substr(colon + 1);
  if (host.empty() || p.empty() || p.size() > 5 ||
      p.find_first_not_of("0123456789") != std::string::npos)
    return false;
  port = std::stoi(p);
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':'))
      return false;
  return port >= 1 && port <= 65535;
}

std::string StepCheck::describe() const {
  if (!tcp.empty()) return "tcp " + tcp + " accepts a connection";
  std::string argv;
  for (const auto& a : ssh_command) argv += (argv.empty() ? "" : " ") + a;
  return "ssh " + (ssh_host.empty() ? ssh_address : ssh_host) + ": '" + argv + "' exits 0";
}

PlaybookParse parse_playbook(std::string_view text, const std::string& file,
                             const std::map<std::string, std::string>& values) {
  PlaybookParse out;
  YamlParse yaml = parse_yaml(text, file);
  if (!yaml.errors.empty()) {
    out.errors = yaml.errors;
    return out;
  }
  if (yaml.documents.size() != 1) {
    out.errors.push_back(
        yaml.documents.empty()
            ? Diagnostic{file, {}, "the file holds no playbook", ""}
            : yaml.documents[1].error_at("", "a playbook file holds one document"));
    return out;
  }
  const YamlDocument& doc = yaml.documents[0];
  if (!doc.tree.is_object() || doc.tree.value("kind", json()) != "Playbook") {
    out.errors.push_back(
        doc.error_at(doc.tree.is_object() && doc.tree.contains("kind") ? "/kind" : "",
                     "expected kind: Playbook"));
    return out;
  }
  if (doc.tree.value("apiVersion", json()) != kApiVersion)
    out.errors.push_back(
        doc.error_at("/apiVersion", std::string("expected apiVersion: ") + kApiVersion));
  static const SchemaValidator validator({"Playbook"});
  if (!validator.validate_schema(doc, "Playbook", out.errors) || !out.errors.empty()) return out;

  Playbook pb;
  pb.file = file;
  pb.name = doc.tree["metadata"]["name"].get<std::string>();
  pb.description = doc.tree["metadata"].value("description", std::string());
  std::map<std::string, std::string> all = param_values(doc, values, out.errors);
  pb.values.assign(all.begin(), all.end());
  if (!out.errors.empty()) return out;  // steps would only repeat a missing parameter
  std::set<std::string> names;
  const json& steps = doc.tree["spec"]["steps"];
  for (size_t i = 0; i < steps.size(); ++i) {
    std::string pointer = pointer_child("/spec/steps", i);
    PlaybookStep s = read_step(doc, pointer, all, out.errors);
    if (!s.name.empty() && !names.insert(s.name).second)
      out.errors.push_back(doc.error_at(pointer_child(pointer, "name"),
                                        "step name '" + printable(s.name) + "' is used twice"));
    if (s.name.empty() || !is_printable(s.name))
      out.errors.push_back(
          doc.error_at(pointer_child(pointer, "name"), "a step's name must be printable text"));
    pb.steps.push_back(std::move(s));
  }
  if (!out.errors.empty()) {
    sort_diagnostics(out.errors);
    return out;
  }
  auto digest = sm3(text);
  if (!digest.ok()) {
    out.errors.push_back({file, {}, digest.status().message(), ""});
    return out;
  }
  pb.digest = to_hex(as_bytes(*digest));
  out.playbook = std::move(pb);
  return out;
}

PlaybookParse load_playbook(const std::string& file,
                            const std::map<std::string, std::string>& values) {
  std::ifstream in(readable_path(file), std::ios::binary);  // sent with the command
  if (!in) return {std::nullopt, {{file, {}, "cannot read the playbook", ""}}};
  std::string text(kMaxPlaybookBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxPlaybookBytes)
    return {std::nullopt,
            {{file,
              {},
              "the playbook is larger than " + std::to_string(kMaxPlaybookBytes) + " bytes",
              ""}}};
  return parse_playbook(text, file, values);
}

}  // namespace xc
