#include "ctl/hosts/host_object.h"

#include "common/model_builder.h"

namespace xc {

Object host_object(const HostRecord& h) {
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

Result<Object> stored_host_object(Store& store, const HostRecord& h) {
  auto declared = store.get_resource({"Host", "", h.name});
  if (!declared.ok()) {
    if (declared.status().code() == Code::kNotFound) return host_object(h);
    return declared.status();
  }
  nlohmann::json record = nlohmann::json::parse(declared->spec_json, nullptr, false);
  if (!record.is_object() || !record.contains("manifest") || !record["manifest"].is_object())
    return host_object(h);
  YamlDocument doc;
  doc.tree = record["manifest"];
  Object o = build_object(doc);
  if (o.kind != Kind::kHost || o.meta.name != h.name) return host_object(h);
  return o;
}

}  // namespace xc
