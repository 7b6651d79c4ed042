#include "common/otpauth_uri.h"

#include <doctest/doctest.h>

using namespace xc;
using namespace xc::totp;

TEST_CASE("the otpauth URI names issuer, account, secret and parameters") {
  Result<std::string> uri =
      otpauth_uri("xcloud", "alice", "12345678901234567890", Params{Algorithm::kSha1, 6, 30});
  REQUIRE(uri.ok());
  CHECK(*uri ==
        "otpauth://totp/xcloud:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=xcloud"
        "&algorithm=SHA1&digits=6&period=30");
  Result<std::string> sm3 =
      otpauth_uri("xcloud", "bob", "12345678901234567890", Params{Algorithm::kSm3, 8, 30});
  REQUIRE(sm3.ok());
  CHECK(sm3->find("&algorithm=SM3&digits=8&period=30") != std::string::npos);
}

TEST_CASE("issuer and account are percent-encoded, Chinese and reserved characters too") {
  Result<std::string> uri =
      otpauth_uri("西城区 政务云", "a&b=c/d?e@f", "12345678901234567890", Params{});
  REQUIRE(uri.ok());
  CHECK(*uri ==
        "otpauth://totp/%E8%A5%BF%E5%9F%8E%E5%8C%BA%20%E6%94%BF%E5%8A%A1%E4%BA%91:"
        "a%26b%3Dc%2Fd%3Fe%40f?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        "&issuer=%E8%A5%BF%E5%9F%8E%E5%8C%BA%20%E6%94%BF%E5%8A%A1%E4%BA%91"
        "&algorithm=SHA1&digits=6&period=30");
  CHECK(percent_encode("AZaz09-._~ +%") == "AZaz09-._~%20%2B%25");
}

TEST_CASE("the otpauth URI refuses colons, control characters, empty or long labels") {
  const std::string s = "12345678901234567890";
  CHECK(otpauth_uri("x:y", "alice", s, {}).status().message() ==
        "otpauth issuer \"x:y\" must not contain ':'");
  CHECK(otpauth_uri("xcloud", "al\nice", s, {}).status().message() ==
        "otpauth account \"al\\nice\" must be printable UTF-8");
  CHECK(otpauth_uri("xcloud", "\xff", s, {}).status().code() == Code::kInvalidArgument);
  CHECK(otpauth_uri("", "alice", s, {}).status().message() ==
        "otpauth issuer \"\" must be 1 to 128 bytes");
  CHECK_FALSE(otpauth_uri("xcloud", std::string(129, 'a'), s, {}).ok());
  CHECK(otpauth_uri("xcloud", std::string(128, 'a'), s, {}).ok());
  CHECK(otpauth_uri("xcloud", "alice", "short", {}).status().message() ==
        "TOTP secret is 5 bytes; it must be 10 to 64");
  CHECK(otpauth_uri("xcloud", "alice", s, {Algorithm::kSha1, 7, 30}).status().code() ==
        Code::kInvalidArgument);
}
