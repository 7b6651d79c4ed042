#include "common/totp.h"

#include <doctest/doctest.h>

#include <vector>

using namespace xc;
using namespace xc::totp;

namespace {

const std::string kSeed20 = "12345678901234567890";              // RFC 4226 / RFC 6238 SHA-1
const std::string kSeed32 = "12345678901234567890123456789012";  // RFC 6238 SHA-256

struct Vector {
  int64_t seconds;
  const char* sha1;
  const char* sha256;
  const char* sm3_8;  // HMAC-SM3, kSeed32, 8 digits
  const char* sm3_6;  // HMAC-SM3, kSeed20, 6 digits
};

// SHA-1 and SHA-256: RFC 6238 Appendix B. The SM3 columns were computed once,
// outside this code, with Python's hmac module and hashlib.new('sm3'):
//   h = hmac.new(seed, struct.pack('>Q', t // 30), lambda: hashlib.new('sm3')).digest()
//   o = h[-1] & 15; code = (int.from_bytes(h[o:o+4], 'big') & 0x7fffffff) % 10**digits
// and the HMAC for t=59 cross-checked with `openssl mac -digest SM3 -macopt hexkey:... HMAC`.
const std::vector<Vector> kVectors = {
    {59, "94287082", "46119246", "70252643", "614758"},
    {1111111109, "07081804", "68084774", "03087309", "578389"},
    {1111111111, "14050471", "67062674", "68947295", "739145"},
    {1234567890, "89005924", "91819424", "39678463", "982201"},
    {2000000000, "69279037", "90698825", "78318009", "639624"},
    {20000000000, "65353130", "77737706", "53139997", "363153"},
};

std::string code(const std::string& seed, int64_t seconds, Algorithm algorithm, int digits) {
  Result<std::string> c = code_at(seed, seconds * 1000, Params{algorithm, digits, 30});
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  return *c;
}

}  // namespace

TEST_CASE("HOTP gives RFC 4226 Appendix D's values for counts 0 to 9") {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (uint64_t count = 0; count < 10; ++count) {
    CAPTURE(count);
    Result<std::string> c = hotp(kSeed20, count, Algorithm::kSha1, 6);
    REQUIRE(c.ok());
    CHECK(*c == expected[count]);
  }
}

TEST_CASE("TOTP gives RFC 6238 Appendix B's SHA-1 and SHA-256 values") {
  for (const Vector& v : kVectors) {
    CAPTURE(v.seconds);
    CHECK(code(kSeed20, v.seconds, Algorithm::kSha1, 8) == v.sha1);
    CHECK(code(kSeed32, v.seconds, Algorithm::kSha256, 8) == v.sha256);
  }
}

TEST_CASE("TOTP with HMAC-SM3 matches an independent computation") {
  for (const Vector& v : kVectors) {
    CAPTURE(v.seconds);
    CHECK(code(kSeed32, v.seconds, Algorithm::kSm3, 8) == v.sm3_8);
    CHECK(code(kSeed20, v.seconds, Algorithm::kSm3, 6) == v.sm3_6);
  }
}

TEST_CASE("the step is the time in ms divided by 30 s, and a step spans 30 s") {
  CHECK(time_step(0, 30) == 0);
  CHECK(time_step(29'999, 30) == 0);
  CHECK(time_step(30'000, 30) == 1);
  CHECK(time_step(59'000, 30) == 1);
  CHECK(time_step(-1, 30) == -1);
  CHECK(code(kSeed20, 1111111080, Algorithm::kSha1, 8) == "07081804");  // same step as ...109
}

TEST_CASE("verify accepts the code of one step either side and refuses two steps away") {
  const Params p{Algorithm::kSha1, 8, 30};
  const int64_t t = 1111111109;  // step 37037036
  const std::string now_code = code(kSeed20, t, Algorithm::kSha1, 8);
  Result<int64_t> same = verify(kSeed20, now_code, t * 1000, p);
  REQUIRE(same.ok());
  CHECK(*same == 37037036);
  // The same code, checked a step later (clock ahead of the phone) and a step earlier.
  Result<int64_t> later = verify(kSeed20, now_code, (t + 30) * 1000, p);
  REQUIRE(later.ok());
  CHECK(*later == 37037036);
  Result<int64_t> earlier = verify(kSeed20, now_code, (t - 30) * 1000, p);
  REQUIRE(earlier.ok());
  CHECK(*earlier == 37037036);
  for (int64_t off : {-60, 60}) {
    CAPTURE(off);
    Result<int64_t> far = verify(kSeed20, now_code, (t + off) * 1000, p);
    REQUIRE_FALSE(far.ok());
    CHECK(far.status().code() == Code::kPermissionDenied);
    CHECK(far.status().message() == "code does not match");
  }
  // With window 0 only the current step counts.
  CHECK_FALSE(verify(kSeed20, now_code, (t + 30) * 1000, p, 0).ok());
}

TEST_CASE("verify refuses a code of a step at or before the last accepted one (replay)") {
  const Params p{Algorithm::kSm3, 6, 30};
  const int64_t t = 1234567890;
  const std::string c = code(kSeed20, t, Algorithm::kSm3, 6);
  Result<int64_t> first = verify(kSeed20, c, t * 1000, p);
  REQUIRE(first.ok());
  Result<int64_t> again = verify(kSeed20, c, t * 1000 + 5000, p, 1, *first);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == Code::kPermissionDenied);
  CHECK(again.status().message() == "code was already used");
  // The next step's code is fresh.
  const std::string next = code(kSeed20, t + 30, Algorithm::kSm3, 6);
  Result<int64_t> later = verify(kSeed20, next, (t + 30) * 1000, p, 1, *first);
  REQUIRE(later.ok());
  CHECK(*later == *first + 1);
  // A code older than the last accepted one is also refused.
  const std::string old = code(kSeed20, t - 30, Algorithm::kSm3, 6);
  CHECK(verify(kSeed20, old, t * 1000, p, 1, *first).status().message() == "code was already used");
}

TEST_CASE("verify ignores spaces in the code and refuses codes that are not all digits") {
  const Params p{Algorithm::kSha1, 6, 30};
  const std::string c = code(kSeed20, 59, Algorithm::kSha1, 6);
  CHECK(verify(kSeed20, c.substr(0, 3) + " " + c.substr(3), 59'000, p).ok());
  for (const char* bad : {"", "12345", "1234567", "12a456", "１２３４５６", "123456789012345678"}) {
    CAPTURE(bad);
    Result<int64_t> r = verify(kSeed20, bad, 59'000, p);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK(r.status().message() == "code must be 6 digits");
  }
}

TEST_CASE("parameters and secrets outside the limits are refused") {
  CHECK(check_params({Algorithm::kSha1, 7, 30}).message() == "TOTP digits is 7; it must be 6 or 8");
  CHECK(check_params({Algorithm::kSha1, 6, 60}).message() == "TOTP period is 60 s; it must be 30");
  CHECK(hotp("short", 0, Algorithm::kSha1, 6).status().message() ==
        "TOTP secret is 5 bytes; it must be 10 to 64");
  CHECK_FALSE(hotp(std::string(65, 'x'), 0, Algorithm::kSha1, 6).ok());
  CHECK(hotp(std::string(64, 'x'), 0, Algorithm::kSha256, 6).ok());
  CHECK(verify(kSeed20, "123456", 0, {}, 6).status().message() ==
        "TOTP window is 6 steps; it must be 0 to 5");
  CHECK(code_at(kSeed20, -30'000, {}).status().message() == "TOTP: time is before 1970");
}

TEST_CASE("algorithm names parse case-insensitively and round-trip") {
  for (Algorithm a : {Algorithm::kSha1, Algorithm::kSha256, Algorithm::kSm3})
    CHECK(parse_algorithm(algorithm_name(a)) == a);
  CHECK(parse_algorithm("sm3") == Algorithm::kSm3);
  CHECK(parse_algorithm("sha256") == Algorithm::kSha256);
  CHECK_FALSE(parse_algorithm("SHA512").has_value());
  CHECK_FALSE(parse_algorithm("SHA1SHA1SHA1").has_value());
}

TEST_CASE("generated secrets have the size asked for and differ") {
  Result<std::string> a = generate_secret();
  Result<std::string> b = generate_secret();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->size() == 20);
  CHECK(*a != *b);
  CHECK(generate_secret(32)->size() == 32);
  CHECK(generate_secret(9).status().code() == Code::kInvalidArgument);
  CHECK(generate_secret(65).status().code() == Code::kInvalidArgument);
}

TEST_CASE("decode_secret reads base32 and checks the secret's size") {
  Result<std::string> s = decode_secret("gezd gnbv gy3t qojq gezd gnbv gy3t qojq");
  REQUIRE(s.ok());
  CHECK(*s == kSeed20);
  CHECK(decode_secret("GEZDGNBV").status().message() ==
        "TOTP secret is 5 bytes; it must be 10 to 64");
}
