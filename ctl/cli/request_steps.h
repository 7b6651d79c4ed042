// The steps of `xcloudctl request` that change the state: each moves the
// request through the state machine (ctl/requests/request_rules.h), writes
// it and its audit record (kind Request, name the request's id, actor the
// operator), and an approved request is applied at once. Prints progress
// and sets the exit code. One run per process.
#pragma once

#include <string>

#include "ctl/cli/cli.h"
#include "ctl/requests/request_rules.h"

namespace xc {

struct RequestCreateOptions {
  std::string offering, size, image, name, system, tenant, resize, remove, comment;
  bool yes = false;
};

struct RequestDecisionOptions {
  int64_t id = 0;
  std::string comment;
  bool yes = false;  // consent for an approved delete
};

void run_request_create(CliContext& ctx, const CLI::App& cmd, const RequestCreateOptions& o);
// kApprove, kReject or kCancel.
void run_request_decision(CliContext& ctx, const CLI::App& cmd, RequestEvent event,
                          const RequestDecisionOptions& o);

// The ServiceOffering the state records under `name`, or kNotFound with a
// "did you mean".
Result<ServiceOfferingSpec> stored_offering(Store& store, const std::string& name);

// Prints "xcloudctl: MESSAGE" and sets the exit code.
void request_failed(CliContext& ctx, const std::string& message, int code);

// Who runs this command: the operator (XCLOUD_CALLER) or the service user.
Result<RequestActor> request_actor(CliContext& ctx, const CLI::App& cmd);

}  // namespace xc
