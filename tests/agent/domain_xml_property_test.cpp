// Property test: hostile text in any field is refused before XML is made, or
// the XML is well formed and gives every string back exactly.
#include <doctest/doctest.h>

#include <pugixml.hpp>
#include <random>
#include <sstream>

#include "agent/domain_xml.h"

using namespace xc;
using nlohmann::json;

namespace {

const std::vector<std::string> kNasty = {"<",
                                         ">",
                                         "&",
                                         "'",
                                         "\"",
                                         "&amp;",
                                         "]]>",
                                         "<!--",
                                         "\x01",
                                         "\x1b",
                                         "\n",
                                         "\r",
                                         "\t",
                                         std::string("\0", 1),
                                         "\x7f",
                                         "\xc2\x85",
                                         "教育局",
                                         "😀",
                                         "\xff",
                                         "\xc0\x80",
                                         "\xed\xa0\x80",
                                         "\xe6\x95",
                                         "\xef\xbf\xbe",
                                         " ",
                                         "/",
                                         ".",
                                         "..",
                                         "-",
                                         "A",
                                         "_",
                                         ":",
                                         "$(id)",
                                         ";",
                                         "\\",
                                         "%s"};
const std::string kSafe = "abcdefghijklmnopqrstuvwxyz0123456789-";

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  // `valid` itself, or a mutation of it that is sometimes still valid.
  std::string text(const std::string& valid) {
    std::string s;
    switch (below(7)) {
      case 0:
        return valid;
      case 1:
      case 2:
        s = valid;
        for (size_t k = 0, n = 1 + below(3); k < n; ++k)
          s.insert(below(s.size() + 1), kNasty[below(kNasty.size())]);
        return s;
      case 3:
        for (size_t k = 0, n = 1 + below(30); k < n; ++k) s += kSafe[below(kSafe.size())];
        return s;
      case 4:
        s = valid.substr(0, 1) + std::string(10000, valid.back());
        if (below(2)) s[below(s.size())] = '<';
        return s;
      case 5:
        for (size_t k = 0, n = below(20); k < n; ++k) s += char(below(256));
        return s;
      default:
        return valid + "-" + kSafe.substr(below(26), 1 + below(5));
    }
  }
  // Paths may hold any printable text: one time in four, add some that must
  // be escaped or is not ASCII; otherwise mutate like any field.
  std::string path(const std::string& valid) {
    static const std::vector<std::string> kPrintable = {"<",      ">", "&", "'",     "\"",
                                                        "教育局", "😀", " ", "&amp;", "]]>"};
    if (below(4) != 0) return field(valid);
    std::string s = valid;
    s.insert(s.rfind('/') + 1 + below(3), kPrintable[below(kPrintable.size())]);
    return s;
  }
  // Mutates `valid` one time in eight, so that a fair share of cases pass.
  std::string field(const std::string& valid) { return below(8) == 0 ? text(valid) : valid; }

 private:
  std::mt19937_64 rng_;
};

// One generated input, applied both as JSON params and as a spec built in code.
struct Case {
  Arch arch = Arch::kX86_64;
  std::string tenant, name, kind, spec_hash, disk, image, network, mac, ipv6, type, pci, dir;
};

Case generate(Gen& g) {
  Case c;
  c.arch = g.below(2) ? Arch::kAarch64 : Arch::kX86_64;
  c.tenant = g.field("education/schools");
  c.name = g.field("web-1");
  c.kind = g.field("VirtualMachine");
  c.spec_hash = g.field("3f2a9c0d");
  c.disk = g.field("root");
  c.image = g.path("/srv/images/kylin.qcow2");
  c.network = g.field("education/app");
  c.mac = g.field("52:54:00:1a:2b:3c");
  c.ipv6 = g.field("auto");
  c.type = g.field("gpu-16g");
  c.pci = g.field("0000:3b:00.0");
  c.dir = g.path("/var/lib/xcloud/disks");
  return c;
}

json to_params(const Case& c) {
  json disk = {{"name", c.disk}, {"size_gib", 1}, {"tier", "normal"}, {"image", c.image}};
  json nic = {{"network", c.network}, {"mac", c.mac}, {"ipv6", c.ipv6}};
  json accelerator = {{"type", c.type}, {"pci_address", c.pci}};
  return {{"tenant", c.tenant},
          {"name", c.name},
          {"kind", c.kind},
          {"spec_hash", c.spec_hash},
          {"generation", 1},
          {"arch", arch_name(c.arch)},
          {"cpus", 1},
          {"memory_mib", 512},
          {"disks", json::array({disk})},
          {"nics", json::array({nic})},
          {"accelerators", json::array({accelerator})}};
}

DomainSpec to_spec(const Case& c) {
  DomainSpec spec;
  spec.tenant = c.tenant, spec.name = c.name, spec.kind = c.kind, spec.spec_hash = c.spec_hash;
  spec.generation = 1, spec.arch = c.arch, spec.cpus = 1, spec.memory_mib = 512;
  spec.disks = {{c.disk, 1, DiskTier::kNormal, 3000, c.image, "virtio"}};
  DomainNic& nic = spec.nics.emplace_back();
  nic.network = c.network, nic.mac = c.mac, nic.ipv6 = c.ipv6;
  spec.accelerators = {{c.type, c.pci}};
  return spec;
}

bool printable_lines(const std::string& xml) {
  std::istringstream in(xml);
  for (std::string line; std::getline(in, line);)
    if (!is_printable_utf8(line)) return false;
  return true;
}

void check_round_trip(const std::string& xml, const DomainSpec& spec, const HostContext& host) {
  CHECK(printable_lines(xml));  // valid UTF-8, no control characters: XML 1.0 text
  pugi::xml_document doc;
  REQUIRE(doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8));
  pugi::xml_node domain = doc.child("domain");
  CHECK(std::string(domain.child_value("name")) == domain_name(spec));
  CHECK(parse_xcloud_metadata(xml) == xcloud_metadata_of(spec));
  pugi::xml_node disk = domain.child("devices").child("disk");
  CHECK(std::string(disk.child("source").attribute("file").value()) ==
        host.storage_dir + "/" + disk_file_name(spec, spec.disks[0]));
  CHECK(std::string(disk.child_value("serial")) == spec.disks[0].name);
  pugi::xml_node nic = domain.child("devices").child("interface");
  CHECK(std::string(nic.child("mac").attribute("address").value()) == spec.nics[0].mac);
  CHECK(std::string(nic.child("source").attribute("bridge").value()) == "xcbr0");
  if (spec.arch == Arch::kAarch64)
    CHECK(std::string(domain.child("os").child_value("nvram")) ==
          host.storage_dir + "/" + domain_name(spec) + "_VARS.fd");
}

}  // namespace

TEST_CASE("hostile text is refused before any XML is made, or round-trips exactly") {
  Gen gen(20240611);
  int rendered = 0, refused = 0, host_refused = 0, unusual = 0;
  for (int i = 0; i < 3000; ++i) {
    Case c = generate(gen);
    HostContext host;
    host.domain_type = "qemu";
    host.storage_dir = c.dir;
    host.bridges[c.network] = "xcbr0";
    DomainSpec direct = to_spec(c);

    auto spec = domain_spec_from_json(to_params(c));
    if (!spec.ok()) {
      CHECK(spec.status().code() == Code::kInvalidArgument);
      CHECK(is_printable_utf8(spec.status().message()));  // messages never echo the input
      auto xml = render_domain_xml(direct, host);         // the same text set in code
      CHECK_FALSE(xml.ok());
      CHECK(xml.status().code() == Code::kInvalidArgument);
      ++refused;
      continue;
    }
    CHECK(*spec == direct);
    // Accepted text is valid UTF-8, so the JSON form serializes and reads back.
    CHECK(*domain_spec_from_json(json::parse(to_json(*spec).dump())) == *spec);
    auto xml = render_domain_xml(*spec, host);
    if (!xml.ok()) {
      CHECK(xml.status().message() ==
            "host storage_dir: expected an absolute path without control characters");
      ++host_refused;
      continue;
    }
    check_round_trip(*xml, *spec, host);
    ++rendered;
    unusual += (c.image + c.dir).find_first_of("<>&'\"\x80\xe6\xf0") != std::string::npos;
  }
  MESSAGE("rendered " << rendered << " (" << unusual << " with XML-special or non-ASCII paths), "
                      << "refused " << refused << ", host refused " << host_refused);
  CHECK(rendered >= 300);
  CHECK(refused >= 300);
  CHECK(host_refused >= 30);
  CHECK(unusual >= 30);
}

TEST_CASE("non-ASCII and XML-special text in paths survives rendering byte for byte") {
  DomainSpec spec = to_spec(Case{Arch::kAarch64, "education", "web-1", "VirtualMachine", "ab",
                                 "root", "/srv/教育局/😀 <a&b>'\".qcow2", "br0", "52:54:00:1a:2b:3c",
                                 "auto", "gpu-16g", "0000:3b:00.0", ""});
  REQUIRE(validate_domain_spec(spec).ok());
  HostContext host;
  host.domain_type = "qemu";
  host.storage_dir = "/srv/教育局/<disks>&'\"";
  host.bridges["br0"] = "xcbr0";
  auto xml = render_domain_xml(spec, host);
  REQUIRE(xml.ok());
  check_round_trip(*xml, spec, host);
  CHECK(xml->find("'/srv/教育局/&lt;disks>&amp;&apos;\"/xc-education.web-1.root.qcow2'") !=
        std::string::npos);
}
