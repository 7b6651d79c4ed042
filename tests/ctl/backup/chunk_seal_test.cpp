#include "ctl/backup/chunk_seal.h"

#include <doctest/doctest.h>

#include "common/sm_crypto.h"

using namespace xc;

namespace {

BackupKey test_key(char fill = 'k') {
  return *backup_key_from_bytes(std::string(kBackupKeyBytes, fill));
}

}  // namespace

TEST_CASE("a sealed chunk is SM4-CTR: its first block is the plaintext XOR SM4(key, IV)") {
  BackupKey key = test_key();
  std::string plain(100, 'p');
  auto sealed = seal_chunk(key, "t/vm/1/vda@0+100", plain);
  REQUIRE(sealed.ok());
  REQUIRE(sealed->size() == plain.size() + kSealOverhead);
  std::string iv = sealed->substr(0, 16);
  auto stream = sm4_ecb_encrypt(key.enc, iv);
  REQUIRE(stream.ok());
  for (size_t i = 0; i < 16; ++i)
    CHECK(static_cast<char>((*sealed)[16 + i] ^ (*stream)[i]) == plain[i]);
  auto opened = open_chunk(key, "t/vm/1/vda@0+100", *sealed);
  REQUIRE(opened.ok());
  CHECK(*opened == plain);
}

TEST_CASE("two seals of the same chunk differ (a fresh IV each time)") {
  BackupKey key = test_key();
  CHECK(*seal_chunk(key, "l", "same") != *seal_chunk(key, "l", "same"));
}

TEST_CASE("any flipped byte, another label or another key fails to authenticate") {
  BackupKey key = test_key();
  std::string sealed = *seal_chunk(key, "t/vm/1/vda@0+5", "hello");
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] ^= 0x01;
    auto r = open_chunk(key, "t/vm/1/vda@0+5", bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kPermissionDenied);
  }
  CHECK_FALSE(open_chunk(key, "t/vm/1/vda@4096+5", sealed).ok());  // moved elsewhere
  auto wrong = open_chunk(test_key('x'), "t/vm/1/vda@0+5", sealed);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.status().message() == "does not authenticate (changed, or another key)");
  CHECK_FALSE(open_chunk(key, "t/vm/1/vda@0+5", sealed.substr(0, 40)).ok());
}

TEST_CASE("a backup key is exactly 48 bytes and its id does not reveal it") {
  CHECK_FALSE(backup_key_from_bytes(std::string(47, 'a')).ok());
  CHECK(backup_key_from_bytes(std::string(49, 'a')).status().message() ==
        "backup key: expected 48 bytes, found 49");
  BackupKey key = test_key();
  CHECK(key.id().size() == 16);
  CHECK(key.id() != test_key('x').id());
  CHECK(key.id().find(to_hex(key.enc.substr(0, 4))) == std::string::npos);
}
