// xcloudctl validate: check manifests without touching any host.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/manifest_validator.h"
#include "common/printable.h"
#include "ctl/billing/price_list_checks.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/price_caps_option.h"
#include "ctl/reconcile/desired_state.h"
#include "ctl/reconcile/quota.h"
#include "ctl/store/store.h"

namespace xc {

void add_validate_command(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "validate", "Check manifests against the schemas and each other; print every error");
  cmd->footer(
      "Example:\n  xcloudctl validate -f examples/ -f extra.yaml\n\n"
      "The set's own totals (its VMs, Volumes and Networks) are checked against its Tenants'\n"
      "quotas, rolled up the tenant tree; diff and apply also count what the state holds.\n"
      "A disk shrink can only be seen against the state: diff and apply refuse it.\n\n"
      "When the state database exists (--state, XCLOUD_STATE), PriceLists are also checked\n"
      "against it: one may not price a closed month, and must price every item in use.\n\n"
      "Exit status: 0 valid, 2 errors found (each printed as FILE:LINE:COL: error: MESSAGE),\n"
      "1 the state database cannot be read.");
  struct Options {
    std::vector<std::string> paths;
    std::string format;
    std::string caps_file;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("-f,--filename", opts->paths, "Manifest file or folder (repeatable; - for stdin)")
      ->required();
  add_output_option(*cmd, opts->format, {"text", "json"});
  add_price_caps_option(*cmd, opts->caps_file);
  cmd->callback([&ctx, opts] {
    auto caps = load_price_caps_option(opts->caps_file);
    if (!caps.ok()) {
      print_error(ctx, caps.status().message());
      ctx.exit_code = kExitUsage;
      return;
    }
    ManifestSet set = load_manifest_set(opts->paths, *caps);
    // The set's own totals against its tenants' quotas (no hosts needed).
    if (set.ok()) {
      auto desired = build_desired_state(set);
      if (desired.ok()) {
        auto over = manifest_quota_errors(set, *desired);
        set.errors.insert(set.errors.end(), over.begin(), over.end());
        sort_diagnostics(set.errors);
      }
    }
    // PriceLists against closed months and items in use: known only when
    // the state database exists (and this user may read it).
    auto state = resolve_state_path(ctx);
    std::error_code unreadable;
    if (state.ok() && std::filesystem::exists(*state, unreadable)) {
      auto store = open_store(*state, OpenMode::kRead);
      auto found = store.ok() ? check_price_lists(**store, set)
                              : Result<std::vector<Diagnostic>>(store.status());
      if (!found.ok()) {
        print_error(ctx, found.status().message());
        ctx.exit_code = kExitFailure;
        return;
      }
      set.errors.insert(set.errors.end(), found->begin(), found->end());
      sort_diagnostics(set.errors);
    }
    if (opts->format == "json") {
      ctx.out << json_text(diagnostics_to_json(set.errors)) << "\n";
    } else {
      for (const auto& d : set.errors) ctx.err << format_diagnostic(d) << "\n";
      if (set.ok())
        ctx.out << "valid: " << set.objects.size() << " objects\n";
      else
        ctx.err << set.errors.size() << " error(s)\n";
    }
    ctx.exit_code = set.ok() ? kExitOk : kExitUsage;
  });
}

}  // namespace xc
