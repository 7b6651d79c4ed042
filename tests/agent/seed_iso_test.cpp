#include "agent/seed_iso.h"

#include <doctest/doctest.h>
#include <libisofs/libisofs.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "tests/support/temp_dir.h"

using namespace xc;

namespace {

NoCloudSeed sample_seed() {
  return {"{\"instance-id\": \"xc-education.web-1-0123456789abcdef\"}\n",
          "#cloud-config\n{\"hostname\": \"web-1\"}\n", "{\"version\": 2, \"ethernets\": {}}\n"};
}

// The files of an ISO image as libisofs reads them back (Rock Ridge names).
struct ReadBack {
  std::string volume_id;
  std::map<std::string, std::string> files;
};

ReadBack read_iso(const std::string& bytes) {
  test::TempDir dir;
  std::string path = dir.path("seed.iso");
  std::ofstream(path, std::ios::binary) << bytes;
  ReadBack out;
  IsoDataSource* src = nullptr;
  REQUIRE(iso_data_source_new_from_file(path.c_str(), &src) >= 0);
  IsoReadOpts* opts = nullptr;
  REQUIRE(iso_read_opts_new(&opts, 0) >= 0);
  iso_read_opts_set_no_joliet(opts, 1);  // names from Rock Ridge
  IsoImage* image = nullptr;
  REQUIRE(iso_image_new("read", &image) >= 0);
  REQUIRE(iso_image_import(image, src, opts, nullptr) >= 0);
  out.volume_id = iso_image_get_volume_id(image);
  IsoDirIter* it = nullptr;
  REQUIRE(iso_dir_get_children(iso_image_get_root(image), &it) >= 0);
  IsoNode* node = nullptr;
  while (iso_dir_iter_next(it, &node) == 1) {
    REQUIRE(iso_node_get_type(node) == LIBISO_FILE);
    IsoStream* stream = iso_file_get_stream(reinterpret_cast<IsoFile*>(node));
    REQUIRE(iso_stream_open(stream) >= 0);
    std::string content(static_cast<size_t>(iso_stream_get_size(stream)), '\0');
    REQUIRE(iso_stream_read(stream, content.data(), content.size()) == int(content.size()));
    iso_stream_close(stream);
    out.files[iso_node_get_name(node)] = content;
  }
  iso_dir_iter_free(it);
  iso_image_unref(image);
  iso_read_opts_free(opts);
  iso_data_source_unref(src);
  return out;
}

}  // namespace

TEST_CASE("the seed image is ISO 9660 labelled cidata holding exactly the three files") {
  auto iso = build_seed_iso(sample_seed());
  REQUIRE(iso.ok());
  REQUIRE(iso->size() % 2048 == 0);
  REQUIRE(iso->size() > 32768 + 2048);
  // The primary volume descriptor: type 1, "CD001", volume id at byte 40 (32 bytes, space padded).
  CHECK(iso->substr(32768, 6) == std::string("\x01"
                                             "CD001",
                                             6));
  CHECK(iso->substr(32768 + 40, 32) == "cidata" + std::string(26, ' '));
  ReadBack back = read_iso(*iso);
  CHECK(back.volume_id == "cidata");
  NoCloudSeed seed = sample_seed();
  CHECK(back.files == std::map<std::string, std::string>{{"meta-data", seed.meta_data},
                                                         {"user-data", seed.user_data},
                                                         {"network-config", seed.network_config}});
}

TEST_CASE("the same seed gives the same bytes, another seed gives other bytes") {
  auto a = build_seed_iso(sample_seed());
  auto b = build_seed_iso(sample_seed());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a == *b);
  NoCloudSeed other = sample_seed();
  other.user_data += "# changed\n";
  auto c = build_seed_iso(other);
  REQUIRE(c.ok());
  CHECK(*c != *a);
  CHECK(read_iso(*c).files["user-data"] == other.user_data);
}
