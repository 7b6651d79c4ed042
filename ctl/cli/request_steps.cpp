#include "ctl/cli/request_steps.h"

#include <nlohmann/json.hpp>

#include "common/domain_spec.h"
#include "common/model_builder.h"
#include "common/printable.h"
#include "common/spelling.h"
#include "common/time.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/caller.h"
#include "ctl/cli/plan_printer.h"
#include "ctl/cli/price_caps_option.h"
#include "ctl/cli/vm_target.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/requests/request_apply.h"
#include "ctl/requests/request_manifest.h"

namespace xc {
namespace {

using nlohmann::json;

int exit_for(const Status& s) {
  switch (s.code()) {
    case Code::kInvalidArgument:
    case Code::kNotFound:
    case Code::kAlreadyExists:
      return kExitUsage;
    case Code::kPermissionDenied:
      return kExitDenied;
    default:
      return kExitFailure;
  }
}

// A requester's pending requests are bounded so no one fills the approvers'
// queue (and the state) with requests.
constexpr size_t kMaxPendingPerRequester = 50;

std::string label(const RequestRecord& r) {
  return "request " + std::to_string(r.id);
}

// One audit record of the request's life: kind Request, its tenant, its id.
Status audit_step(AuditLog& log, const AuditIdentity& who, const RequestRecord& r,
                  const std::string& action, const std::string& result,
                  const std::string& message) {
  AuditRecord a = who.record("Request", r.tenant, std::to_string(r.id), action);
  a.result = result;
  a.message = message;
  auto appended = log.append(a);
  return appended.ok() ? Status{} : appended.status();
}

// Moves `r` to the state after `event` (only from the state it was read in)
// and audits it, in one transaction.
Status transition(Store& store, AuditLog& log, const AuditIdentity& who, RequestRecord& r,
                  RequestEvent event, const std::string& message) {
  auto from = parse_request_state(r.state);
  if (!from) return error(Code::kInternal, label(r) + " has unknown state " + printable(r.state));
  auto next = next_request_state(r.id, *from, event);
  if (!next.ok()) return next.status();
  RequestRecord after = r;
  after.state = request_state_name(*next);
  after.updated_ms = system_now_ms();
  Status s = store.transact([&]() -> Status {
    if (Status u = store.update_request(after, r.state); !u.ok()) return u;
    return audit_step(log, who, after, request_event_name(event), kAuditOk, message);
  });
  if (s.ok()) r = after;
  return s;
}

// What the request does to its VM.
Result<RequestChange> change_of(Store& store, const RequestRecord& r,
                                const ServiceOfferingSpec& offering) {
  RequestChange c{r.tenant, r.vm, std::nullopt, request_owner_set(r.id)};
  if (r.action == "create") {
    auto manifest = requested_vm_manifest(r, offering);
    if (!manifest.ok()) return manifest.status();
    c.manifest = std::move(*manifest);
    return c;
  }
  auto vm = store.get_resource({"VirtualMachine", r.tenant, r.vm});
  if (!vm.ok()) return vm.status();
  c.owner_set = vm->manifest_set;
  if (r.action == "delete") return c;
  auto size = offered_size(r.offering, offering, r.size);
  if (!size.ok()) return size.status();
  json stored = json::parse(vm->spec_json, nullptr, false);
  if (!stored.is_object() || !stored.contains("manifest"))
    return error(Code::kInternal, "VirtualMachine " + r.tenant + "/" + r.vm + " has no manifest");
  c.manifest = resized_vm_manifest(stored["manifest"], *size);
  return c;
}

// Applies an approved request and records applied or failed. Takes the
// store: the apply needs it whole (plan_reconcile owns it).
void apply_approved(CliContext& ctx, std::unique_ptr<Store> store, RequestRecord r,
                    const ServiceOfferingSpec& offering, const AuditIdentity& who) {
  auto caps = load_price_caps_option("");
  auto state = resolve_state_path(ctx);
  Reconcile rec;
  rec.store = std::move(store);
  AuditLog log(*rec.store);
  Result<RequestApplied> applied = error(Code::kInternal, "not applied");
  auto change = change_of(*rec.store, r, offering);
  if (!caps.ok() || !state.ok() || !change.ok()) {
    applied = !caps.ok() ? caps.status() : !state.ok() ? state.status() : change.status();
  } else {
    rec.clients = std::make_unique<HostClients>(pki_files_for_state(*state), 4);
    LineStatus lines(ctx.out);
    applied = apply_request_change(rec, *change, log, who, lines, *caps);
  }
  RequestRecord before = r;
  r.updated_ms = system_now_ms();
  if (applied.ok()) {
    r.state = request_state_name(RequestState::kApplied);
    std::string where = applied->host.empty() ? "" : " on " + applied->host;
    Status s = rec.store->transact([&]() -> Status {
      if (Status u = rec.store->update_request(r, before.state); !u.ok()) return u;
      return audit_step(log, who, r, "applied", kAuditOk,
                        r.action + " VirtualMachine " + r.tenant + "/" + r.vm + where);
    });
    if (!s.ok())
      return request_failed(ctx, label(r) + ": applied, but not recorded: " + s.message(), 1);
    ctx.out << label(r) << " applied: " << r.action << " VirtualMachine "
            << printable(r.tenant + "/" + r.vm) << where << "\n";
    return;
  }
  std::string reason = applied.status().message();
  if (reason.size() > kMaxRequestTextBytes)
    reason = reason.substr(0, kMaxRequestTextBytes - 3) + "...";
  r.state = request_state_name(RequestState::kFailed);
  r.reason = reason;
  Status s = rec.store->transact([&]() -> Status {
    if (Status u = rec.store->update_request(r, before.state); !u.ok()) return u;
    return audit_step(log, who, r, "failed", kAuditError, reason);
  });
  if (!s.ok()) print_error(ctx, label(r) + ": failed, and not recorded: " + s.message());
  request_failed(ctx, label(r) + " failed: " + reason, kExitFailure);
}

Status check_text(const std::string& what, const std::string& value, size_t max) {
  if (value.size() > max)
    return error(Code::kInvalidArgument, what + ": at most " + std::to_string(max) +
                                             " bytes, got " + std::to_string(value.size()));
  return {};
}

// The GiB of a VM's first (root) disk as its manifest declares it.
int64_t root_disk_gib(const json& stored) {
  const json* disks = stored.is_object() ? &stored : nullptr;
  for (const char* key : {"manifest", "spec", "disks"}) {
    if (disks == nullptr || !disks->is_object() || !disks->contains(key)) return 0;
    disks = &(*disks)[key];
  }
  if (!disks->is_array() || disks->empty() || !(*disks)[0].is_object()) return 0;
  return (*disks)[0].value("sizeGiB", int64_t{0});
}

Status check_pending_count(Store& store, const std::string& requester) {
  auto all = store.list_requests(0);
  if (!all.ok()) return all.status();
  size_t pending = 0;
  for (const auto& r : *all)
    if (r.requester == requester && r.state == "pending") ++pending;
  if (pending >= kMaxPendingPerRequester)
    return error(Code::kFailedPrecondition,
                 requester + " has " + std::to_string(pending) +
                     " pending requests, the most one requester may have; cancel some or wait "
                     "for their approver");
  return {};
}

// The VM of --resize or --delete: it must have come from a request (a VM the
// manifests declare is changed by editing them).
Result<ResourceRecord> requested_vm(Store& store, const std::string& name,
                                    const std::string& tenant) {
  auto target = find_vm(store, name, tenant);
  if (!target.ok()) return target.status();
  if (target->record.manifest_set.rfind("request/", 0) != 0)
    return error(Code::kInvalidArgument, "VirtualMachine " + target->record.tenant + "/" + name +
                                             " is declared in manifests (set " +
                                             target->record.manifest_set +
                                             "); change it there, not by a request");
  return target->record;
}

}  // namespace

Result<ServiceOfferingSpec> stored_offering(Store& store, const std::string& name) {
  auto all = store.list_resources(std::string("ServiceOffering"));
  if (!all.ok()) return all.status();
  std::vector<std::string> names;
  for (const auto& r : *all) {
    names.push_back(r.name);
    if (r.name != name) continue;
    json stored = json::parse(r.spec_json, nullptr, false);
    if (!stored.is_object() || !stored.contains("manifest")) break;
    YamlDocument doc;
    doc.tree = stored["manifest"];
    Object o = build_object(doc);
    if (o.kind == Kind::kServiceOffering) return o.as<ServiceOfferingSpec>();
  }
  return error(Code::kNotFound,
               "--offering: no ServiceOffering " + printable(name) + did_you_mean(name, names));
}

void request_failed(CliContext& ctx, const std::string& message, int code) {
  print_error(ctx, message);
  ctx.exit_code = code;
}

Result<RequestActor> request_actor(CliContext& ctx, const CLI::App& cmd) {
  auto caller = caller_principal(ctx);
  if (!caller.ok()) return caller.status();
  return RequestActor{audit_identity_for(cmd).actor, *caller};
}

void run_request_create(CliContext& ctx, const CLI::App& cmd, const RequestCreateOptions& o) {
  int modes = !o.name.empty() + !o.resize.empty() + !o.remove.empty();
  if (modes != 1)
    return request_failed(
        ctx, "request create: give exactly one of --name (a new VM), --resize VM, --delete VM",
        kExitUsage);
  struct Bounded {
    const char* what;
    const std::string& value;
    size_t max;
  };
  for (const Bounded& b : {Bounded{"--comment", o.comment, kMaxRequestTextBytes},
                           Bounded{"--tenant", o.tenant, kMaxRequestTenantBytes},
                           Bounded{"--offering", o.offering, kMaxRequestNameBytes},
                           Bounded{"--size", o.size, kMaxRequestNameBytes},
                           Bounded{"--image", o.image, kMaxRequestNameBytes}})
    if (Status s = check_text(b.what, b.value, b.max); !s.ok())
      return request_failed(ctx, s.message(), kExitUsage);
  if (!o.system.empty() && !is_dns_label(o.system))
    return request_failed(ctx,
                          "--system: \"" + printable(o.system) +
                              "\": expected a lowercase DNS label (a-z, 0-9, '-', at most 63)",
                          kExitUsage);
  if (!o.name.empty() && !is_dns_label(o.name))
    return request_failed(ctx,
                          "--name: \"" + printable(o.name) +
                              "\": expected a lowercase DNS label (a-z, 0-9, '-', at most 63)",
                          kExitUsage);
  if (!o.name.empty() && (o.offering.empty() || o.size.empty() || o.image.empty()))
    return request_failed(
        ctx, "request create --name: --offering, --size and --image are needed too", kExitUsage);
  if (!o.resize.empty() && o.size.empty())
    return request_failed(ctx, "request create --resize: --size is needed too", kExitUsage);
  auto actor = request_actor(ctx, cmd);
  if (!actor.ok()) return request_failed(ctx, actor.status().message(), kExitFailure);
  auto store = open_state_for_change(ctx, cmd);
  if (!store) return;
  if (Status s = check_pending_count(*store, actor->name); !s.ok())
    return request_failed(ctx, "request create: " + s.message(), kExitFailure);

  RequestRecord r;
  r.requester = actor->name;
  r.comment = o.comment;
  r.system = o.system;
  r.created_ms = r.updated_ms = system_now_ms();
  if (!o.name.empty()) {
    r.action = "create";
    r.vm = o.name;
    r.offering = o.offering;
    r.size = o.size;
    r.image = o.image;
    r.tenant = !o.tenant.empty()  ? o.tenant
               : actor->principal ? actor->principal->tenant_scope
                                  : "";
    if (r.tenant.empty())
      return request_failed(ctx, "request create: name the tenant with --tenant", kExitUsage);
    if (!is_tenant_path(r.tenant))
      return request_failed(ctx, "--tenant: \"" + printable(r.tenant) + "\" is not a tenant path",
                            kExitUsage);
    auto existing = store->get_resource({"VirtualMachine", r.tenant, r.vm});
    if (existing.ok())
      return request_failed(
          ctx, "VirtualMachine " + printable(r.tenant + "/" + r.vm) + " already exists",
          kExitUsage);
  } else {
    r.action = o.resize.empty() ? "delete" : "resize";
    auto vm = requested_vm(*store, o.resize.empty() ? o.remove : o.resize, o.tenant);
    if (!vm.ok()) return request_failed(ctx, vm.status().message(), exit_for(vm.status()));
    r.vm = vm->name;
    r.tenant = vm->tenant;
    r.size = o.size;
    json stored = json::parse(vm->spec_json, nullptr, false);
    r.offering = o.offering;
    if (r.offering.empty() && stored.is_object())
      r.offering = stored.value(json::json_pointer("/manifest/metadata/labels/offering"), "");
  }
  auto offering = stored_offering(*store, r.offering);
  if (!offering.ok())
    return request_failed(ctx, offering.status().message(), exit_for(offering.status()));
  if (Status s = may_request(*actor, r.offering, *offering, r.tenant); !s.ok())
    return request_failed(ctx, "request create: " + s.message(), kExitDenied);
  if (r.action == "create") {
    if (Status s = check_offered_image(r.offering, *offering, r.image); !s.ok())
      return request_failed(ctx, s.message(), kExitUsage);
  }
  if (r.action != "delete") {
    auto size = offered_size(r.offering, *offering, r.size);
    if (!size.ok()) return request_failed(ctx, size.status().message(), kExitUsage);
    auto vm = store->get_resource({"VirtualMachine", r.tenant, r.vm});
    int64_t root = vm.ok() ? root_disk_gib(json::parse(vm->spec_json, nullptr, false)) : 0;
    if (r.action == "resize" && size->disk_gib < root)
      return request_failed(
          ctx,
          "--size " + printable(r.size) + ": its root disk of " + std::to_string(size->disk_gib) +
              " GiB is smaller than VirtualMachine " + printable(r.tenant + "/" + r.vm) + "'s " +
              std::to_string(root) + " GiB; disks never shrink",
          kExitUsage);
  }
  bool now = !offering->approval_required;
  std::string destroys;  // a delete's cost, shown before anything is asked or done
  if (r.action == "delete") {
    auto vm = store->get_resource({"VirtualMachine", r.tenant, r.vm});
    destroys = "destroys " + std::to_string(vm.ok() ? vm_disk_gib(*vm) : 0) + " GiB";
  }
  if (now && r.action == "delete" &&
      !confirm_destruction(ctx, "deleting VirtualMachine " + r.tenant + "/" + r.vm + " " + destroys,
                           o.yes))
    return void(ctx.exit_code = kExitFailure);

  AuditLog log(*store);
  if (Status w = log.check_writable(); !w.ok())
    return request_failed(ctx, w.message(), kExitFailure);
  AuditIdentity who = audit_identity_for(cmd);
  r.state = request_state_name(RequestState::kPending);
  Status created = store->transact([&]() -> Status {
    auto id = store->insert_request(r);
    if (!id.ok()) return id.status();
    r.id = *id;
    return audit_step(log, who, r, "create", kAuditOk,
                      r.action + " VirtualMachine " + r.tenant + "/" + r.vm + " from offering " +
                          r.offering + (r.size.empty() ? "" : ", size " + r.size));
  });
  if (!created.ok()) return request_failed(ctx, created.message(), kExitFailure);
  if (!now) {
    ctx.out << label(r) << " created: " << r.action << " VirtualMachine "
            << printable(r.tenant + "/" + r.vm) << (destroys.empty() ? "" : " (" + destroys + ")")
            << ", pending approval by a " << offering->approver << "\n";
    return;
  }
  ctx.out << label(r) << " created: " << r.action << " VirtualMachine "
          << printable(r.tenant + "/" + r.vm) << " (offering " << printable(r.offering)
          << " needs no approval)\n";
  if (Status s = transition(*store, log, who, r, RequestEvent::kApprove,
                            "offering " + r.offering + " needs no approval");
      !s.ok())
    return request_failed(ctx, s.message(), exit_for(s));
  apply_approved(ctx, std::move(store), r, *offering, who);
}

void run_request_decision(CliContext& ctx, const CLI::App& cmd, RequestEvent event,
                          const RequestDecisionOptions& o) {
  if (Status s = check_text("--comment", o.comment, kMaxRequestTextBytes); !s.ok())
    return request_failed(ctx, s.message(), kExitUsage);
  auto actor = request_actor(ctx, cmd);
  if (!actor.ok()) return request_failed(ctx, actor.status().message(), kExitFailure);
  auto store = open_state_for_change(ctx, cmd);
  if (!store) return;
  auto r = store->get_request(o.id);
  if (!r.ok()) return request_failed(ctx, r.status().message(), exit_for(r.status()));
  if (!may_see(*actor, *r))
    return request_failed(ctx, "no request " + std::to_string(o.id), kExitUsage);  // as if absent
  auto offering = stored_offering(*store, r->offering);
  Status allowed;
  if (event == RequestEvent::kCancel)
    allowed = may_cancel(*actor, *r);
  else if (!offering.ok())
    allowed = offering.status();
  else
    allowed = may_decide(*actor, *r, offering->approver.empty() ? "sysadmin" : offering->approver);
  AuditLog log(*store);
  AuditIdentity who = audit_identity_for(cmd);
  if (!allowed.ok()) {
    (void)audit_step(log, who, *r, request_event_name(event), kAuditError, allowed.message());
    return request_failed(ctx, allowed.message(), exit_for(allowed));
  }
  if (event == RequestEvent::kApprove && r->action == "delete" && r->state == "pending") {
    auto vm = store->get_resource({"VirtualMachine", r->tenant, r->vm});
    std::string what = "approving " + label(*r) + " deletes VirtualMachine " + r->tenant + "/" +
                       r->vm + ": destroys " + std::to_string(vm.ok() ? vm_disk_gib(*vm) : 0) +
                       " GiB";
    if (!confirm_destruction(ctx, what, o.yes)) return void(ctx.exit_code = kExitFailure);
  }
  r->decided_by = actor->name;
  r->decision_comment = o.comment;
  if (Status s = transition(*store, log, who, *r, event, o.comment); !s.ok())
    return request_failed(ctx, s.message(), exit_for(s));
  ctx.out << label(*r) << " " << r->state << " by " << printable(actor->name) << "\n";
  if (event == RequestEvent::kApprove) apply_approved(ctx, std::move(store), *r, *offering, who);
}

}  // namespace xc
