// The checks in front of send_mail: address lists, SMTP URLs, password files
// and messages refused before any connection is made.
#include "ctl/report/mail.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/support/string_lists.h"
#include "tests/support/temp_dir.h"

namespace xc {
namespace {

TEST_CASE("mail: an address list is split, trimmed and validated") {
  auto parsed = parse_mail_addresses("ops@example.com, Bob.Li+report@mail.example.org ,root@host");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  CHECK(*parsed ==
        std::vector<std::string>{"ops@example.com", "Bob.Li+report@mail.example.org", "root@host"});
}

TEST_CASE("mail: address lists that could inject headers or are not addresses are refused") {
  struct Case {
    std::string list;
    std::string message;
  };
  const Case cases[] = {
      {"a@b.c,\r\nBcc: x@y", "mail address \"\\r\\nBcc: x@y\": contains a control character"},
      {"", "mail addresses \"\": empty entry (expected a@example.com,...)"},
      {"no-at-sign", "mail address \"no-at-sign\": expected local@domain"},
      {"a@b.c,", "mail addresses \"a@b.c,\": empty entry (expected a@example.com,...)"},
      {"a@b.c,,d@e.f", "mail addresses \"a@b.c,,d@e.f\": entry 2 is empty"},
      {"a@b.c\nBcc: x@y", "mail address \"a@b.c\\nBcc: x@y\": contains a control character"},
      {"Alice <a@b.c>", "mail address \"Alice <a@b.c>\": invalid local part"},
      {"a@@b.c", "mail address \"a@@b.c\": expected local@domain"},
      {"a@b..c", "mail address \"a@b..c\": invalid domain"},
      {".a@b.c", "mail address \".a@b.c\": invalid local part"},
      {"a@b_c.d", "mail address \"a@b_c.d\": invalid domain"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.list);
    auto parsed = parse_mail_addresses(c.list);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == Code::kInvalidArgument);
    CHECK(parsed.status().message() == c.message);
  }
}

TEST_CASE("mail: SMTP URLs are smtp or smtps with a host and nothing else") {
  CHECK(check_smtp_url("smtp://127.0.0.1:2525").ok());
  CHECK(check_smtp_url("smtps://mail.example.com:465").ok());
  CHECK(check_smtp_url("smtp://mail.example.com").ok());
  CHECK(check_smtp_url("smtp://[::1]:25/").ok());
  const std::string expected = " (expected smtp://HOST:PORT or smtps://HOST:PORT)";
  struct Case {
    std::string url;
    std::string message;  // before `expected`
  };
  const Case cases[] = {
      {"http://x", "mail URL \"http://x\": scheme must be smtp or smtps"},
      {"", "mail URL \"\": is empty"},
      {"mail.example.com:25", "mail URL \"mail.example.com:25\": no scheme"},
      {"smtp://", "mail URL \"smtp://\": No host part in the URL"},
      {"smtp:/host", "mail URL \"smtp:/host\": no scheme"},
      {"ftp://host", "mail URL \"ftp://host\": scheme must be smtp or smtps"},
      {"smtp://host:99999",
       "mail URL \"smtp://host:99999\": Port number was not a decimal number between 0 and "
       "65535"},
      {"smtp://user:pw@host:25",
       "mail URL \"smtp://user:pw@host:25\": credentials do not belong in the URL; use a user "
       "and a password file"},
      {"smtp://host:25/x?y", "mail URL \"smtp://host:25/x?y\": unexpected path or query"},
      {"smtp://host:25\r\n", "mail URL \"smtp://host:25\\r\\n\": contains a control character"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.url);
    Status s = check_smtp_url(c.url);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(s.message() == c.message + expected);
  }
}

using xc::test::TempDir;

TEST_CASE("mail: a password file loses one trailing newline and must not be empty") {
  TempDir dir;
  CHECK(*read_password_file(dir.file("plain", "s3cret")) == "s3cret");
  CHECK(*read_password_file(dir.file("newline", "s3cret\n")) == "s3cret");
  CHECK(*read_password_file(dir.file("crlf", "s3cret\r\n")) == "s3cret");
  CHECK(*read_password_file(dir.file("two", "s3cret\n\n")) == "s3cret\n");
  CHECK(*read_password_file(dir.file("spaces", " pass word ")) == " pass word ");

  auto missing = read_password_file(dir.root() + "/missing");
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK(missing.status().message() ==
        "password file " + dir.root() + "/missing: No such file or directory");
  for (const char* content : {"", "\n"}) {
    auto empty = read_password_file(dir.file("empty", content));
    CHECK(empty.status().code() == Code::kInvalidArgument);
    CHECK(empty.status().message() == "password file " + dir.root() + "/empty: is empty");
  }
  auto directory = read_password_file(dir.root());
  CHECK_FALSE(directory.ok());
  CHECK(directory.status().message().starts_with("password file " + dir.root() + ": "));
}

MailMessage valid_message() {
  MailMessage m;
  m.from = "xcloud@host";
  m.to = {"ops@example.com"};
  m.subject = "weekly report";
  m.text_body = "hello";
  return m;
}

TEST_CASE("mail: messages that could inject headers are refused before connecting") {
  SmtpOptions smtp;
  smtp.url = "smtp://127.0.0.1:1";  // never reached: every case fails validation first
  struct Case {
    const char* name;
    MailMessage message;
    std::string error;
  };
  std::vector<Case> cases;
  cases.push_back({"recipient", valid_message(),
                   "mail recipient \"a@b.c\\r\\nBcc: x@y\": contains a control character"});
  cases.back().message.to.push_back("a@b.c\r\nBcc: x@y");
  cases.push_back({"sender", valid_message(), "mail sender \"nobody\": expected local@domain"});
  cases.back().message.from = "nobody";
  cases.push_back({"subject", valid_message(),
                   "mail subject \"hi\\r\\nBcc: x@y\": contains a control character"});
  cases.back().message.subject = "hi\r\nBcc: x@y";
  cases.push_back({"attachment name", valid_message(),
                   "mail attachment \"a\\r\\nX: y\": file name must be printable ASCII without / "
                   "\\ or \""});
  cases.back().message.attachments.push_back({"a\r\nX: y", "text/plain", "data"});
  cases.push_back({"attachment type", valid_message(),
                   "mail attachment \"a.txt\": invalid content type \"text/plain\\r\\nX: y\""});
  cases.back().message.attachments.push_back({"a.txt", "text/plain\r\nX: y", "data"});
  cases.push_back({"no recipients", valid_message(), "mail: no recipients"});
  cases.back().message.to.clear();
  cases.push_back({"no body", valid_message(), "mail: neither a text nor an HTML body"});
  cases.back().message.text_body.clear();
  for (const auto& c : cases) {
    CAPTURE(c.name);
    Status s = send_mail(smtp, c.message);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(s.message() == c.error);
  }

  smtp.url = "http://x";
  Status s = send_mail(smtp, valid_message());
  CHECK(s.message() ==
        "mail URL \"http://x\": scheme must be smtp or smtps (expected smtp://HOST:PORT or "
        "smtps://HOST:PORT)");
}

}  // namespace
}  // namespace xc
