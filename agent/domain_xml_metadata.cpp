// The xcloud <metadata> element of a domain: writing it and reading it back.
#include <cstring>
#include <pugixml.hpp>
#include <sstream>

#include "agent/domain_xml.h"

namespace xc {
namespace {

// The namespace URI that `prefix` (empty: the default namespace) has at `node`.
std::string namespace_uri(pugi::xml_node node, const std::string& prefix) {
  std::string declaration = prefix.empty() ? "xmlns" : "xmlns:" + prefix;
  for (; node && node.type() == pugi::node_element; node = node.parent()) {
    pugi::xml_attribute a = node.attribute(declaration.c_str());
    if (a) return a.value();
  }
  return "";
}

bool is_xcloud_instance(pugi::xml_node node) {
  if (node.type() != pugi::node_element) return false;
  std::string name = node.name();
  size_t colon = name.find(':');
  std::string prefix = colon == std::string::npos ? "" : name.substr(0, colon);
  std::string local = colon == std::string::npos ? name : name.substr(colon + 1);
  return local == "instance" && namespace_uri(node, prefix) == kXcloudDomainNs;
}

std::optional<int64_t> parse_generation(const char* text) {
  size_t length = std::strlen(text);
  if (length == 0 || length > 18) return std::nullopt;
  int64_t value = 0;
  for (size_t i = 0; i < length; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::optional<XcloudMetadata> read_instance(pugi::xml_node node) {
  for (const char* required : {"owner", "kind", "tenant", "name", "spec-hash", "generation"})
    if (!node.attribute(required)) return std::nullopt;
  XcloudMetadata m;
  m.owner = node.attribute("owner").value();
  if (m.owner != "xcloud") return std::nullopt;
  m.kind = node.attribute("kind").value();
  m.tenant = node.attribute("tenant").value();
  m.name = node.attribute("name").value();
  m.spec_hash = node.attribute("spec-hash").value();
  auto generation = parse_generation(node.attribute("generation").value());
  if (!generation) return std::nullopt;
  m.generation = *generation;
  return m;
}

}  // namespace

XcloudMetadata xcloud_metadata_of(const DomainSpec& spec) {
  XcloudMetadata m;
  m.kind = spec.kind;
  m.tenant = spec.tenant;
  m.name = spec.name;
  m.spec_hash = spec.spec_hash;
  m.generation = spec.generation;
  return m;
}

void append_xcloud_metadata(pugi::xml_node parent, const XcloudMetadata& m, bool prefixed) {
  std::string prefix = kXcloudDomainNsPrefix;
  pugi::xml_node node = parent.append_child(prefixed ? (prefix + ":instance").c_str() : "instance");
  if (prefixed) node.append_attribute(("xmlns:" + prefix).c_str()).set_value(kXcloudDomainNs);
  node.append_attribute("owner").set_value(m.owner.c_str());
  node.append_attribute("kind").set_value(m.kind.c_str());
  node.append_attribute("tenant").set_value(m.tenant.c_str());
  node.append_attribute("name").set_value(m.name.c_str());
  node.append_attribute("spec-hash").set_value(m.spec_hash.c_str());
  node.append_attribute("generation").set_value(std::to_string(m.generation).c_str());
}

std::string xcloud_metadata_fragment(const XcloudMetadata& metadata) {
  pugi::xml_document doc;
  append_xcloud_metadata(doc, metadata, false);
  std::ostringstream out;
  doc.save(out, "",
           pugi::format_raw | pugi::format_no_declaration | pugi::format_attribute_single_quote);
  return out.str();
}

std::optional<XcloudMetadata> parse_xcloud_metadata(const std::string& xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8))
    return std::nullopt;
  pugi::xml_node root = doc.document_element();
  std::string root_name = root.name();
  if (root_name == "domain") root = root.child("metadata");
  if (root_name == "domain" || root_name == "metadata") {
    for (pugi::xml_node node : root.children())
      if (is_xcloud_instance(node)) return read_instance(node);
    return std::nullopt;
  }
  // virDomainGetMetadata's answer: libvirt drops the prefix and declaration.
  bool bare = root_name == "instance" && namespace_uri(root, "").empty();
  if (bare || is_xcloud_instance(root)) return read_instance(root);
  return std::nullopt;
}

}  // namespace xc
