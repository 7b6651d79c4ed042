// RAII owners for libvirt objects and the conversion of libvirt errors into
// Status. libvirt connections are thread-safe; these wrappers add no locking.
#pragma once

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <memory>
#include <string>

#include "common/status.h"

namespace xc {

struct VirFree {
  void operator()(virConnectPtr p) const { virConnectClose(p); }
  void operator()(virDomainPtr p) const { virDomainFree(p); }
  void operator()(virNetworkPtr p) const { virNetworkFree(p); }
  void operator()(virNWFilterPtr p) const { virNWFilterFree(p); }
  void operator()(virStoragePoolPtr p) const { virStoragePoolFree(p); }
  void operator()(virStorageVolPtr p) const { virStorageVolFree(p); }
  void operator()(virNodeDevicePtr p) const { virNodeDeviceFree(p); }
};

using Connection = std::unique_ptr<virConnect, VirFree>;
using Domain = std::unique_ptr<virDomain, VirFree>;
using Network = std::unique_ptr<virNetwork, VirFree>;
using NwFilter = std::unique_ptr<virNWFilter, VirFree>;
using StoragePool = std::unique_ptr<virStoragePool, VirFree>;
using StorageVol = std::unique_ptr<virStorageVol, VirFree>;
using NodeDevice = std::unique_ptr<virNodeDevice, VirFree>;

// Takes ownership of a malloc'd C string from libvirt.
std::string take_string(char* s);

// The calling thread's last libvirt error as a Status, prefixed with `what`
// (e.g. "domain xc-edu-web-1: "). kNotFound for libvirt's "no such ..." codes.
Status libvirt_error(const std::string& what);
bool last_error_is_not_found();

// Opens a connection; silences libvirt's default printing of errors to stderr.
// Starts libvirt's event loop first (once per process), so the connection
// can deliver domain events.
Result<Connection> open_libvirt(const std::string& uri);

}  // namespace xc
