#include "ctl/hosts/host_object.h"

#include "common/model_builder.h"
#include "ctl/store/host_maintenance.h"

namespace xc {

namespace {

// The declared Host, or one built from what the store knows of it.
Object declared_or_known(Store& store, const HostRecord& h) {
  auto declared = store.get_resource({"Host", "", h.name});
  if (declared.ok()) {
    nlohmann::json record = nlohmann::json::parse(declared->spec_json, nullptr, false);
    if (record.is_object() && record.contains("manifest") && record["manifest"].is_object()) {
      YamlDocument doc;
      doc.tree = record["manifest"];
      Object o = build_object(doc);
      if (o.kind == Kind::kHost && o.meta.name == h.name) return o;
    }
  }
  Object o;
  o.kind = Kind::kHost;
  o.meta.name = h.name;
  HostSpec spec;
  spec.pool = h.pool;
  spec.address = h.address;
  spec.transport = h.transport == "ssh" ? Transport::kSsh : Transport::kTls;
  o.spec = spec;
  return o;
}

}  // namespace

Object host_object(Store& store, const HostRecord& h) {
  Object o = declared_or_known(store, h);
  if (auto on = operator_maintenance(store, h.name); on.ok() && *on)
    std::get<HostSpec>(o.spec).maintenance = true;
  return o;
}

}  // namespace xc
