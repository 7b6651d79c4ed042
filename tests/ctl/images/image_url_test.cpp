#include "ctl/images/image_url.h"

#include <doctest/doctest.h>

#include <string>

namespace xc {

TEST_CASE("image_url: a source is a URL only with a scheme before ://") {
  CHECK(looks_like_url("https://mirror/x.qcow2"));
  CHECK(looks_like_url("HTTP://mirror/x"));
  CHECK(looks_like_url("ftp://mirror/x"));
  CHECK_FALSE(looks_like_url("/srv/images/x.qcow2"));
  CHECK_FALSE(looks_like_url("./a://b"));
  CHECK_FALSE(looks_like_url("://x"));
}

TEST_CASE("image_url: only https with a host, printable, no credentials") {
  CHECK(https_url_problem("https://mirror.example.gov.cn/kylin.qcow2") == "");
  CHECK(https_url_problem("HTTPS://127.0.0.1:8443/a?b=c") == "");
  CHECK(https_url_problem("http://mirror/x").find("plain http is refused") == 0);
  CHECK(https_url_problem("Http://mirror/x").find("plain http is refused") == 0);
  CHECK(https_url_problem("ftp://mirror/x") == "only https:// URLs are downloaded");
  CHECK(https_url_problem("https:///x") == "the URL has no host");
  CHECK(https_url_problem("https://u:p@mirror/x").find("user or password") != std::string::npos);
  CHECK(https_url_problem("https://mirror/a b").find("no spaces") != std::string::npos);
  CHECK(https_url_problem("https://mirror/\x1b[2J").find("printable") != std::string::npos);
  CHECK(https_url_problem("https://m/" + std::string(2048, 'a')) ==
        "a URL of at most 2048 characters");
}

TEST_CASE("image_url: a URL is recorded without its query or fragment (a token may be there)") {
  CHECK(url_for_record("https://mirror.example/uos.qcow2?X-Signature=abc&e=1") ==
        "https://mirror.example/uos.qcow2");
  CHECK(url_for_record("https://mirror.example/uos.qcow2#part") ==
        "https://mirror.example/uos.qcow2");
  CHECK(url_for_record("https://mirror.example/uos.qcow2") == "https://mirror.example/uos.qcow2");
  CHECK(url_for_record("/srv/images/a?b#c.qcow2") == "/srv/images/a?b#c.qcow2");  // a file
}

TEST_CASE("image_url: a digest is 64 hex digits of sha256 or sm3") {
  const std::string hex(64, 'A');
  CHECK(digest_problem("sha256", hex) == "");
  CHECK(digest_problem("sm3", hex) == "");
  CHECK(digest_problem("md5", hex) == "the digest is sha256 or sm3");
  CHECK(digest_problem("sha256", hex.substr(1)) ==
        "--sha256 '" + hex.substr(1) + "': 64 hex digits");
  CHECK(digest_problem("sm3", std::string(63, 'a') + "g") != "");
  CHECK(lowercase_hex("AbC9") == "abc9");
}

}  // namespace xc
