// The audit commands through run_xcloudctl, in process: output formats,
// exit codes and messages.
#include "ctl/cli/audit_commands.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <sstream>

#include "tests/support/audit_test_support.h"

using namespace xc;
using namespace xc::test;

namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run xcloudctl(const std::string& state, std::vector<std::string> args) {
  args.insert(args.begin(), {"xcloudctl", "--state", state});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  int code = run_xcloudctl(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

std::vector<std::string> lines(const std::string& text, const std::string& end = "\n") {
  std::vector<std::string> out;
  size_t pos = 0;
  for (size_t next; (next = text.find(end, pos)) != std::string::npos; pos = next + end.size()) {
    out.push_back(text.substr(pos, next - pos));
  }
  return out;
}

class AuditCli {
 public:
  AuditCli() {
    auto store = open_audit_store(state);
    AuditLog log(*store, SteppingClock{kAuditT0, 60'000});
    for (int i = 1; i <= 6; ++i) REQUIRE(log.append(sample_record(i)).ok());
    AuditRecord chinese = sample_record(7);
    chinese.as_user = "张三";
    chinese.message = "更换磁盘, 见工单 \"CHG-88\"";
    REQUIRE(log.append(chinese).ok());
  }
  AuditDir dir;
  std::string state = dir.path("state.db");
  Run run(std::vector<std::string> args) { return xcloudctl(state, std::move(args)); }
};

}  // namespace

TEST_CASE("audit list -o csv is UTF-8 with a BOM, CRLF and quoted fields, and keeps Chinese") {
  AuditCli cli;
  Run r = cli.run({"audit", "list", "-o", "csv", "--actor", "张三"});
  CHECK(r.code == 0);
  REQUIRE(r.out.rfind("\xEF\xBB\xBF", 0) == 0);
  std::vector<std::string> rows = lines(r.out.substr(3), "\r\n");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] ==
        "seq,time,actor,as,reason,origin_host,command,kind,tenant,name,action,hash_before,"
        "hash_after,result,message,digest");
  INFO(rows[1]);
  CHECK(rows[1].rfind("7,2026-01-01T00:06:00.000Z,root,张三,,ctl-01,xcloudctl apply -f manifests/ "
                      "--reason CHG-7,Network,education/schools,web-7,create,,h7,ok,"
                      "\"更换磁盘, 见工单 \"\"CHG-88\"\"\",",
                      0) == 0);
  CHECK(rows[1].size() - rows[1].rfind(',') - 1 == 64);  // the digest in hex
}

TEST_CASE("audit list filters and prints a table or JSON") {
  AuditCli cli;
  Run r = cli.run({"audit", "list", "--since", "2026-01-01T00:01", "--until", "2026-01-01T00:03Z",
                   "--tenant", "health"});
  CHECK(r.code == 0);
  std::vector<std::string> rows = lines(r.out);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].rfind("SEQ   TIME                       ACTOR   OBJECT", 0) == 0);
  INFO(r.out);
  CHECK(rows[1].rfind(
            "2     2026-01-01T00:01:00.000Z   zhang   VirtualMachine/health/web-2   update   ok",
            0) == 0);

  r = cli.run({"audit", "list", "--object", "Network/education/schools/web-7", "-o", "json"});
  CHECK(r.code == 0);
  CHECK(r.out.find("\"as\": \"张三\"") != std::string::npos);
  CHECK(r.out.find("\"seq\": 7") != std::string::npos);
  CHECK(r.out.find("\"seq\": 1,") == std::string::npos);

  r = cli.run({"audit", "list", "--since", "last tuesday"});
  CHECK(r.code == 2);
  CHECK(r.err.rfind("xcloudctl: time \"last tuesday\": expected YYYY-MM-DD", 0) == 0);
  r = cli.run({"audit", "list", "--object", "web-7"});
  CHECK(r.code == 2);
  CHECK(r.err == "xcloudctl: --object \"web-7\": expected KIND/NAME or KIND/TENANT/NAME\n");
}

TEST_CASE("audit keygen, checkpoint and verify through the command line") {
  AuditCli cli;
  std::string key = cli.dir.path("audit-sm2.pem");
  Run r = cli.run({"audit", "keygen", "--out", key});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  struct stat st;
  REQUIRE(::stat(key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(cli.run({"audit", "keygen", "--out", key}).err ==
        "xcloudctl: " + key + " already exists; not replacing a key\n");

  r = cli.run({"audit", "checkpoint", "--key", key});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.rfind("checkpoint: seq 7, digest ", 0) == 0);
  CHECK(r.out.find("appended to " + cli.dir.path("audit-checkpoints.jsonl")) != std::string::npos);

  r = cli.run({"audit", "verify", "--pubkey", key + ".pub"});
  CHECK(r.code == 0);
  CHECK(r.out == "ok: 7 records, 1 checkpoints\n");
  r = cli.run({"audit", "verify"});
  CHECK(r.code == kExitUnsealed);
  CHECK(r.out ==
        "intact: 7 records, 0 checkpoints; not yet sealed: 7 records (seq 1..7); no checkpoints "
        "checked: give --pubkey or set XCLOUD_AUDIT_KEY\n");
  r = cli.run({"audit", "note", "after the checkpoint"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  r = cli.run({"audit", "verify", "--pubkey", key + ".pub"});
  CHECK(r.code == kExitUnsealed);
  CHECK(r.out == "intact: 8 records, 1 checkpoints; not yet sealed: 1 records (seq 8..8)\n");
  r = cli.run({"audit", "verify", "--checkpoints", cli.dir.path("audit-checkpoints.jsonl")});
  CHECK(r.code == 2);
  CHECK(r.err ==
        "xcloudctl: audit verify: --checkpoints needs --pubkey to check their signatures\n");

  {
    RawAuditDb raw(cli.state);
    REQUIRE(raw.exec("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET reason = 'none' WHERE "
                     "seq = 2") == "");
  }
  r = cli.run({"audit", "verify", "--pubkey", key + ".pub"});
  CHECK(r.code == 1);
  CHECK(r.out == "tampered: first bad record seq 2: its contents do not match its digest\n");
  r = cli.run({"audit", "checkpoint", "--key", key});
  CHECK(r.code == 1);
  CHECK(r.out == "tampered: first bad record seq 2: its contents do not match its digest\n");
  CHECK(r.err == "xcloudctl: not signing a tampered chain\n");
}

TEST_CASE("audit prune refuses records younger than 365 days with exit code 2") {
  AuditCli cli;
  std::string key = cli.dir.path("audit-sm2.pem");
  REQUIRE(cli.run({"audit", "keygen", "--out", key}).code == 0);
  Run r = cli.run({"audit", "prune", "--before", "2999-01-01"});
  CHECK(r.code == 2);
  CHECK(r.err ==
        "xcloudctl: audit prune: a prune is sealed with the audit signing key; give --key or set "
        "XCLOUD_AUDIT_KEY\n");
  r = cli.run({"audit", "prune", "--before", "2999-01-01", "--key", key});
  CHECK(r.code == 2);
  CHECK(r.err.rfind("xcloudctl: audit log: refusing to prune records younger than 365 days (asked "
                    "for records before 2999-01-01T00:00:00.000Z; the latest allowed now is ",
                    0) == 0);
  r = cli.run({"audit", "list", "--object", "AuditLog/audit_log", "-o", "json"});
  CHECK(r.out.find("\"result\": \"error\"") != std::string::npos);
  r = cli.run({"audit", "prune", "--before", "2000-01-01", "--key", key});
  CHECK(r.code == 0);
  CHECK(r.out == "nothing to prune: no record is older than 2000-01-01T00:00:00.000Z\n");
}

TEST_CASE("audit note records --as, --reason and the object") {
  AuditCli cli;
  Run r = cli.run({"--as", "李四", "--reason", "INC-88", "audit", "note", "--object", "Host/kp-03",
                   "replaced disk 2"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out == "recorded as seq 8\n");
  r = cli.run({"audit", "list", "--object", "Host/kp-03", "-o", "json"});
  CHECK(r.out.find("\"as\": \"李四\"") != std::string::npos);
  CHECK(r.out.find("\"reason\": \"INC-88\"") != std::string::npos);
  CHECK(r.out.find("\"action\": \"note\"") != std::string::npos);
  CHECK(r.out.find("\"message\": \"replaced disk 2\"") != std::string::npos);
}

TEST_CASE("every audit command's help shows an example") {
  AuditCli cli;
  for (const char* sub : {"list", "verify", "checkpoint", "keygen", "export", "prune", "note"}) {
    Run r = cli.run({"audit", sub, "--help"});
    CHECK(r.code == 0);
    CHECK_MESSAGE(r.out.find("Example") != std::string::npos, sub);
  }
}
