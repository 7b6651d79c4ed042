#include "ctl/hosts/agent_hello.h"

#include "common/build_info.h"
#include "common/printable.h"

namespace xc {
namespace {

std::string text_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Result<AgentIdentity> hello_agent(AgentTransport& transport, const std::string& host) {
  nlohmann::json request = {
      {"id", 0},
      {"method", "agent.hello"},
      {"params", {{"protocol", kProtocolVersion.text()}, {"version", build_info().version}}}};
  auto reply = transport.call(request);
  if (!reply.ok())
    return error(reply.status().code(), "host " + host + ": " + reply.status().message());
  AgentIdentity agent;
  auto failure = reply->find("error");
  if (failure != reply->end()) {
    // Agents before agent.hello answer "no such method" and speak 1.0.
    if (failure->is_object() && text_field(*failure, "code") == code_name(Code::kNotFound)) {
      agent.protocol = kProtocolBeforeHello.text();
      return agent;
    }
    std::string message = failure->is_object() ? text_field(*failure, "message") : "";
    return error(Code::kUnavailable,
                 "host " + host + ": agent.hello failed: " + printable(excerpt(message, 200)));
  }
  auto result = reply->find("result");
  if (result == reply->end() || !result->is_object() || text_field(*result, "protocol").empty())
    return error(Code::kUnavailable, "host " + host + ": agent.hello: the reply has no protocol");
  agent.version = text_field(*result, "version");
  agent.commit = text_field(*result, "commit");
  agent.arch = text_field(*result, "arch");
  agent.protocol = text_field(*result, "protocol");
  return agent;
}

Result<AgentIdentity> greet_agent(AgentTransport& transport, const std::string& host) {
  auto agent = hello_agent(transport, host);
  if (!agent.ok()) return agent;
  Status usable = check_agent_protocol(host, *agent);
  if (!usable.ok()) return error(usable.code(), "host " + host + ": " + usable.message());
  return agent;
}

}  // namespace xc
