#include "ctl/store/host_maintenance.h"

namespace xc {
namespace {

std::string key_of(const std::string& host) {
  return "host.maintenance." + host;
}

}  // namespace

Result<bool> operator_maintenance(Store& store, const std::string& host) {
  auto value = store.get_meta(key_of(host));
  if (!value.ok()) return value.status();
  return value->has_value() && **value == "on";
}

Status set_operator_maintenance(Store& store, const std::string& host, bool on) {
  return store.put_meta(key_of(host), on ? "on" : "off");
}

}  // namespace xc
