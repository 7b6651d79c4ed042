#include "ctl/audit/audit_record.h"

#include <doctest/doctest.h>

#include "common/sm_crypto.h"
#include "common/time.h"

using namespace xc;

namespace {

std::string field(const std::string& value) {
  std::string out(3, '\0');
  out += static_cast<char>(value.size());
  return out + value;
}

}  // namespace

TEST_CASE("the canonical encoding is the version tag and length-prefixed fields in fixed order") {
  AuditRecord r;
  r.seq = 12;
  r.time_ms = 1767225600000;
  r.actor = "ops";
  r.tenant = "教育";
  r.result = "ok";
  r.digest = "ignored";
  r.prev_digest = "ignored too";
  std::string expected = "xcloud-audit-v1" + field("12") + field("1767225600000") + field("ops");
  for (int i = 0; i < 5; ++i) expected += field("");  // as_user .. kind
  expected += field("教育");                          // tenant, 6 bytes of UTF-8
  for (int i = 0; i < 4; ++i) expected += field("");  // name .. hash_after
  expected += field("ok") + field("");
  CHECK(canonical_encoding(r) == expected);
}

TEST_CASE("moving bytes between fields changes the encoding") {
  AuditRecord a;
  a.actor = "ab";
  AuditRecord b;
  b.actor = "a";
  b.as_user = "b";
  CHECK(canonical_encoding(a) != canonical_encoding(b));
}

TEST_CASE("the chain digest is SM3 of the previous digest and the canonical encoding") {
  AuditRecord r;
  r.seq = 1;
  r.actor = "ops";
  Result<std::string> d = chain_digest(zero_digest(), r);
  REQUIRE(d.ok());
  CHECK(d->size() == 32);
  CHECK(*d == std::string(as_bytes(*sm3(std::string(32, '\0') + canonical_encoding(r)))));
  Result<std::string> other = chain_digest(*d, r);
  CHECK(*other != *d);
}

TEST_CASE("secrets in the command line are redacted and file paths kept") {
  CHECK(redact_command({"/usr/bin/xcloudctl", "notify", "test", "--smtp-password", "hunter2",
                        "--to", "ops@example.cn"}) ==
        "xcloudctl notify test --smtp-password *** --to ops@example.cn");
  CHECK(redact_command({"xcloudctl", "--password=hunter2", "--token", "abc", "--api-key", "K1",
                        "--client-secret=s"}) ==
        "xcloudctl --password=*** --token *** --api-key *** --client-secret=***");
  CHECK(
      redact_command({"xcloudctl", "audit", "checkpoint", "--key", "/media/k.pem", "--key-file",
                      "/etc/k", "--pubkey", "p.pub", "--ca", "ca.pem", "--token-file", "/run/t"}) ==
      "xcloudctl audit checkpoint --key /media/k.pem --key-file /etc/k --pubkey p.pub --ca "
      "ca.pem --token-file /run/t");
  CHECK(redact_command({"xcloudctl", "--url", "https://admin:s3cret@mail.example.cn:465/x"}) ==
        "xcloudctl --url https://admin:***@mail.example.cn:465/x");
  CHECK(redact_command({"xcloudctl", "--repo=git://u:p@h/r"}) ==
        "xcloudctl --repo=git://u:***@h/r");
}

TEST_CASE("arguments that need it are shell-quoted") {
  CHECK(redact_command({"xcloudctl", "audit", "note", "replaced disk 2", "it's", ""}) ==
        "xcloudctl audit note 'replaced disk 2' 'it'\\''s' ''");
  CHECK(redact_command({"xcloudctl", "--as", "张三"}) == "xcloudctl --as 张三");
  // A glob pasted back would expand; the redaction marker stays bare.
  CHECK(redact_command({"xcloudctl", "validate", "-f", "*.yaml"}) ==
        "xcloudctl validate -f '*.yaml'");
  CHECK(redact_command({"xcloudctl", "--url", "https://u:p@h/a b"}) ==
        "xcloudctl --url https://u:***'@h/a b'");
}

TEST_CASE("an identity fills the shared fields of a record") {
  AuditIdentity id = current_identity({"xcloudctl", "apply"}, "li", "CHG-7");
  CHECK(!id.actor.empty());
  CHECK(!id.origin_host.empty());
  AuditRecord r = id.record("VirtualMachine", "education", "web-1", "create");
  CHECK(r.actor == id.actor);
  CHECK(r.as_user == "li");
  CHECK(r.reason == "CHG-7");
  CHECK(r.command == "xcloudctl apply");
  CHECK(r.kind == "VirtualMachine");
  CHECK(r.action == "create");
  CHECK(r.result.empty());
}

TEST_CASE("audit times are formatted and parsed as UTC with milliseconds") {
  CHECK(format_time_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_time_ms(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(format_time_ms(1767225600000 + 5) == "2026-01-01T00:00:00.005Z");
  CHECK(*parse_time_ms("2026-01-01") == 1767225600000);
  CHECK(*parse_time_ms("2026-01-01T08:00+08:00") == 1767225600000);
  CHECK(*parse_time_ms("2025-12-31 19:00:00-05:00") == 1767225600000);
  CHECK(*parse_time_ms("2026-01-01T00:00:00.005Z") == 1767225600005);
  CHECK(*parse_time_ms("2024-02-29") == *parse_time_ms("2024-02-28") + kMsPerDay);
  CHECK(*parse_time_ms(format_time_ms(1795938600123)) == 1795938600123);
  for (const char* bad : {"2026-02-30", "2026-13-01", "2026-1-1", "yesterday", "2026-01-01T25:00",
                          "2026-01-01T00:00Zjunk", ""}) {
    CHECK_MESSAGE(!parse_time_ms(bad).ok(), bad);
  }
  CHECK(parse_time_ms("2026-02-30").status().message() ==
        "time \"2026-02-30\": expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.mmm]][Z|+HH:MM], in "
        "UTC unless an offset is given");
}
