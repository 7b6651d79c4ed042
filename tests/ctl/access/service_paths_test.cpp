#include "ctl/access/service_paths.h"

#include <doctest/doctest.h>

namespace xc {
namespace {

TEST_CASE("through the controller, options naming files of its host are refused") {
  auto refused = [](const std::vector<std::string>& argv, const std::string& words) {
    return service_path_refusal(argv, words).has_value();
  };
  CHECK(refused({"report", "weekly", "--out", "/var/lib/xcloud/state.db"}, "report"));
  CHECK(refused({"report", "weekly", "--out=/tmp/r.html"}, "report"));
  CHECK(refused({"backup", "restore", "web-1", "--to", "/var/lib/xcloud"}, "backup restore"));
  CHECK(refused({"backup", "run", "web-1", "--key", "/tmp/k"}, "backup run"));
  CHECK(refused({"backup", "verify", "web-1", "--target", "/srv"}, "backup verify"));
  CHECK(refused({"audit", "export", "--key", "/etc/k.pem"}, "audit export"));
  CHECK(refused({"user", "cert", "li", "--out", "/tmp"}, "user cert"));
  CHECK(refused({"adopt", "--host", "h", "--dir", "/tmp/m"}, "adopt"));
  CHECK(refused({"host", "upgrade", "h", "--package", "/tmp/a.deb"}, "host upgrade"));
  CHECK(refused({"apply", "-f", "m", "--price-caps", "/var/lib/xcloud/pki/ca.key"}, "apply"));
  CHECK(refused({"image", "import", "/var/lib/xcloud/pki/ca.key", "--name", "k"}, "image import"));
  auto why = service_path_refusal({"report", "weekly", "--out", "x"}, "report");
  REQUIRE(why);
  CHECK(why->find("report --out") == 0);
  CHECK(why->find("> FILE") != std::string::npos);
}

TEST_CASE("sent manifests, URLs and same-named options of other commands pass") {
  auto allowed = [](const std::vector<std::string>& argv, const std::string& words) {
    return !service_path_refusal(argv, words).has_value();
  };
  CHECK(allowed({"apply", "-f", "/srv/manifests"}, "apply"));
  CHECK(allowed({"vm", "migrate", "web-1", "--to", "x86-02"}, "vm migrate"));
  CHECK(allowed({"backup", "restore", "web-1", "--as", "web-1-copy"}, "backup restore"));
  CHECK(allowed(
      {"image", "import", "https://mirror.example/debian.qcow2", "--name", "d", "--sha256", "ab"},
      "image import"));
  CHECK(allowed({"report", "weekly"}, "report"));
  CHECK(allowed({"get", "vms", "-o", "json"}, "get"));
}

TEST_CASE("the operator's open file passed over the socket is allowed, and only that file") {
  const std::vector<std::string> import = {"image", "import", "/home/li/d.vmdk", "--name", "d"};
  CHECK_FALSE(service_path_refusal(import, "image import", "/home/li/d.vmdk"));
  CHECK(service_path_refusal(import, "image import", "/home/li/other.vmdk"));
  CHECK(service_path_refusal(import, "image import"));
  const std::vector<std::string> upgrade = {"host", "upgrade", "h", "--package", "a.deb"};
  CHECK_FALSE(service_path_refusal(upgrade, "host upgrade", "a.deb"));
  CHECK(service_path_refusal(upgrade, "host upgrade"));
  // Another command's file options stay refused whatever was passed.
  CHECK(service_path_refusal({"report", "weekly", "--out", "a.deb"}, "report", "a.deb"));
}

}  // namespace
}  // namespace xc
