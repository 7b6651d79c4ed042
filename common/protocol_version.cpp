#include "common/protocol_version.h"

#include <charconv>
#include <string_view>

#include "common/build_info.h"
#include "common/printable.h"

namespace xc {
namespace {

std::optional<int> small_number(std::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string ProtocolVersion::text() const {
  return std::to_string(major) + "." + std::to_string(minor);
}

std::optional<ProtocolVersion> parse_protocol_version(const std::string& text) {
  size_t dot = text.find('.');
  if (dot == std::string::npos) return std::nullopt;
  auto major = small_number(std::string_view(text).substr(0, dot));
  auto minor = small_number(std::string_view(text).substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  return ProtocolVersion{*major, *minor};
}

Status check_agent_protocol(const std::string& host, const AgentIdentity& agent,
                            ProtocolVersion controller) {
  auto spoken = parse_protocol_version(agent.protocol);
  ProtocolVersion oldest{controller.major, controller.minor > 0 ? controller.minor - 1 : 0};
  if (spoken && spoken->major == controller.major && *spoken >= oldest) return {};

  const std::string& ours = build_info().version;
  std::string who =
      "agent" + (agent.version.empty() ? "" : " " + printable(excerpt(agent.version)));
  std::string message = who + " speaks protocol " + printable(excerpt(agent.protocol, 16)) +
                        "; xcloudctl " + ours + " speaks protocol " + controller.text() +
                        " and talks to agents of protocol " + oldest.text() + " to " +
                        std::to_string(controller.major) + ".x: ";
  bool agent_newer = spoken && spoken->major > controller.major;
  if (agent_newer) {
    message += "upgrade xcloudctl to the agent's version" +
               (agent.version.empty() ? "" : " (" + printable(excerpt(agent.version)) + ")") +
               " or later";
  } else {
    std::string arch =
        agent.arch.empty() ? "ARCH" : debian_architecture(printable(excerpt(agent.arch, 32)));
    message += "upgrade the agent on " + host + " to " + ours + " (xcloudctl host upgrade " + host +
               " --package xcloud-agent_" + ours + "_" + arch + ".deb)";
  }
  return error(Code::kFailedPrecondition, message);
}

}  // namespace xc
