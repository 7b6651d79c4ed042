#include "ctl/controller/watched_hosts.h"

#include "ctl/hosts/host_object.h"

namespace xc {

Result<std::vector<WatchedHost>> watched_hosts(Store& store, HostClients& clients) {
  auto records = store.list_hosts();
  if (!records.ok()) return records.status();
  std::vector<WatchedHost> out;
  for (const HostRecord& r : *records) {
    Object object = host_object(store, r);
    clients.add_host(object);
    bool maintenance = object.as<HostSpec>().maintenance;
    out.push_back({r, std::move(object), maintenance});
  }
  return out;
}

}  // namespace xc
