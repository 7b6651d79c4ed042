#include "agent/image_digest.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "agent/agent_config.h"
#include "agent/rpc_service.h"
#include "agent/storage_pool.h"
#include "common/digest.h"
#include "tests/support/test_host.h"

using namespace xc;
using nlohmann::json;

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

const std::string kImage = "an xcloud base image\n";

}  // namespace

TEST_CASE("an image's digest is streamed from the file and cached while the file is unchanged") {
  testing::TestHost host;
  std::string path = host.dir() + "/base.raw";
  write_file(path, kImage);
  std::string good = sha256_hex(kImage);
  CHECK(file_sha256_hex(path).value() == good);
  ImageDigestCache cache;
  CHECK(cache.verify(path, good).ok());
  CHECK(cache.verify(path, good).ok());
  CHECK(cache.files_hashed() == 1);  // the second apply does not read the image again
  std::string bad(64, '0');
  Status mismatch = cache.verify(path, bad);
  CHECK(mismatch.code() == Code::kFailedPrecondition);
  CHECK(mismatch.message() == "image " + path + ": SHA-256 is " + good + ", the Image says " + bad);
  CHECK(cache.files_hashed() == 1);
  // A changed file (another size) is read again.
  write_file(path, kImage + "tampered");
  Status changed = cache.verify(path, good);
  CHECK(changed.code() == Code::kFailedPrecondition);
  CHECK(changed.message().find("SHA-256 is " + sha256_hex(kImage + "tampered")) !=
        std::string::npos);
  CHECK(cache.files_hashed() == 2);
  CHECK(cache.verify(host.dir() + "/missing.raw", good).code() == Code::kIo);
}

TEST_CASE("volume.ensure checks the base image's digest before creating the disk") {
  testing::TestHost host;
  std::filesystem::create_directories(host.dir() + "/images");
  std::string image = host.dir() + "/images/base.raw";
  write_file(image, kImage);
  auto config = load_agent_config(host.write_agent_config("imageDir: " + host.dir() + "/images\n"));
  REQUIRE(config.ok());
  auto conn = open_libvirt(config->libvirt_uri);
  REQUIRE(conn.ok());
  RpcService service(std::move(*conn), *config);
  auto call = [&](const json& params) {
    return service.handle({{"id", 1}, {"method", "volume.ensure"}, {"params", params}});
  };
  std::string bad(64, 'a');
  json refused = call({{"name", "vm-root"},
                       {"size_gib", 10},
                       {"backing", image},
                       {"backing_format", "raw"},
                       {"backing_sha256", bad}});
  REQUIRE(refused.contains("error"));
  CHECK(refused["error"]["code"] == "failed_precondition");
  CHECK(refused["error"]["message"] == "volume vm-root: image " + image + ": SHA-256 is " +
                                           sha256_hex(kImage) + ", the Image says " + bad);
  json created = call({{"name", "vm-root"},
                       {"size_gib", 10},
                       {"backing", image},
                       {"backing_format", "raw"},
                       {"backing_sha256", sha256_hex(kImage)}});
  REQUIRE_MESSAGE(created.contains("result"), created.dump());
  CHECK(created["result"]["action"] == "created");
  CHECK(call({{"name", "vm-data"}, {"size_gib", 1}, {"backing_format", "vmdk"}})["error"]["code"] ==
        "invalid_argument");
}

TEST_CASE("a new volume is a qcow2 overlay reading its backing file in the image's format") {
  std::string raw = volume_xml("vm-root.qcow2", 1024, "/var/lib/xcloud/images/kylin.raw", "raw");
  // qcow2 v3 (compat 1.1): backup checkpoints need persistent dirty bitmaps.
  CHECK(raw.find("<target><format type=\"qcow2\"/><compat>1.1</compat></target>") !=
        std::string::npos);
  CHECK(raw.find("<backingStore><path>/var/lib/xcloud/images/kylin.raw</path><format "
                 "type=\"raw\"/></backingStore>") != std::string::npos);
  std::string qcow2 =
      volume_xml("vm-root.qcow2", 1024, "/var/lib/xcloud/images/uos.qcow2", "qcow2");
  CHECK(qcow2.find("<format type=\"qcow2\"/></backingStore>") != std::string::npos);
  CHECK(volume_xml("data.qcow2", 1024, "", "qcow2").find("backingStore") == std::string::npos);
}
