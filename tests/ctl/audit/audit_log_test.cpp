#include "ctl/audit/audit_log.h"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "common/sm_crypto.h"
#include "ctl/audit/audit_verify.h"
#include "tests/support/audit_test_support.h"

using namespace xc;
using namespace xc::test;

namespace {

// Delegates to a real store, with fault switches.
class FaultyStore final : public Store {
 public:
  explicit FaultyStore(Store& inner) : inner_(inner) {}
  bool fail_transact = false;
  bool fail_audit_insert = false;

  Result<int> schema_version() override { return inner_.schema_version(); }
  Status transact(const std::function<Status()>& body) override {
    if (fail_transact) return error(Code::kUnavailable, "database is locked");
    return inner_.transact(body);
  }
  Status upsert_host(const HostRecord& h) override { return inner_.upsert_host(h); }
  Result<HostRecord> get_host(const std::string& n) override { return inner_.get_host(n); }
  Result<std::vector<HostRecord>> list_hosts() override { return inner_.list_hosts(); }
  Result<ResourceRecord> put_resource(const ResourceRecord& r) override {
    return inner_.put_resource(r);
  }
  Result<ResourceRecord> get_resource(const ResourceKey& k) override {
    return inner_.get_resource(k);
  }
  Result<std::vector<ResourceRecord>> list_resources(const std::optional<std::string>& k) override {
    return inner_.list_resources(k);
  }
  Status delete_resource(const ResourceKey& k) override { return inner_.delete_resource(k); }
  Status set_placement(const ResourceKey& k, const std::string& h) override {
    return inner_.set_placement(k, h);
  }
  Result<PlacementRecord> get_placement(const ResourceKey& k) override {
    return inner_.get_placement(k);
  }
  Result<std::vector<PlacementRecord>> list_placements() override {
    return inner_.list_placements();
  }
  Result<std::optional<std::string>> get_meta(const std::string& k) override {
    return inner_.get_meta(k);
  }
  Status put_meta(const std::string& k, const std::string& v) override {
    return inner_.put_meta(k, v);
  }
  Status insert_audit_record(const AuditRecord& r) override {
    if (fail_audit_insert) return error(Code::kIo, "disk I/O error");
    return inner_.insert_audit_record(r);
  }
  Result<std::optional<AuditRecord>> last_audit_record() override {
    return inner_.last_audit_record();
  }
  Status scan_audit_records(const AuditFilter& f,
                            const std::function<bool(const AuditRecord&)>& visit) override {
    return inner_.scan_audit_records(f, visit);
  }
  Status delete_audit_records_through(int64_t seq) override {
    return inner_.delete_audit_records_through(seq);
  }

 private:
  Store& inner_;
};

std::vector<int64_t> seqs(const Result<std::vector<AuditRecord>>& records) {
  REQUIRE(records.ok());
  std::vector<int64_t> out;
  for (const AuditRecord& r : *records) out.push_back(r.seq);
  return out;
}

AuditVerification verified(Store& store) {
  Result<AuditVerification> v = verify_audit_chain(store, {});
  REQUIRE_MESSAGE(v.ok(), v.status().message());
  return *v;
}

const ResourceKey kWeb1{"VirtualMachine", "education", "web-1"};

ResourceRecord web1(const std::string& hash) {
  return {"VirtualMachine", "education", "web-1", R"({"cpus":2})", hash, 0, "examples", 5};
}

}  // namespace

TEST_CASE("append numbers records from 1, stamps the clock and chains the digests") {
  AuditDir dir;
  auto store = open_audit_store(dir.path("state.db"));
  AuditLog log(*store, SteppingClock{kAuditT0});
  std::vector<AuditRecord> written;
  for (int i = 0; i < 3; ++i) {
    Result<AuditRecord> r = log.append(sample_record(i));
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    written.push_back(*r);
  }
  CHECK(written[0].seq == 1);
  CHECK(written[2].seq == 3);
  CHECK(written[1].time_ms == kAuditT0 + 1000);
  CHECK(written[0].prev_digest == zero_digest());
  CHECK(written[1].prev_digest == written[0].digest);
  CHECK(written[2].digest == *chain_digest(written[1].digest, written[2]));
  Result<std::vector<AuditRecord>> all = log.list({});
  REQUIRE(all.ok());
  CHECK(*all == written);
  CHECK(log.head()->seq == 3);
  CHECK(store->insert_audit_record(written[0]).code() == Code::kConflict);
  CHECK(log.head()->digest == written[2].digest);
  AuditVerification v = verified(*store);
  CHECK(v.ok);
  CHECK(v.records == 3);
}

TEST_CASE("the database refuses to change or delete audit records") {
  AuditDir dir;
  auto store = open_audit_store(dir.path("state.db"));
  AuditLog log(*store, SteppingClock{kAuditT0});
  REQUIRE(log.append(sample_record(1)).ok());
  RawAuditDb raw(dir.path("state.db"));
  CHECK(raw.exec("UPDATE audit_log SET actor = 'mallory'") == "audit records cannot be changed");
  CHECK(raw.exec("DELETE FROM audit_log") == "audit records cannot be deleted");
  CHECK(raw.query("SELECT count(*) FROM audit_log") == "1");
}

TEST_CASE("list filters by time, actor, tenant subtree and object") {
  AuditDir dir;
  auto store = open_audit_store(dir.path("state.db"));
  AuditLog log(*store, SteppingClock{kAuditT0});
  for (int i = 1; i <= 12; ++i) REQUIRE(log.append(sample_record(i)).ok());
  AuditRecord odd = sample_record(13);
  odd.tenant = "educationx";
  REQUIRE(log.append(odd).ok());  // seq 13
  AuditRecord tenant = sample_record(14);
  tenant.kind = "Tenant";
  tenant.tenant = "";
  tenant.name = "education/schools";
  REQUIRE(log.append(tenant).ok());  // seq 14

  AuditFilter f;
  f.since_ms = kAuditT0 + 2000;
  f.until_ms = kAuditT0 + 5000;
  CHECK(seqs(log.list(f)) == std::vector<int64_t>{3, 4, 5});

  f = {};
  f.actor = "zhang";  // actors cycle ops, root, zhang from record 0
  CHECK(seqs(log.list(f)) == std::vector<int64_t>{2, 5, 8, 11, 14});
  f.actor = "李四";  // --as on every fifth
  CHECK(seqs(log.list(f)) == std::vector<int64_t>{5, 10});

  f = {};
  f.tenant = "education/schools";  // records 1, 4, 7, 10 and the Tenant object itself
  CHECK(seqs(log.list(f)) == std::vector<int64_t>{1, 4, 7, 10, 14});
  f.tenant = "education";
  CHECK(seqs(log.list(f)) == std::vector<int64_t>{1, 3, 4, 6, 7, 9, 10, 12, 14});

  f = {};
  f.kind = "VirtualMachine";
  f.object = "education/schools/web-4";
  CHECK(seqs(log.list(f)) == std::vector<int64_t>{4});
  f.object = "web-4";
  CHECK(seqs(log.list(f)) == std::vector<int64_t>{4});
  f.kind = "Network";
  CHECK(seqs(log.list(f)).empty());
  f.kind = "Tenant";
  f.object = "education/schools";
  CHECK(seqs(log.list(f)) == std::vector<int64_t>{14});

  f = {};
  f.after_seq = 12;
  CHECK(seqs(log.list(f)) == std::vector<int64_t>{13, 14});
}

TEST_CASE("prune refuses records younger than 365 days, and records the attempt") {
  AuditDir dir;
  auto store = open_audit_store(dir.path("state.db"));
  int64_t now = kAuditT0;
  AuditLog log(*store, [&] { return now; });
  REQUIRE(log.append(sample_record(1)).ok());
  now = kAuditT0 + 400 * kMsPerDay;
  Result<PruneResult> refused = log.prune(now - 364 * kMsPerDay, sample_record(2));
  CHECK(refused.status().code() == Code::kInvalidArgument);
  CHECK(refused.status().message() ==
        "audit log: refusing to prune records younger than 365 days (asked for records before "
        "2026-02-06T00:00:00.000Z; the latest allowed now is 2026-02-05T00:00:00.000Z)");
  Result<std::vector<AuditRecord>> all = log.list({});
  REQUIRE(all->size() == 2);
  CHECK(all->at(1).action == "prune");
  CHECK(all->at(1).result == "error");
  CHECK(all->at(1).message == refused.status().message());
  CHECK(verified(*store).ok);
}

TEST_CASE("prune removes the oldest records and the chain verifies from the anchor") {
  AuditDir dir;
  auto store = open_audit_store(dir.path("state.db"));
  int64_t now = kAuditT0;
  AuditLog log(*store, [&] { return now; });
  std::vector<AuditRecord> written;
  for (int i = 0; i < 5; ++i) {
    now = kAuditT0 + i * kMsPerDay;
    written.push_back(*log.append(sample_record(i)));
  }
  now = kAuditT0 + 400 * kMsPerDay;
  Result<PruneResult> pruned = log.prune(kAuditT0 + 3 * kMsPerDay, sample_record(9));
  REQUIRE_MESSAGE(pruned.ok(), pruned.status().message());
  CHECK(pruned->removed == 3);
  CHECK(pruned->anchor.seq == 3);
  CHECK(pruned->anchor.digest == written[2].digest);
  CHECK(seqs(log.list({})) == std::vector<int64_t>{4, 5, 6});
  AuditRecord record = log.list({})->back();
  CHECK(record.action == "prune");
  CHECK(record.result == "ok");
  CHECK(record.hash_before == "");
  CHECK(record.hash_after == "3:" + to_hex(written[2].digest));
  CHECK(record.message == "removed records 1..3 (older than 2026-01-04T00:00:00.000Z)");
  CHECK(*store->get_meta(kAuditAnchorKey) == record.hash_after);
  AuditVerification v = verified(*store);
  CHECK_MESSAGE(v.ok, v.why);
  CHECK(v.records == 3);

  // The trigger is back: nothing else can delete.
  RawAuditDb raw(dir.path("state.db"));
  CHECK(raw.exec("DELETE FROM audit_log") == "audit records cannot be deleted");

  SUBCASE("pruning everything leaves the anchor and the prune record") {
    now += 400 * kMsPerDay;  // the first prune's record is old too now
    Result<PruneResult> all = log.prune(now - 365 * kMsPerDay, sample_record(10));
    REQUIRE(all.ok());
    CHECK(all->removed == 3);
    CHECK(all->anchor.seq == 6);
    CHECK(seqs(log.list({})) == std::vector<int64_t>{7});
    CHECK(log.list({})->back().hash_before == record.hash_after);
    CHECK(verified(*store).ok);
  }
  SUBCASE("nothing old enough: nothing removed and nothing recorded") {
    Result<PruneResult> none = log.prune(kAuditT0, sample_record(10));
    REQUIRE(none.ok());
    CHECK(none->removed == 0);
    CHECK(log.list({})->size() == 3);
  }
  SUBCASE("an anchor no prune record accounts for is tampering") {
    REQUIRE(raw.exec("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq <= 4;"
                     "UPDATE meta SET value = '4:" +
                     to_hex(log.list({})->front().digest) + "' WHERE key = 'audit.anchor'") == "");
    AuditVerification v2 = verified(*store);
    CHECK(!v2.ok);
    CHECK(v2.first_bad_seq == 5);
    CHECK(v2.why ==
          "the chain starts after seq 4 but no prune record accounts for the records before it");
  }
}

TEST_CASE("record_change writes one ok record and the store update in one transaction") {
  AuditDir dir;
  auto store = open_audit_store(dir.path("state.db"));
  AuditLog log(*store, SteppingClock{kAuditT0});
  int host_calls = 0;
  AuditRecord r = sample_record(1);
  Status st = record_change(
      log, r,
      [&] {
        ++host_calls;
        return Status{};
      },
      [&] { return store->put_resource(web1("h1")).status(); });
  CHECK_MESSAGE(st.ok(), st.message());
  CHECK(host_calls == 1);
  CHECK(store->get_resource(kWeb1).ok());
  REQUIRE(log.list({})->size() == 1);
  CHECK(log.list({})->front().result == "ok");
}

TEST_CASE("a failed host change is recorded as an error and the store is not updated") {
  AuditDir dir;
  auto store = open_audit_store(dir.path("state.db"));
  AuditLog log(*store, SteppingClock{kAuditT0});
  bool store_called = false;
  Status st = record_change(
      log, sample_record(1),
      [] { return error(Code::kUnavailable, "host kp-03: connection refused"); },
      [&] {
        store_called = true;
        return Status{};
      });
  CHECK(st.message() == "host kp-03: connection refused");
  CHECK(!store_called);
  Result<std::vector<AuditRecord>> all = log.list({});
  REQUIRE(all->size() == 1);
  CHECK(all->front().result == "error");
  CHECK(all->front().message == "host kp-03: connection refused");
}

TEST_CASE("a failed store update is rolled back and recorded as an error") {
  AuditDir dir;
  auto store = open_audit_store(dir.path("state.db"));
  AuditLog log(*store, SteppingClock{kAuditT0});
  Status st = record_change(log, sample_record(1), nullptr, [&]() -> Status {
    REQUIRE(store->put_resource(web1("h1")).ok());
    return store->set_placement(kWeb1, "ghost");  // no such host
  });
  CHECK(st.code() == Code::kFailedPrecondition);
  CHECK(store->get_resource(kWeb1).status().code() == Code::kNotFound);
  Result<std::vector<AuditRecord>> all = log.list({});
  REQUIRE(all->size() == 1);
  CHECK(all->front().result == "error");
  CHECK(all->front().message == st.message());
}

TEST_CASE("if the audit record cannot be written the store is not updated") {
  AuditDir dir;
  auto real = open_audit_store(dir.path("state.db"));
  FaultyStore store(*real);
  AuditLog log(store, SteppingClock{kAuditT0});
  int host_calls = 0;
  auto host = [&] {
    ++host_calls;
    return Status{};
  };
  auto update = [&] { return store.put_resource(web1("h1")).status(); };

  SUBCASE("the audit log is not writable: nothing is touched") {
    store.fail_transact = true;
    Status st = record_change(log, sample_record(1), host, update);
    CHECK(st.message() == "audit log: cannot be written: database is locked");
    CHECK(host_calls == 0);
  }
  SUBCASE("the append itself fails: the store update is rolled back") {
    store.fail_audit_insert = true;
    Status st = record_change(log, sample_record(1), host, update);
    CHECK(st.message() ==
          "audit log: cannot write a record: disk I/O error; the change was not recorded in the "
          "state database");
    CHECK(host_calls == 1);
  }
  CHECK(real->get_resource(kWeb1).status().code() == Code::kNotFound);
  CHECK(AuditLog(*real).list({})->empty());
}

TEST_CASE("two processes appending at once keep one valid chain") {
  AuditDir dir;
  std::string path = dir.path("state.db");
  open_audit_store(path);  // closed before fork(): a connection must not cross into a child
  constexpr int kEach = 300;
  auto append_many = [&](const char* actor) -> Status {
    Result<std::unique_ptr<Store>> store = open_store(path, OpenMode::kExisting);
    if (!store.ok()) return store.status();
    AuditLog log(**store, SteppingClock{kAuditT0});
    for (int i = 0; i < kEach; ++i) {
      AuditRecord r = sample_record(i);
      r.actor = actor;
      if (Result<AuditRecord> w = log.append(r); !w.ok()) return w.status();
    }
    return {};
  };
  int go[2];
  REQUIRE(pipe(go) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(go[1]);
    char c;
    int code = read(go[0], &c, 1) == 1 ? 0 : 3;
    Status st = append_many("child");
    if (!st.ok()) {
      std::fprintf(stderr, "child: %s\n", st.message().c_str());
      code = 1;
    }
    _exit(code);
  }
  close(go[0]);
  CHECK(write(go[1], "g", 1) == 1);
  Status mine = append_many("parent");
  close(go[1]);
  int wstatus = 0;
  REQUIRE(waitpid(child, &wstatus, 0) == child);
  CHECK_MESSAGE(mine.ok(), mine.message());
  CHECK(WIFEXITED(wstatus));
  CHECK(WEXITSTATUS(wstatus) == 0);

  auto store = open_audit_store(path, OpenMode::kExisting);
  AuditLog log(*store);
  AuditFilter parent;
  parent.actor = "parent";
  AuditFilter child_filter;
  child_filter.actor = "child";
  CHECK(log.list(parent)->size() == kEach);
  CHECK(log.list(child_filter)->size() == kEach);
  AuditVerification v = verified(*store);
  CHECK_MESSAGE(v.ok, v.why);
  CHECK(v.records == 2 * kEach);
  CHECK(v.head.seq == 2 * kEach);
}
