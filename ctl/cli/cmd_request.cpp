// xcloudctl request create|list|show|approve|reject|cancel: the wiring, and
// the two reads. The changes are in request_steps.cpp.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/printable.h"
#include "common/time.h"
#include "ctl/cli/caller.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/request_commands.h"
#include "ctl/cli/request_steps.h"
#include "ctl/cli/table.h"
#include "ctl/store/store.h"

namespace xc {
namespace {

using nlohmann::json;

json request_json(const RequestRecord& r) {
  return {{"id", r.id},
          {"action", r.action},
          {"state", r.state},
          {"offering", r.offering},
          {"tenant", r.tenant},
          {"vm", r.vm},
          {"system", r.system},
          {"size", r.size},
          {"image", r.image},
          {"requester", r.requester},
          {"decidedBy", r.decided_by},
          {"comment", r.comment},
          {"decisionComment", r.decision_comment},
          {"reason", r.reason},
          {"created", format_time_ms(r.created_ms)},
          {"updated", format_time_ms(r.updated_ms)}};
}

std::string dash(const std::string& s) {
  return s.empty() ? "-" : s;
}

struct ListOptions {
  std::string output = "table", state, tenant;
};

void run_list(CliContext& ctx, const CLI::App& cmd, const ListOptions& o) {
  auto actor = request_actor(ctx, cmd);
  if (!actor.ok()) return request_failed(ctx, actor.status().message(), kExitFailure);
  if (!o.state.empty() && !parse_request_state(o.state))
    return request_failed(
        ctx, "--state: expected pending, approved, applied, failed, rejected or cancelled",
        kExitUsage);
  auto store = open_state_store(ctx);
  if (!store) return;
  auto all = store->list_requests(0);
  if (!all.ok()) return request_failed(ctx, all.status().message(), kExitFailure);
  json out = json::array();
  bool wide = o.output == "wide";
  std::vector<std::string> headers = {"ID", "STATE", "ACTION",    "TENANT",
                                      "VM", "SIZE",  "REQUESTER", "DECIDED BY"};
  if (wide) headers.insert(headers.end(), {"OFFERING", "IMAGE", "CREATED", "REASON"});
  Table table(headers);
  for (const auto& r : *all) {
    if (!may_see(*actor, r)) continue;
    if (!o.state.empty() && r.state != o.state) continue;
    if (!o.tenant.empty() && !tenant_in_scope(r.tenant, o.tenant)) continue;
    out.push_back(request_json(r));
    std::vector<std::string> row = {
        std::to_string(r.id), r.state,     r.action,          r.tenant, r.vm,
        dash(r.size),         r.requester, dash(r.decided_by)};
    if (wide)
      row.insert(row.end(),
                 {r.offering, dash(r.image), format_time_ms(r.created_ms), dash(r.reason)});
    table.add(row);
  }
  if (o.output == "json")
    ctx.out << json_text(out) << "\n";
  else if (o.output == "yaml")
    ctx.out << json_to_yaml(out);
  else
    table.print(ctx.out);
}

void run_show(CliContext& ctx, const CLI::App& cmd, int64_t id, const std::string& output) {
  auto actor = request_actor(ctx, cmd);
  if (!actor.ok()) return request_failed(ctx, actor.status().message(), kExitFailure);
  auto store = open_state_store(ctx);
  if (!store) return;
  auto r = store->get_request(id);
  if (r.ok() && !may_see(*actor, *r))
    r = error(Code::kNotFound, "no request " + std::to_string(id));
  if (!r.ok())
    return request_failed(ctx, r.status().message(),
                          r.status().code() == Code::kNotFound ? kExitUsage : kExitFailure);
  json j = request_json(*r);
  if (output == "json") return void(ctx.out << json_text(j) << "\n");
  if (output == "yaml") return void(ctx.out << json_to_yaml(j));
  for (const char* key :
       {"id", "state", "action", "offering", "tenant", "vm", "system", "size", "image", "requester",
        "decidedBy", "comment", "decisionComment", "reason", "created", "updated"}) {
    std::string value = j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
    ctx.out << key << ": " << printable(value) << "\n";
  }
}

}  // namespace

void add_request_command(CLI::App& app, CliContext& ctx) {
  auto* request = app.add_subcommand("request", "Ask for VMs from service offerings; approve them");
  request->require_subcommand(1);
  request->footer(
      "Examples:\n"
      "  xcloudctl request create --offering edu-standard --size small --image uos-20 "
      "--name web-9\n"
      "  xcloudctl request approve 7 --comment 'CHG-12'\n\n"
      "States: pending -> approved -> applied | failed; pending -> rejected | cancelled.\n"
      "Exit status: 0 done, 1 failed (the request is marked failed with the reason), 2 usage,\n"
      "77 not allowed (the requester never approves their own request).");

  auto create = std::make_shared<RequestCreateOptions>();
  auto* c = request->add_subcommand("create", "Request a new VM, or a resize or delete of one");
  c->add_option("--offering", create->offering, "ServiceOffering to request from");
  c->add_option("--size", create->size, "One of the offering's sizes");
  c->add_option("--image", create->image, "One of the offering's images");
  c->add_option("--name", create->name, "Name of the new VM");
  c->add_option("--system", create->system, "The VM's business system (its system label)");
  c->add_option("--tenant", create->tenant, "Tenant of the VM (default: your own)");
  c->add_option("--resize", create->resize, "Resize this VM (made by a request) to --size");
  c->add_option("--delete", create->remove, "Delete this VM (made by a request)");
  c->add_option("--comment", create->comment, "Why (at most 1024 bytes)");
  c->add_flag("--yes,-y", create->yes, "A delete that needs no approval: destroy without asking");
  c->footer(
      "Examples:\n"
      "  xcloudctl request create --offering edu-standard --size small --image uos-20 "
      "--name web-9 --system edu-portal\n"
      "  xcloudctl request create --resize web-9 --size large\n"
      "  xcloudctl request create --delete web-9\n\n"
      "With approval: none the request is applied at once, as apply would (quota, addresses,\n"
      "placement); else it waits for the offering's approver.");
  c->callback([&ctx, create, c] { run_request_create(ctx, *c, *create); });

  auto list = std::make_shared<ListOptions>();
  auto* l =
      request->add_subcommand("list", "Requests, newest last (tenant roles: their own tenant)");
  l->add_option("--state", list->state, "Only requests in this state");
  l->add_option("--tenant", list->tenant, "Only requests of this tenant subtree");
  add_output_option(*l, list->output, {"table", "wide", "json", "yaml"});
  l->footer("Example:\n  xcloudctl request list --state pending -o wide");
  l->callback([&ctx, list, l] { run_list(ctx, *l, *list); });

  auto show_id = std::make_shared<int64_t>(0);
  auto show_output = std::make_shared<std::string>("table");
  auto* s = request->add_subcommand("show", "One request and where it stands");
  s->add_option("ID", *show_id, "The request's number")->required();
  add_output_option(*s, *show_output, {"table", "json", "yaml"});
  s->footer("Example:\n  xcloudctl request show 7 -o yaml");
  s->callback([&ctx, show_id, show_output, s] { run_show(ctx, *s, *show_id, *show_output); });

  struct Verb {
    const char* name;
    const char* help;
    const char* example;
    RequestEvent event;
  };
  for (const Verb& d :
       {Verb{"approve", "Approve a pending request (the offering's approver) and apply it",
             "xcloudctl request approve 7 --comment CHG-12", RequestEvent::kApprove},
        Verb{"reject", "Reject a pending request (the offering's approver)",
             "xcloudctl request reject 7 --comment 'use size small'", RequestEvent::kReject},
        Verb{"cancel", "Cancel your own pending request", "xcloudctl request cancel 7",
             RequestEvent::kCancel}}) {
    auto opts = std::make_shared<RequestDecisionOptions>();
    auto* cmd = request->add_subcommand(d.name, d.help);
    cmd->add_option("ID", opts->id, "The request's number")->required();
    cmd->add_option("--comment", opts->comment, "Why (at most 1024 bytes)");
    if (d.event == RequestEvent::kApprove)
      cmd->add_flag("--yes,-y", opts->yes, "Approve a delete without asking (destroys its disks)");
    cmd->footer(std::string("Example:\n  ") + d.example +
                "\n\nThe requester may not approve or reject their own request.");
    RequestEvent event = d.event;
    cmd->callback([&ctx, opts, cmd, event] { run_request_decision(ctx, *cmd, event, *opts); });
  }
}

}  // namespace xc
