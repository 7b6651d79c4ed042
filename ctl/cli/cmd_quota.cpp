// xcloudctl quota: each tenant's quotas and usage as a tree (use / limit /
// percent per resource, rolled up), from the manifests given with -f or
// else from the state store. Tenants above 80% of a limit stand out on a
// terminal.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>

#include "common/printable.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/known_names.h"
#include "ctl/cli/price_caps_option.h"
#include "ctl/cli/table.h"
#include "ctl/reconcile/quota.h"
#include "ctl/report/csv.h"

namespace xc {

void add_quota_command(CLI::App& app, CliContext& ctx);

namespace {

using nlohmann::json;

struct QuotaOptions {
  std::string tenant;
  std::vector<std::string> paths;
  std::string caps_file;
  std::string format;
};

struct Row {
  std::string tenant;
  std::string display_name;
  int depth = 0;
  bool known = false;  // a Tenant object exists
  std::map<std::string, int64_t> used;
  std::map<std::string, int64_t> limits;
  bool above = false;  // above 80% of some limit
};

// Sorts "a/b" right after "a" (before "a-x"): '/' becomes the lowest byte.
std::string tree_key(std::string tenant) {
  for (char& c : tenant)
    if (c == '/') c = '\x01';
  return tenant;
}

int depth_of(const std::string& tenant) {
  return static_cast<int>(std::count(tenant.begin(), tenant.end(), '/'));
}

bool above_threshold(int64_t used, int64_t limit) {
  return used * 100 > limit * 80;
}

json percent_json(int64_t used, int64_t limit) {
  if (limit == 0) return used == 0 ? json(0) : json(nullptr);
  return used * 100 / limit;
}

std::string percent_text(int64_t used, int64_t limit) {
  if (limit == 0) return used == 0 ? "0%" : "-";
  return std::to_string(used * 100 / limit) + "%";
}

std::string column_title(const std::string& resource) {
  static const std::map<std::string, std::string> kTitles = {{"vcpu", "VCPU"},
                                                             {"memoryGiB", "MEMORY GiB"},
                                                             {"storageGiB.normal", "NORMAL GiB"},
                                                             {"storageGiB.high", "HIGH GiB"},
                                                             {kSnapshotsResource, "SNAPSHOTS GiB"},
                                                             {"vms", "VMS"},
                                                             {"networks", "NETWORKS"}};
  auto it = kTitles.find(resource);
  if (it != kTitles.end()) return it->second;
  std::string type = resource.rfind("accelerators.", 0) == 0 ? resource.substr(13) : resource;
  for (char& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return type;
}

bool stdout_is_terminal(const CliContext& ctx) {
  const char* term = std::getenv("TERM");
  return &ctx.out == &std::cout && isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr &&
         !(term && std::string(term) == "dumb");
}

void print_table(CliContext& ctx, const std::vector<Row>& rows,
                 const std::vector<std::string>& resources) {
  std::vector<std::string> headers = {"TENANT", "DISPLAY NAME"};
  for (const auto& r : resources) headers.push_back(column_title(r));
  Table table(headers);
  for (const Row& row : rows) {
    std::vector<std::string> cells = {
        std::string(2 * row.depth, ' ') +
            (row.depth == 0 ? row.tenant : row.tenant.substr(row.tenant.rfind('/') + 1)),
        row.display_name.empty() ? "-" : row.display_name};
    for (const auto& r : resources) {
      auto u = row.used.find(r);
      int64_t used = u == row.used.end() ? 0 : u->second;
      auto l = row.limits.find(r);
      cells.push_back(l == row.limits.end()
                          ? std::to_string(used) + "/-"
                          : std::to_string(used) + "/" + std::to_string(l->second) + " " +
                                percent_text(used, l->second));
    }
    table.add(cells);
  }
  std::ostringstream text;
  table.print(text);
  bool color = stdout_is_terminal(ctx);
  std::istringstream lines(text.str());
  std::string line;
  for (size_t i = 0; std::getline(lines, line); ++i) {
    bool mark = color && i > 0 && rows[i - 1].above;
    ctx.out << (mark ? "\033[1;33m" + line + "\033[0m" : line) << "\n";
  }
}

json rows_json(const std::vector<Row>& rows, const std::vector<std::string>& resources) {
  json items = json::array();
  for (const Row& row : rows) {
    json res = json::object();
    for (const auto& r : resources) {
      auto u = row.used.find(r);
      int64_t used = u == row.used.end() ? 0 : u->second;
      auto l = row.limits.find(r);
      json entry = {{"used", used}, {"limit", nullptr}, {"percent", nullptr}};
      if (l != row.limits.end()) {
        entry["limit"] = l->second;
        entry["percent"] = percent_json(used, l->second);
      }
      res[r] = entry;
    }
    items.push_back({{"tenant", row.tenant},
                     {"displayName", row.display_name},
                     {"parent", parent_tenant(row.tenant)},
                     {"aboveThreshold", row.above},
                     {"resources", res}});
  }
  return items;
}

void print_csv(CliContext& ctx, const std::vector<Row>& rows,
               const std::vector<std::string>& resources) {
  ctx.out << kCsvBom << "TENANT,DISPLAY NAME,RESOURCE,USED,LIMIT,PERCENT\r\n";
  for (const Row& row : rows) {
    for (const auto& r : resources) {
      auto u = row.used.find(r);
      int64_t used = u == row.used.end() ? 0 : u->second;
      auto l = row.limits.find(r);
      if (used == 0 && l == row.limits.end() && r.rfind("accelerators.", 0) == 0) continue;
      std::string limit = l == row.limits.end() ? "" : std::to_string(l->second);
      std::string percent = l == row.limits.end() ? "" : percent_text(used, l->second);
      if (percent == "-") percent.clear();
      ctx.out << csv_field(row.tenant) << "," << csv_field(row.display_name) << "," << r << ","
              << used << "," << limit << ","
              << (percent.empty() ? "" : percent.substr(0, percent.size() - 1)) << "\r\n";
    }
  }
}

void run_quota(CliContext& ctx, const QuotaOptions& o) {
  std::vector<TenantQuota> tenants;
  Allocations allocations;
  std::vector<std::string> warnings;
  ManifestSet set;  // kept alive while `desired` points into it
  if (!o.paths.empty()) {
    auto caps = load_price_caps_option(o.caps_file);
    if (!caps.ok()) {
      print_error(ctx, caps.status().message());
      ctx.exit_code = kExitUsage;
      return;
    }
    set = load_manifest_set(o.paths, *caps);
    if (!set.ok()) {
      for (const auto& d : set.errors) ctx.err << format_diagnostic(d) << "\n";
      ctx.err << set.errors.size() << " error(s)\n";
      ctx.exit_code = kExitUsage;
      return;
    }
    auto desired = build_desired_state(set);
    if (!desired.ok()) {
      print_error(ctx, desired.status().message());
      ctx.exit_code = kExitUsage;
      return;
    }
    tenants = manifest_tenants(set);
    allocations = desired_allocations(*desired);
  } else {
    auto store = open_state_store(ctx);
    if (!store) return;
    auto stored = stored_tenants(*store);
    auto allocs =
        stored.ok() ? stored_allocations(*store, &warnings) : Result<Allocations>(stored.status());
    if (!allocs.ok()) {
      print_error(ctx, allocs.status().message());
      ctx.exit_code = kExitFailure;
      return;
    }
    tenants = std::move(*stored);
    allocations = std::move(*allocs);
  }
  for (const auto& w : warnings) ctx.err << "warning: not counted: " << w << "\n";

  UsageMap usage = roll_up(own_usage(allocations));
  std::map<std::string, Row> by_key;  // tree order
  auto in_scope = [&](const std::string& t) {
    return o.tenant.empty() || t == o.tenant || t.rfind(o.tenant + "/", 0) == 0;
  };
  int base = o.tenant.empty() ? 0 : depth_of(o.tenant);
  auto row_for = [&](const std::string& t) -> Row& {
    Row& row = by_key[tree_key(t)];
    row.tenant = t;
    row.depth = depth_of(t) - base;
    return row;
  };
  for (const auto& t : tenants) {
    if (!in_scope(t.tenant)) continue;
    Row& row = row_for(t.tenant);
    row.known = true;
    row.display_name = t.display_name;
    for (const auto& [resource, limit] : quota_limits(t.quota)) row.limits[resource] = limit;
  }
  for (const auto& [t, u] : usage) {
    if (!in_scope(t)) continue;
    row_for(t).used = u.used;
  }
  if (!o.tenant.empty() && by_key.empty()) {
    std::vector<std::string> known;
    for (const auto& t : tenants) known.push_back(t.tenant);
    print_error(ctx, check_known("tenant", o.tenant, known).message());
    ctx.exit_code = kExitUsage;
    return;
  }

  std::vector<std::string> resources = {
      "vcpu", "memoryGiB", "storageGiB.normal", "storageGiB.high", kSnapshotsResource,
      "vms",  "networks"};
  std::vector<Row> rows;
  for (auto& [key, row] : by_key) {
    for (const auto& [r, amount] : row.used)
      if (r.rfind("accelerators.", 0) == 0) resources.push_back(r);
    for (const auto& [r, limit] : row.limits) {
      if (r.rfind("accelerators.", 0) == 0) resources.push_back(r);
      auto u = row.used.find(r);
      if (above_threshold(u == row.used.end() ? 0 : u->second, limit)) row.above = true;
    }
    rows.push_back(row);
  }
  resources = quota_resource_order(resources);

  if (o.format == "json")
    ctx.out << json_text(rows_json(rows, resources)) << "\n";
  else if (o.format == "yaml")
    ctx.out << json_to_yaml(rows_json(rows, resources));
  else if (o.format == "csv")
    print_csv(ctx, rows, resources);
  else if (rows.empty())
    ctx.err << "No tenants found.\n";
  else
    print_table(ctx, rows, resources);
}

}  // namespace

void add_quota_command(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<QuotaOptions>();
  auto* cmd =
      app.add_subcommand("quota", "Show each tenant's quotas and usage, rolled up the tenant tree");
  cmd->footer(
      "Usage counts allocated resources (stopped VMs hold theirs) and includes every "
      "sub-tenant's.\n"
      "Each cell is use/limit and percent; '-' means no limit. Tenants above 80% of a limit\n"
      "are highlighted on a terminal. Without -f the state store is read.\n"
      "A snapshot holds its VM's disks' size in their tiers: SNAPSHOTS GiB is the part of\n"
      "NORMAL GiB and HIGH GiB that snapshots hold (shown, never limited on its own).\n\n"
      "Examples:\n  xcloudctl quota\n  xcloudctl quota education -o json\n"
      "  xcloudctl quota -f examples/cloud -o csv > quota.csv");
  cmd->add_option("TENANT", o->tenant, "Only this tenant and its sub-tenants");
  cmd->add_option("-f,--filename", o->paths,
                  "Manifest file or folder to count instead of the store (repeatable)")
      ->allow_extra_args(false);
  add_price_caps_option(*cmd, o->caps_file);
  add_output_option(*cmd, o->format, {"table", "json", "yaml", "csv"});
  cmd->callback([&ctx, o] { run_quota(ctx, *o); });
}

}  // namespace xc
