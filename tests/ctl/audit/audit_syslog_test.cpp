// Audit export to a syslog receiver in the test: a thread accepting TCP (or
// TLS) on 127.0.0.1 port 0 that parses RFC 6587 octet-counted RFC 5424
// messages back into fields.
#include "ctl/audit/audit_syslog.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <thread>

#include "common/sm_crypto.h"
#include "common/time.h"
#include "tests/support/audit_test_support.h"
#include "tests/support/test_pki.h"

using namespace xc;
using namespace xc::test;

namespace {

struct Parsed {
  int pri = 0;
  std::string timestamp, host, app, procid, msgid, sd_id, msg;
  std::map<std::string, std::string> params;
};

// An independent reading of the wire format: RFC 5424 section 6 with one
// SD-ELEMENT, as a receiver does it.
Parsed parse_message(const std::string& m) {
  Parsed p;
  size_t pos = 0;
  auto token = [&] {
    size_t end = m.find(' ', pos);
    REQUIRE(end != std::string::npos);
    std::string t = m.substr(pos, end - pos);
    pos = end + 1;
    return t;
  };
  std::string head = token();  // <PRI>1
  REQUIRE(head.front() == '<');
  size_t close = head.find('>');
  p.pri = std::stoi(head.substr(1, close - 1));
  CHECK(head.substr(close + 1) == "1");
  p.timestamp = token();
  p.host = token();
  p.app = token();
  p.procid = token();
  p.msgid = token();
  REQUIRE(m[pos] == '[');
  ++pos;
  size_t id_end = m.find(' ', pos);
  p.sd_id = m.substr(pos, id_end - pos);
  pos = id_end;
  while (m[pos] == ' ') {
    ++pos;
    size_t eq = m.find('=', pos);
    std::string name = m.substr(pos, eq - pos);
    pos = eq + 1;
    REQUIRE(m[pos] == '"');
    ++pos;
    std::string value;
    while (m[pos] != '"') {
      if (m[pos] == '\\' && (m[pos + 1] == '"' || m[pos + 1] == '\\' || m[pos + 1] == ']')) ++pos;
      value += m[pos++];
    }
    ++pos;
    p.params[name] = value;
  }
  REQUIRE(m[pos] == ']');
  pos += 2;
  p.msg = m.substr(pos);
  return p;
}

// Splits an octet-counted stream; CHECKs that it frames exactly.
std::vector<std::string> unframe(const std::string& stream) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < stream.size()) {
    size_t space = stream.find(' ', pos);
    REQUIRE(space != std::string::npos);
    size_t n = std::stoul(stream.substr(pos, space - pos));
    REQUIRE(space + 1 + n <= stream.size());
    out.push_back(stream.substr(space + 1, n));
    pos = space + 1 + n;
  }
  return out;
}

// Accepts connections one after another and keeps every byte received.
class Receiver {
 public:
  explicit Receiver(SSL_CTX* tls = nullptr) : tls_(tls) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 4) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~Receiver() { ::close(fd_); }

  std::string destination() const { return "127.0.0.1:" + std::to_string(port_); }

  // Runs one connection to its end on a thread; join() returns its bytes.
  void accept_one() {
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      if (tls_ != nullptr) {
        SSL* ssl = SSL_new(tls_);
        SSL_set_fd(ssl, c);
        if (SSL_accept(ssl) == 1) {
          int n;
          while ((n = SSL_read(ssl, buf, sizeof buf)) > 0)
            received_.append(buf, static_cast<size_t>(n));
        }
        SSL_free(ssl);
      } else {
        ssize_t n;
        while ((n = ::read(c, buf, sizeof buf)) > 0) received_.append(buf, static_cast<size_t>(n));
      }
      ::close(c);
    });
  }
  std::string join() {
    thread_.join();
    std::string out = std::move(received_);
    received_.clear();
    return out;
  }

 private:
  SSL_CTX* tls_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::string received_;
};

Result<ExportResult> export_once(Store& store, Receiver& receiver, const SyslogTls& tls = {}) {
  receiver.accept_one();
  Result<ExportResult> result = [&]() -> Result<ExportResult> {
    Result<SyslogTarget> target = parse_syslog_target(receiver.destination());
    REQUIRE(target.ok());
    Result<std::unique_ptr<SyslogSink>> sink = connect_syslog(*target, tls);
    if (!sink.ok()) return sink.status();
    return export_to_syslog(store, receiver.destination(), **sink);
  }();  // the sink is closed here, so the receiver sees the end
  return result;
}

void check_same(const Parsed& p, const AuditRecord& r) {
  CHECK(p.pri == (r.result == "ok" ? 110 : 108));
  CHECK(p.timestamp == format_time_ms(r.time_ms));
  CHECK(p.host == r.origin_host);
  CHECK(p.app == "xcloudctl");
  CHECK(p.procid == "-");
  CHECK(p.msgid == "audit");
  CHECK(p.sd_id == "xcloudAudit@32473");
  std::map<std::string, std::string> expected = {{"seq", std::to_string(r.seq)},
                                                 {"time", format_time_ms(r.time_ms)},
                                                 {"actor", r.actor},
                                                 {"as", r.as_user},
                                                 {"reason", r.reason},
                                                 {"origin", r.origin_host},
                                                 {"command", r.command},
                                                 {"kind", r.kind},
                                                 {"tenant", r.tenant},
                                                 {"name", r.name},
                                                 {"action", r.action},
                                                 {"hashBefore", r.hash_before},
                                                 {"hashAfter", r.hash_after},
                                                 {"result", r.result},
                                                 {"message", r.message},
                                                 {"digest", to_hex(r.digest)}};
  CHECK(p.params == expected);
  CHECK(p.msg.rfind("\xEF\xBB\xBF", 0) == 0);
}

}  // namespace

TEST_CASE("syslog destinations are HOST:PORT or [IPV6]:PORT") {
  CHECK(parse_syslog_target("logs.example:6514")->host == "logs.example");
  CHECK(parse_syslog_target("[fd00::9]:514")->host == "fd00::9");
  CHECK(parse_syslog_target("[fd00::9]:514")->port == "514");
  for (const char* bad :
       {"logs.example", "fd00::9:514", "h:0", "h:65536", "h:x", ":514", "[::1]"}) {
    CHECK_MESSAGE(!parse_syslog_target(bad).ok(), bad);
  }
  CHECK(parse_syslog_target("h").status().message() ==
        "syslog destination \"h\": expected HOST:PORT or [IPV6]:PORT");
}

TEST_CASE("a record becomes one RFC 5424 message with every field in structured data") {
  AuditRecord r = sample_record(5);
  r.seq = 42;
  r.time_ms = kAuditT0 + 5;
  r.message = "quote \" backslash \\ bracket ] 中文";
  r.digest = std::string(32, '\x01');
  std::string m = syslog_message(r);
  CHECK(
      m.rfind(
          "<110>1 2026-01-01T00:00:00.005Z ctl-01 xcloudctl - audit [xcloudAudit@32473 seq=\"42\" ",
          0) == 0);
  CHECK(m.find(R"(message="quote \" backslash \\ bracket \] 中文")") != std::string::npos);
  check_same(parse_message(m), r);
  CHECK(octet_counted("abc") == "3 abc");
  CHECK(octet_counted("中") == "3 中");
}

TEST_CASE("export sends records over TCP, parsed back equal, and resumes with only new ones") {
  AuditDir dir;
  auto store = open_audit_store(dir.path("state.db"));
  AuditLog log(*store, SteppingClock{kAuditT0});
  for (int i = 0; i < 12; ++i) REQUIRE(log.append(sample_record(i)).ok());
  Receiver receiver;

  Result<ExportResult> first = export_once(*store, receiver);
  REQUIRE_MESSAGE(first.ok(), first.status().message());
  CHECK(first->sent == 12);
  CHECK(first->last_seq == 12);
  std::vector<std::string> messages = unframe(receiver.join());
  Result<std::vector<AuditRecord>> records = log.list({});
  REQUIRE(messages.size() == 12);
  for (size_t i = 0; i < messages.size(); ++i)
    check_same(parse_message(messages[i]), records->at(i));
  CHECK(*store->get_meta(export_cursor_key(receiver.destination())) == "12");

  for (int i = 12; i < 15; ++i) REQUIRE(log.append(sample_record(i)).ok());
  Result<ExportResult> second = export_once(*store, receiver);
  REQUIRE(second.ok());
  CHECK(second->sent == 3);
  messages = unframe(receiver.join());
  REQUIRE(messages.size() == 3);
  CHECK(parse_message(messages[0]).params["seq"] == "13");
  check_same(parse_message(messages[2]), log.list({})->back());

  Result<ExportResult> third = export_once(*store, receiver);
  REQUIRE(third.ok());
  CHECK(third->sent == 0);
  CHECK(third->last_seq == 15);
  CHECK(receiver.join().empty());
}

TEST_CASE("export keeps the cursor at the last record written when the receiver goes away") {
  AuditDir dir;
  auto store = open_audit_store(dir.path("state.db"));
  AuditLog log(*store, SteppingClock{kAuditT0});
  for (int i = 0; i < 5; ++i) REQUIRE(log.append(sample_record(i)).ok());
  struct FailingSink : SyslogSink {
    int left = 3;
    Status send(std::string_view) override {
      if (left-- > 0) return {};
      return error(Code::kUnavailable, "syslog 127.0.0.1:9: send failed: Broken pipe");
    }
  } sink;
  Result<ExportResult> r = export_to_syslog(*store, "127.0.0.1:9", sink);
  CHECK(r.status().message() ==
        "audit export to 127.0.0.1:9: syslog 127.0.0.1:9: send failed: Broken pipe");
  CHECK(*store->get_meta(export_cursor_key("127.0.0.1:9")) == "3");
}

TEST_CASE("export over TLS checks the receiver's certificate") {
  AuditDir dir;
  auto store = open_audit_store(dir.path("state.db"));
  AuditLog log(*store, SteppingClock{kAuditT0});
  for (int i = 0; i < 3; ++i) REQUIRE(log.append(sample_record(i)).ok());
  TestPki pki;
  PemPaths server = pki.issue("syslog", CertificateUsage::kServer, {"127.0.0.1"});
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  REQUIRE(ctx != nullptr);
  REQUIRE(SSL_CTX_use_certificate_chain_file(ctx, server.cert.c_str()) == 1);
  REQUIRE(SSL_CTX_use_PrivateKey_file(ctx, server.key.c_str(), SSL_FILETYPE_PEM) == 1);
  {
    Receiver receiver(ctx);
    Result<ExportResult> r = export_once(*store, receiver, {true, pki.ca_path()});
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    std::vector<std::string> messages = unframe(receiver.join());
    REQUIRE(messages.size() == 3);
    check_same(parse_message(messages[0]), log.list({})->front());

    TestPki stranger("another CA");
    for (int i = 3; i < 5; ++i) REQUIRE(log.append(sample_record(i)).ok());
    Result<ExportResult> refused = export_once(*store, receiver, {true, stranger.ca_path()});
    CHECK(refused.status().message() ==
          "syslog 127.0.0.1:" + receiver.destination().substr(10) +
              ": TLS handshake failed: unable to get local issuer certificate");
    receiver.join();
    CHECK(*store->get_meta(export_cursor_key(receiver.destination())) == "3");
  }
  SSL_CTX_free(ctx);
}
