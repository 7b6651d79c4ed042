#include "common/sm_crypto.h"

#include <doctest/doctest.h>

using namespace xc;

TEST_CASE("the SM self-test passes on this OpenSSL") {
  Status st = sm_self_test();
  CHECK_MESSAGE(st.ok(), st.message());
}

TEST_CASE("SM3 of \"abc\" is the GB/T 32905 example digest") {
  Result<Sm3Digest> d = sm3("abc");
  REQUIRE(d.ok());
  CHECK(to_hex(as_bytes(*d)) == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

TEST_CASE("SM3 in pieces equals SM3 of the concatenation, and the hasher can be reused") {
  Sm3Hasher h;
  REQUIRE(h.status().ok());
  Result<Sm3Digest> pieces = h.update("a").update("").update("bc").finish();
  REQUIRE(pieces.ok());
  CHECK(*pieces == *sm3("abc"));
  Result<Sm3Digest> again = h.update("abc").finish();
  CHECK(*again == *sm3("abc"));
  CHECK(*h.finish() == *sm3(""));
}

TEST_CASE("SM4 encrypts the GB/T 32907 test vector") {
  std::string key = *from_hex("0123456789abcdeffedcba9876543210");
  Result<std::string> c = sm4_ecb_encrypt(key, key);
  REQUIRE(c.ok());
  CHECK(to_hex(*c) == "681edf34d206965e86b3e94f536e4246");
  CHECK(sm4_ecb_encrypt("short", key).status().code() == Code::kInvalidArgument);
}

TEST_CASE("without SM3/SM4 the self-test says what is missing") {
  Status st = sm_known_answer_tests("NO-SUCH-DIGEST", "SM4-ECB");
  CHECK(st.code() == Code::kFailedPrecondition);
  CHECK(st.message() == "this OpenSSL has no SM3/SM4 (needs OpenSSL 3 with SM algorithms)");
  CHECK(sm_known_answer_tests("SM3", "NO-SUCH-CIPHER").message() ==
        "this OpenSSL has no SM3/SM4 (needs OpenSSL 3 with SM algorithms)");
}

TEST_CASE("an SM2 signature verifies with the public key and the same signer ID") {
  Result<Sm2KeyPair> key = sm2_generate_key();
  REQUIRE_MESSAGE(key.ok(), key.status().message());
  CHECK(key->private_pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
  CHECK(key->public_pem.rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
  CHECK(*sm2_public_key_pem(key->private_pem) == key->public_pem);
  Result<std::string> sig = sm2_sign(key->private_pem, "seq=7");
  REQUIRE_MESSAGE(sig.ok(), sig.status().message());
  Status st = sm2_verify(key->public_pem, "seq=7", *sig);
  CHECK_MESSAGE(st.ok(), st.message());
  CHECK(sm2_verify(key->public_pem, "seq=8", *sig).message() == "signature does not verify");
  std::string flipped = *sig;
  flipped[flipped.size() / 2] ^= 1;
  CHECK(sm2_verify(key->public_pem, "seq=7", flipped).code() == Code::kPermissionDenied);
}

TEST_CASE("an SM2 signature made under another signer ID does not verify") {
  Result<Sm2KeyPair> key = sm2_generate_key();
  REQUIRE(key.ok());
  Result<std::string> sig = sm2_sign(key->private_pem, "seq=7", "alice@example");
  REQUIRE(sig.ok());
  CHECK(sm2_verify(key->public_pem, "seq=7", *sig).code() == Code::kPermissionDenied);
  CHECK(sm2_verify(key->public_pem, "seq=7", *sig, "alice@example").ok());
}

TEST_CASE("an SM2 signature does not verify with another key, and non-SM2 keys are refused") {
  Result<Sm2KeyPair> a = sm2_generate_key();
  Result<Sm2KeyPair> b = sm2_generate_key();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  Result<std::string> sig = sm2_sign(a->private_pem, "head");
  REQUIRE(sig.ok());
  CHECK(sm2_verify(b->public_pem, "head", *sig).code() == Code::kPermissionDenied);
  CHECK(sm2_verify("not a key", "head", *sig).message() == "not an SM2 public key in PEM");
  CHECK(sm2_sign(a->public_pem, "head").status().message() == "not an SM2 private key in PEM");
}

TEST_CASE("hex round-trips and refuses bad input") {
  CHECK(to_hex(std::string("\x00\xff\x10", 3)) == "00ff10");
  CHECK(*from_hex("00FF10") == std::string("\x00\xff\x10", 3));
  CHECK(!from_hex("abc").has_value());
  CHECK(!from_hex("zz").has_value());
}

TEST_CASE("hmac_sm3 matches OpenSSL's and Python's HMAC-SM3") {
  // openssl dgst -sm3 -hmac key, and Python's hmac.new(b"key", msg, "sm3").
  auto mac = xc::hmac_sm3("key", "The quick brown fox jumps over the lazy dog");
  REQUIRE(mac.ok());
  CHECK(xc::to_hex(std::string_view(reinterpret_cast<const char*>(mac->data()), mac->size())) ==
        "bd4a34077888162b210645b8ebf74b9af357303789357a27c7fc457244ebd398");
}
