#include "ctl/access/operator_request.h"

#include <doctest/doctest.h>

#include <string>

namespace xc {
namespace {

TEST_CASE("a command may send -f paths from here or from /, never climbing out") {
  CHECK(is_safe_sent_path("manifests/vms.yaml"));
  CHECK(is_safe_sent_path("vms.yaml"));
  CHECK(is_safe_sent_path("/srv/xcloud/manifests"));
  CHECK(is_safe_sent_path("/srv/xcloud/manifests/vms.yaml"));
  CHECK_FALSE(is_safe_sent_path(""));
  CHECK_FALSE(is_safe_sent_path("/"));
  CHECK_FALSE(is_safe_sent_path("//srv/m"));
  CHECK_FALSE(is_safe_sent_path("../m"));
  CHECK_FALSE(is_safe_sent_path("m/../../etc"));
  CHECK_FALSE(is_safe_sent_path("/srv/../etc/shadow"));
  CHECK_FALSE(is_safe_sent_path(".abs"));  // where absolute paths are kept
  CHECK_FALSE(is_safe_sent_path(".abs/etc/m.yaml"));
  CHECK(is_safe_sent_path(".absent/m.yaml"));
  CHECK_FALSE(is_safe_sent_path("/" + std::string(300, 'a')));  // a name over 255 bytes
}

TEST_CASE("a request's files keep absolute paths and refuse ones that climb out") {
  OperatorRequest r;
  r.argv = {"apply", "-f", "/srv/m"};
  r.files = {{"/srv/m/vms.yaml", "kind: Zone\n"}, {"rel/a.yaml", "x"}};
  auto back = parse_operator_request(operator_request_json(r));
  REQUIRE(back.ok());
  REQUIRE(back->files.size() == 2);
  CHECK(back->files[0].path == "/srv/m/vms.yaml");
  CHECK(back->files[0].data == "kind: Zone\n");
  CHECK(back->files[1].path == "rel/a.yaml");

  r.files = {{"/srv/../etc/shadow", "x"}};
  auto refused = parse_operator_request(operator_request_json(r));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("without '..'") != std::string::npos);
}

TEST_CASE("a passed file must be the command's own file argument") {
  OperatorRequest r;
  r.argv = {"image", "import", "/home/li/d.vmdk", "--name", "d"};
  r.passed_file = "/home/li/d.vmdk";
  auto back = parse_operator_request(operator_request_json(r));
  REQUIRE(back.ok());
  CHECK(back->passed_file == "/home/li/d.vmdk");
  r.passed_file = "/etc/shadow";
  CHECK_FALSE(parse_operator_request(operator_request_json(r)).ok());
  r.argv = {"get", "vms"};
  CHECK_FALSE(parse_operator_request(operator_request_json(r)).ok());
  CHECK(passed_file_argument({"host", "upgrade", "h", "--package", "x.deb"}) == "x.deb");
  CHECK(passed_file_argument({"image", "import", "https://m.example/d.qcow2"}).empty());
  CHECK(passed_file_argument({"image", "import", "ftp://m.example/d.qcow2"}).empty());
}

TEST_CASE("play sends its playbook and the paths its --set values may name") {
  using V = std::vector<std::string>;
  CHECK(play_path_arguments({"play", "pb/drain.yaml", "--set", "host=x86-01", "--set",
                             "manifests=/srv/m", "--dry-run"}) ==
        V{"pb/drain.yaml", "x86-01", "/srv/m"});
  CHECK(play_path_arguments({"--no-wait", "play", "--set", "empty=", "p.yaml"}) == V{"p.yaml"});
  CHECK(play_path_arguments({"apply", "-f", "m", "--set", "x=y"}).empty());  // play only
}

}  // namespace
}  // namespace xc
