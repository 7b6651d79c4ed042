// send_mail against a real SMTP server: tests/support/smtp_sink.py (aiosmtpd)
// on loopback, plain and with STARTTLS + AUTH on a certificate generated at
// test time; what arrived is read back by tests/support/mail_inspect.py
// (Python's email package), the way a mail reader would see it.
#include "ctl/report/mail.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/digest.h"
#include "tests/support/local_io.h"
#include "tests/support/string_lists.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

extern char** environ;

namespace xc {
namespace {

namespace fs = std::filesystem;
using test::free_loopback_port;
using test::read_text;

// Debian's python3 has python3-aiosmtpd; a pyenv python3 on PATH does not.
const std::string kPython = "/usr/bin/python3";
const std::string kSupport = std::string(XC_SOURCE_DIR) + "/tests/support";
constexpr int64_t kTestDateMs = 1795938600000;  // 2026-11-29T07:50:00Z

using xc::test::TempDir;

// smtp_sink.py as a child process on a free port; SIGTERM in the destructor.
class SmtpSink {
 public:
  explicit SmtpSink(std::vector<std::string> options = {}) {
    std::vector<std::string> args = {kPython, kSupport + "/smtp_sink.py", dir_.root() + "/out"};
    args.insert(args.end(), options.begin(), options.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    REQUIRE(pipe(out) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addclose(&actions, out[1]);
    std::string log = dir_.root() + "/sink.log";
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int rc = posix_spawn(&pid_, kPython.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    REQUIRE_MESSAGE(rc == 0, "cannot start " << kPython);
    std::string line;
    pollfd ready{out[0], POLLIN, 0};
    char c = 0;
    while (line.find('\n') == std::string::npos && poll(&ready, 1, 20000) == 1 &&
           ::read(out[0], &c, 1) == 1) {
      line += c;
    }
    ::close(out[0]);
    port_ = std::atoi(line.c_str());
    REQUIRE_MESSAGE(port_ > 0, "smtp_sink.py did not start: " << read_text(log));
  }

  ~SmtpSink() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  // Message number `n` (1-based) as stored by the sink.
  std::string message_path(int n, const std::string& ext) const {
    char name[16];
    std::snprintf(name, sizeof name, "%03d.", n);
    return dir_.root() + "/out/" + name + ext;
  }
  nlohmann::json envelope(int n) const {
    return nlohmann::json::parse(read_text(message_path(n, "json")));
  }
  // mail_inspect.py's view of message `n`.
  nlohmann::json inspect(int n) const {
    std::string command = kPython + " " + kSupport + "/mail_inspect.py " + message_path(n, "eml");
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string text;
    char buffer[4096];
    for (size_t got; (got = fread(buffer, 1, sizeof buffer, pipe)) > 0;) text.append(buffer, got);
    REQUIRE(pclose(pipe) == 0);
    return nlohmann::json::parse(text);
  }
  int messages() const {
    int n = 0;
    while (fs::exists(message_path(n + 1, "json"))) ++n;
    return n;
  }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

const std::string kSubject = "xcloud 周报 2026 年第 48 周：各租户资源用量、配额与账单明细";
const std::string kHtml =
    "<html><body><h1>资源用量</h1><table><tr><th>租户</th><th>vCPU</th></tr>"
    "<tr><td>education</td><td>412</td></tr></table></body></html>\n";
const std::string kText =
    "xcloud weekly report 2026-W48: tenants, quota use and bills. This line is longer than "
    "seventy-six characters, so quoted-printable must break it softly.\n";
const std::string kCsv = "\xEF\xBB\xBF租户,vCPU,费用\r\neducation,412,\"1,234.00\"\r\n";

MailMessage report_message() {
  MailMessage m;
  m.from = "xcloud@ops.example.com";
  m.to = {"alice@example.com", "bob.li@example.org"};
  m.subject = kSubject;
  m.text_body = kText;
  m.html_body = kHtml;
  m.attachments = {{"report-2026-W48.html", "text/html; charset=utf-8", kHtml},
                   {"report-2026-W48.csv", "text/csv; charset=utf-8", kCsv}};
  m.date_ms = kTestDateMs;
  return m;
}

std::vector<std::string> content_types(const nlohmann::json& inspected) {
  std::vector<std::string> types;
  for (const auto& part : inspected["parts"]) types.push_back(part["content_type"]);
  return types;
}

TEST_CASE("mail: a report with a Chinese subject, both bodies and two attachments arrives intact") {
  SmtpSink sink;
  SmtpOptions smtp;
  smtp.url = sink.url();
  smtp.timeout_seconds = 20;
  Status sent = send_mail(smtp, report_message());
  REQUIRE_MESSAGE(sent.ok(), sent.message());
  REQUIRE(sink.messages() == 1);

  nlohmann::json envelope = sink.envelope(1);
  CHECK(envelope["mail_from"] == "xcloud@ops.example.com");
  CHECK(envelope["rcpt_tos"] == nlohmann::json{"alice@example.com", "bob.li@example.org"});

  nlohmann::json mail = sink.inspect(1);
  INFO(mail.dump(2));
  CHECK(mail["subject"] == kSubject);
  CHECK(mail["from"] == "xcloud@ops.example.com");
  CHECK(mail["to"] == nlohmann::json{"alice@example.com", "bob.li@example.org"});
  CHECK(mail["date"] == "Sun, 29 Nov 2026 07:50:00 +0000");
  CHECK(mail["message_id"].get<std::string>().ends_with(".xcloud@ops.example.com>"));
  CHECK(mail["defects"].empty());
  CHECK(content_types(mail) == std::vector<std::string>{"multipart/mixed", "multipart/alternative",
                                                        "text/plain", "text/html", "text/html",
                                                        "text/csv"});
  const auto& parts = mail["parts"];
  CHECK(parts[2]["text"] == kText);
  CHECK(parts[2]["transfer_encoding"] == "quoted-printable");
  CHECK(parts[3]["text"] == kHtml);
  CHECK(parts[3]["transfer_encoding"] == "base64");
  CHECK(parts[3]["filename"].is_null());
  CHECK(parts[4]["filename"] == "report-2026-W48.html");
  CHECK(parts[4]["size"] == kHtml.size());
  CHECK(parts[4]["sha256"] == sha256_hex(kHtml));
  CHECK(parts[5]["filename"] == "report-2026-W48.csv");
  CHECK(parts[5]["transfer_encoding"] == "base64");
  CHECK(parts[5]["size"] == kCsv.size());
  CHECK(parts[5]["sha256"] == sha256_hex(kCsv));

  // The subject folds so that its lines keep RFC 2047's 76 columns; no header
  // line (curl writes some) passes RFC 5322's hard limit of 998.
  std::istringstream raw(read_text(sink.message_path(1, "eml")));
  bool in_subject = false;
  int subject_lines = 0;
  for (std::string line; std::getline(raw, line) && line != "\r";) {
    REQUIRE(line.ends_with("\r"));
    line.pop_back();
    in_subject = line.starts_with("Subject: ") || (in_subject && line.starts_with(" "));
    if (in_subject) {
      ++subject_lines;
      CHECK_MESSAGE(line.size() <= 76, line);
    }
    CHECK_MESSAGE(line.size() <= 998, line);
  }
  CHECK(subject_lines == 3);
}

TEST_CASE("mail: credentials are only sent over TLS, verified against the given CA") {
  test::TestPki pki;
  test::PemPaths server = pki.issue("smtp", CertificateUsage::kServer, {"127.0.0.1", "localhost"});
  SmtpSink sink({"--starttls", server.cert, server.key, "--auth", "report:s3cret pass"});
  SmtpOptions smtp;
  smtp.url = sink.url();
  smtp.user = "report";
  smtp.password = "s3cret pass";
  smtp.ca_file = pki.ca_path();
  smtp.timeout_seconds = 20;

  SUBCASE("the right password delivers over STARTTLS") {
    Status sent = send_mail(smtp, report_message());
    REQUIRE_MESSAGE(sent.ok(), sent.message());
    REQUIRE(sink.messages() == 1);
    nlohmann::json envelope = sink.envelope(1);
    CHECK(envelope["tls"] == true);
    CHECK(envelope["auth_user"] == "report");
    CHECK(sink.inspect(1)["subject"] == kSubject);
  }
  SUBCASE("a wrong password is refused with the server's reply") {
    smtp.password = "wrong";
    Status sent = send_mail(smtp, report_message());
    CHECK(sent.code() == Code::kPermissionDenied);
    CHECK(sent.message() ==
          "mail to " + smtp.url + ": Login denied (535 5.7.8 Authentication credentials invalid)");
    CHECK(sink.messages() == 0);
  }
  SUBCASE("a server certificate from another CA is refused") {
    test::TestPki other("other CA");
    smtp.ca_file = other.ca_path();
    Status sent = send_mail(smtp, report_message());
    CHECK(sent.code() == Code::kUnavailable);
    CHECK_MESSAGE(sent.message().starts_with("mail to " + smtp.url +
                                             ": SSL peer certificate or SSH remote key was not OK"),
                  sent.message());
    CHECK(sink.messages() == 0);
  }
}

TEST_CASE("mail: a password is never sent to a server that offers no TLS") {
  SmtpSink sink;
  SmtpOptions smtp;
  smtp.url = sink.url();
  smtp.user = "report";
  smtp.password = "s3cret";
  smtp.timeout_seconds = 20;
  Status sent = send_mail(smtp, report_message());
  CHECK(sent.code() == Code::kUnavailable);
  CHECK_MESSAGE(sent.message().starts_with("mail to " + smtp.url + ": Requested SSL level failed"),
                sent.message());
  CHECK(sink.messages() == 0);
}

TEST_CASE("mail: a server that is not listening is named in the error") {
  SmtpOptions smtp;
  smtp.url = "smtp://127.0.0.1:" + std::to_string(free_loopback_port());
  smtp.timeout_seconds = 10;
  Status sent = send_mail(smtp, report_message());
  CHECK(sent.code() == Code::kUnavailable);
  CHECK_MESSAGE(sent.message().starts_with("mail to " + smtp.url + ": Couldn't connect to server"),
                sent.message());
}

}  // namespace
}  // namespace xc
