// Notices when libvirtd closes the agent's connection: the daemon stopped,
// crashed, or stopped answering keepalives (hung). A closed libvirt
// connection never reopens and every later call on it fails, so the agent
// ends and systemd (Restart=on-failure) starts it with a new connection.
// The callback runs on libvirt's event loop thread.
#pragma once

#include <libvirt/libvirt.h>

#include <functional>
#include <string>

#include "common/status.h"

namespace xc {

// Keepalive probes every 5 s; 3 unanswered (about 20 s) close the connection.
inline constexpr int kKeepAliveIntervalSeconds = 5;
inline constexpr unsigned kKeepAliveCount = 3;

// Calls on_close(why) once when libvirt closes `conn` for any reason but the
// agent's own close. kFailedPrecondition when the driver cannot report it
// (test:///, which has no daemon to lose).
Status watch_connection(virConnectPtr conn, std::function<void(const std::string& why)> on_close);

// "libvirtd closed the connection", "libvirtd did not answer keepalives", ...
std::string close_reason_text(int reason);

}  // namespace xc
