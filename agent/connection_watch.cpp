#include "agent/connection_watch.h"

#include <memory>

#include "agent/libvirt_handle.h"

namespace xc {
namespace {

using CloseHandler = std::function<void(const std::string&)>;

void on_libvirt_close(virConnectPtr, int reason, void* opaque) {
  if (reason == VIR_CONNECT_CLOSE_REASON_CLIENT) return;  // our own virConnectClose
  (*static_cast<CloseHandler*>(opaque))(close_reason_text(reason));
}

void free_handler(void* opaque) {
  delete static_cast<CloseHandler*>(opaque);
}

}  // namespace

std::string close_reason_text(int reason) {
  switch (reason) {
    case VIR_CONNECT_CLOSE_REASON_EOF:
      return "libvirtd closed the connection";
    case VIR_CONNECT_CLOSE_REASON_KEEPALIVE:
      return "libvirtd did not answer keepalives";
    case VIR_CONNECT_CLOSE_REASON_ERROR:
      return "the connection to libvirtd failed";
    default:
      return "the connection to libvirtd closed (reason " + std::to_string(reason) + ")";
  }
}

Status watch_connection(virConnectPtr conn, CloseHandler on_close) {
  // Only a connection through a daemon (the remote driver) can be lost or
  // keep alive; the test driver answers -1 to keepalive.
  if (virConnectSetKeepAlive(conn, kKeepAliveIntervalSeconds, kKeepAliveCount) < 0)
    return libvirt_error("keepalive: ");
  auto handler = std::make_unique<CloseHandler>(std::move(on_close));
  if (virConnectRegisterCloseCallback(conn, on_libvirt_close, handler.get(), free_handler) != 0)
    return libvirt_error("close callback: ");
  handler.release();  // libvirt frees it through free_handler
  return Status();
}

}  // namespace xc
