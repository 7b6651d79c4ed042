#include "agent/libvirt_handle.h"

#include <cstdlib>

#include "agent/lifecycle_events.h"

namespace xc {

std::string take_string(char* s) {
  if (!s) return {};
  std::string out(s);
  std::free(s);
  return out;
}

bool last_error_is_not_found() {
  virErrorPtr e = virGetLastError();
  if (!e) return false;
  switch (e->code) {
    case VIR_ERR_NO_DOMAIN:
    case VIR_ERR_NO_NETWORK:
    case VIR_ERR_NO_STORAGE_POOL:
    case VIR_ERR_NO_STORAGE_VOL:
    case VIR_ERR_NO_NWFILTER:
    case VIR_ERR_NO_NODE_DEVICE:
    case VIR_ERR_NO_DOMAIN_METADATA:
      return true;
    default:
      return false;
  }
}

Status libvirt_error(const std::string& what) {
  virErrorPtr e = virGetLastError();
  std::string message = e && e->message ? e->message : "unknown libvirt error";
  Code code = last_error_is_not_found() ? Code::kNotFound : Code::kFailedPrecondition;
  if (e && (e->code == VIR_ERR_NO_SUPPORT || e->code == VIR_ERR_ARGUMENT_UNSUPPORTED))
    code = Code::kFailedPrecondition;
  if (e && (e->code == VIR_ERR_SYSTEM_ERROR || e->code == VIR_ERR_RPC)) code = Code::kUnavailable;
  return error(code, what + message);
}

namespace {
void quiet(void*, virErrorPtr) {}
}  // namespace

Result<Connection> open_libvirt(const std::string& uri) {
  virSetErrorFunc(nullptr, quiet);
  start_libvirt_event_loop();  // before opening: the remote driver needs it for events
  virConnectPtr conn = virConnectOpen(uri.c_str());
  if (!conn) return libvirt_error("libvirt " + uri + ": ");
  return Connection(conn);
}

}  // namespace xc
