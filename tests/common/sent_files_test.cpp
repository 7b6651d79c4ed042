#include "common/sent_files.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/manifest_loader.h"

namespace xc {
namespace {

TEST_CASE("sent files live under the directory, absolute ones under .abs") {
  CHECK(sent_file_location("/run/r1", "m/vms.yaml") == "/run/r1/m/vms.yaml");
  CHECK(sent_file_location("/run/r1", "/srv/m/vms.yaml") == "/run/r1/.abs/srv/m/vms.yaml");
}

// XCLOUD_SENT_FILES set for one test case, then removed.
struct SentFilesEnv {
  explicit SentFilesEnv(const std::string& dir) { ::setenv(kSentFilesEnv, dir.c_str(), 1); }
  ~SentFilesEnv() { ::unsetenv(kSentFilesEnv); }
};

TEST_CASE("manifests sent by absolute path are read from the sent files and named as typed") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("xc-sent-" + std::to_string(::getpid()));
  fs::create_directories(dir / ".abs/srv/m");
  std::ofstream(dir / ".abs/srv/m/zone.yaml") << "kind: Zone\nmetadata: {name: lab}\n";
  std::ofstream(dir / ".abs/srv/m/bad.yaml") << "kind: [\n";
  {
    SentFilesEnv env(dir.string());
    CHECK(readable_path("/srv/m") == dir.string() + "/.abs/srv/m");
    ManifestFiles read = read_manifests({"/srv/m"});
    REQUIRE(read.documents.size() == 1);
    CHECK(read.documents[0].file == "/srv/m/zone.yaml");
    REQUIRE(read.errors.size() == 1);
    CHECK(read.errors[0].file == "/srv/m/bad.yaml");  // the operator's name, not the copy's
    ManifestFiles missing = read_manifests({"/srv/other.yaml"});
    REQUIRE(missing.errors.size() == 1);
    CHECK(missing.errors[0].file == "/srv/other.yaml");
  }
  CHECK(readable_path("/srv/m") == "/srv/m");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace xc
