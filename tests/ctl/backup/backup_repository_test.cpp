#include "ctl/backup/backup_repository.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "common/scratch_hold.h"
#include "common/sm_crypto.h"
#include "tests/support/temp_dir.h"

using namespace xc;

namespace {

// A disk held in memory; records what was read.
class FakeDisk : public BackupSource {
 public:
  explicit FakeDisk(int64_t size) : bytes(static_cast<size_t>(size), '\0') {}
  Result<std::string> read(const std::string&, int64_t offset, int64_t length) override {
    reads.push_back({offset, length});
    return bytes.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
  }
  void write(int64_t offset, const std::string& data) {
    bytes.replace(static_cast<size_t>(offset), data.size(), data);
  }
  std::string bytes;
  std::vector<DiskExtent> reads;
};

BackupKey key(char fill = 'k') {
  return *backup_key_from_bytes(std::string(kBackupKeyBytes, fill));
}

BackupManifest header(const std::string& id, int64_t time_ms, const std::string& parent,
                      int64_t size) {
  BackupManifest m;
  m.tenant = "edu/schools";
  m.vm = "web-1";
  m.id = id;
  m.time_ms = time_ms;
  m.kind = parent.empty() ? "full" : "incremental";
  m.parent = parent;
  m.checkpoint = id;
  m.method = "test";
  m.chunk_bytes = 64 * 1024;
  m.disks = {{"vda", size}};
  return m;
}

std::string file_sm3(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), {});
  return to_hex(as_bytes(*sm3(data)));
}

std::string text_sm3(const std::string& data) {
  return to_hex(as_bytes(*sm3(data)));
}

}  // namespace

TEST_CASE(
    "full then incremental: the incremental holds only changed chunks, restore gives each point's "
    "disk") {
  test::TempDir dir;
  BackupRepository repo(dir.path("target"));
  const int64_t size = 1 << 20;
  FakeDisk disk(size);
  disk.write(0, std::string(200000, 'a'));
  const std::string at_full = text_sm3(disk.bytes);
  auto full = repo.write(header("b1", 1000, "", size), {{"vda", {{0, size}}}}, disk, key());
  REQUIRE(full.ok());
  CHECK(full->chunks.size() == 16);  // 1 MiB in 64 KiB chunks
  CHECK(full->key_id == key().id());

  // A write that straddles a chunk boundary dirties two chunks.
  disk.write(65536 - 10, std::string(20, 'b'));
  const std::string at_inc = text_sm3(disk.bytes);
  disk.reads.clear();
  auto inc = repo.write(header("b2", 2000, "b1", size), {{"vda", {{0, 131072}}}}, disk, key());
  REQUIRE(inc.ok());
  CHECK(inc->chunks.size() == 2);
  CHECK(inc->stored_bytes() == 131072);

  auto all = repo.list("edu/schools", "web-1", key());
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK(std::filesystem::exists(dir.path("target/edu.schools/web-1/b2/manifest.json")));
  CHECK(repo.verify((*all)[0], key()).ok());
  CHECK(repo.verify((*all)[1], key()).ok());

  auto chain1 = BackupRepository::chain_to(*all, "b1");
  auto chain2 = BackupRepository::chain_to(*all, "b2");
  REQUIRE(chain2.ok());
  CHECK(chain2->size() == 2);
  std::filesystem::create_directories(dir.path("r1"));
  std::filesystem::create_directories(dir.path("r2"));
  auto r1 = repo.restore(*chain1, key(), dir.path("r1"), true);
  auto r2 = repo.restore(*chain2, key(), dir.path("r2"), true);
  REQUIRE(r1.ok());
  REQUIRE(r2.ok());
  CHECK((*r1)[0].sm3 == at_full);
  CHECK(file_sm3(dir.path("r1/vda.raw")) == at_full);
  CHECK((*r2)[0].sm3 == at_inc);
  CHECK(file_sm3(dir.path("r2/vda.raw")) == at_inc);
  // Never overwritten.
  CHECK(repo.restore(*chain2, key(), dir.path("r2")).status().code() == Code::kAlreadyExists);
}

TEST_CASE("a disk read failing half-way ends the backup with that error and no manifest") {
  test::TempDir dir;
  BackupRepository repo(dir.path("target"));
  const int64_t size = 1 << 20;
  struct Failing : FakeDisk {
    using FakeDisk::FakeDisk;
    Result<std::string> read(const std::string& d, int64_t offset, int64_t length) override {
      if (offset >= 8 * 65536) return error(Code::kUnavailable, "host x86-01: connection lost");
      return FakeDisk::read(d, offset, length);
    }
  } disk(size);
  auto written = repo.write(header("b1", 1000, "", size), {{"vda", {{0, size}}}}, disk, key());
  REQUIRE_FALSE(written.ok());
  CHECK(written.status().message() == "host x86-01: connection lost");
  CHECK_FALSE(std::filesystem::exists(dir.path("target/edu.schools/web-1/b1/manifest.json")));
  auto all = repo.list("edu/schools", "web-1", key());
  REQUIRE(all.ok());
  CHECK(all->empty());  // chunks written before the failure are not a backup
}

TEST_CASE("a flipped byte in a chunk fails verify and restore naming the chunk, nothing is left") {
  test::TempDir dir;
  BackupRepository repo(dir.path("t"));
  FakeDisk disk(3 * 65536);
  disk.write(0, std::string(3 * 65536, 'z'));
  auto full = repo.write(header("b1", 1, "", 3 * 65536), {{"vda", {{0, 3 * 65536}}}}, disk, key());
  REQUIRE(full.ok());
  std::string chunk = dir.path("t/edu.schools/web-1/b1/vda/65536.chunk");
  {
    std::fstream f(chunk, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x7f');
  }
  Status v = repo.verify(*full, key());
  REQUIRE_FALSE(v.ok());
  CHECK(v.message() == "1 of 3 chunks fail: backup b1 chunk vda@65536+65536 (" + chunk +
                           "): does not authenticate (changed, or another key)");
  std::filesystem::create_directories(dir.path("r"));
  auto r = repo.restore({*full}, key(), dir.path("r"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("chunk vda@65536+65536") != std::string::npos);
  CHECK(std::filesystem::is_empty(dir.path("r")));
}

TEST_CASE("a wrong key fails at the manifest, naming both keys, before any chunk is read") {
  test::TempDir dir;
  BackupRepository repo(dir.path("t"));
  FakeDisk disk(65536);
  REQUIRE(repo.write(header("b1", 1, "", 65536), {{"vda", {{0, 65536}}}}, disk, key()).ok());
  auto listed = repo.list("edu/schools", "web-1", key('w'));
  REQUIRE_FALSE(listed.ok());
  CHECK(listed.status().message() ==
        dir.path("t/edu.schools/web-1/b1/manifest.json") + ": manifest: sealed with key " +
            key().id() + ", the key store has key " + key('w').id() + " (wrong key)");
}

TEST_CASE("a changed manifest fails its SM3 digest, a missing parent breaks the chain") {
  test::TempDir dir;
  BackupRepository repo(dir.path("t"));
  FakeDisk disk(65536);
  auto full = repo.write(header("b1", 1, "", 65536), {{"vda", {{0, 65536}}}}, disk, key());
  auto inc = repo.write(header("b2", 2, "b1", 65536), {{"vda", {{0, 4096}}}}, disk, key());
  REQUIRE(inc.ok());
  CHECK(BackupRepository::chain_to({*inc}, "b2").status().message() ==
        "backup b2 needs backup b1, which is gone");
  std::string path = dir.path("t/edu.schools/web-1/b1/manifest.json");
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  auto pos = text.find("test");
  REQUIRE(pos != std::string::npos);
  text.replace(pos, 4, "TEST");
  std::ofstream(path, std::ios::trunc) << text;
  auto listed = repo.list("edu/schools", "web-1", key());
  REQUIRE_FALSE(listed.ok());
  CHECK(listed.status().message() == path + ": manifest: SM3 digest does not match (changed)");
  REQUIRE(full.ok());
  CHECK(repo.remove(*inc).ok());
  CHECK_FALSE(std::filesystem::exists(dir.path("t/edu.schools/web-1/b2")));
}

TEST_CASE("a restore replaces a .partial a killed restore left, not one a live restore holds") {
  test::TempDir dir;
  BackupRepository repo(dir.path("t"));
  FakeDisk disk(65536);
  disk.write(0, std::string(65536, 'q'));
  auto full = repo.write(header("b1", 1, "", 65536), {{"vda", {{0, 65536}}}}, disk, key());
  REQUIRE(full.ok());
  std::filesystem::create_directories(dir.path("r"));
  const std::string partial = dir.path("r/vda.raw.partial");
  std::ofstream(partial) << "half of an earlier restore";
  {
    // A live restore writing it: this one is refused and leaves it alone.
    ScratchHold live = ScratchHold::on_path(partial);
    REQUIRE(live.held());
    auto refused = repo.restore({*full}, key(), dir.path("r"));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().message() ==
          partial + ": cannot create (another restore is writing it)");
    CHECK(std::filesystem::exists(partial));
  }
  // Its owner gone: replaced, and the restore completes.
  auto r = repo.restore({*full}, key(), dir.path("r"));
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK_FALSE(std::filesystem::exists(partial));
  CHECK(std::filesystem::file_size(dir.path("r/vda.raw")) == 65536);
}
