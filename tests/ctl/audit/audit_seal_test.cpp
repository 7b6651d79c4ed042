// Sealing: records after the last checkpoint are counted as unsealed,
// routine checkpoints are made when due, a prune is signed into a checkpoint
// before it commits, and a prune no checkpoint covers is tampering.
#include "ctl/audit/audit_seal.h"

#include <doctest/doctest.h>

#include <fstream>

#include "common/sm_crypto.h"
#include "tests/support/audit_test_support.h"

using namespace xc;
using namespace xc::test;

namespace {

constexpr int64_t kHour = 3'600'000;

struct Sealed {
  AuditDir dir;
  std::unique_ptr<Store> store = open_audit_store(dir.path("state.db"));
  int64_t now = kAuditT0;
  AuditLog log{*store, [this] { return now; }};
  SealKey key;

  Sealed() {
    Result<Sm2KeyPair> pair = sm2_generate_key();
    REQUIRE(pair.ok());
    key = {pair->private_pem, pair->public_pem, dir.path("checkpoints.jsonl")};
  }
  void append(int n) {
    for (int i = 0; i < n; ++i) REQUIRE(log.append(sample_record(i)).ok());
  }
  std::vector<Checkpoint> checkpoints() {
    Result<std::vector<Checkpoint>> all = read_checkpoints(key.checkpoints_path, key.public_pem);
    if (!all.ok()) return {};
    return *all;
  }
  AuditVerification verify() {
    Result<AuditVerification> v = verify_audit_chain(*store, checkpoints());
    REQUIRE(v.ok());
    return *v;
  }
};

}  // namespace

TEST_CASE("verify counts the records after the last checkpoint as unsealed") {
  Sealed s;
  s.append(3);
  AuditVerification v = s.verify();
  CHECK(v.ok);
  CHECK(v.unsealed == 3);
  CHECK(v.sealed_through == 0);
  REQUIRE(seal_audit_chain(*s.store, s.key, {}, true, kAuditT0).ok());
  s.append(2);
  v = s.verify();
  CHECK(v.ok);
  CHECK(v.sealed_through == 3);
  CHECK(v.unsealed == 2);
  CHECK(v.last_sealed_ms == kAuditT0);
}

TEST_CASE("routine sealing: forced, after N records or after an hour, never when nothing is new") {
  Sealed s;
  SealPolicy policy{5, kHour};
  s.append(1);
  Result<SealOutcome> first = seal_audit_chain(*s.store, s.key, policy, false, kAuditT0);
  REQUIRE(first.ok());
  CHECK(first->sealed);  // never sealed before: due at once
  CHECK(first->checkpoint.seq == 1);

  s.append(3);
  Result<SealOutcome> early = seal_audit_chain(*s.store, s.key, policy, false, kAuditT0 + 1000);
  REQUIRE(early.ok());
  CHECK_FALSE(early->sealed);
  CHECK(early->unsealed == 3);

  s.append(2);  // 5 unsealed: due by count
  Result<SealOutcome> by_count = seal_audit_chain(*s.store, s.key, policy, false, kAuditT0 + 2000);
  REQUIRE(by_count.ok());
  CHECK(by_count->sealed);
  CHECK(by_count->checkpoint.seq == 6);

  s.append(1);
  CHECK_FALSE(seal_audit_chain(*s.store, s.key, policy, false, kAuditT0 + kHour)->sealed);
  CHECK(seal_audit_chain(*s.store, s.key, policy, false, kAuditT0 + 2000 + kHour)->sealed);
  CHECK_FALSE(seal_audit_chain(*s.store, s.key, policy, true, kAuditT0 + 3 * kHour)->sealed);

  s.append(1);
  CHECK(seal_audit_chain(*s.store, s.key, policy, true, kAuditT0 + 3 * kHour)->sealed);
  CHECK(s.checkpoints().size() == 4);
  CHECK(s.verify().unsealed == 0);
}

TEST_CASE("sealing refuses a tampered chain and signs nothing") {
  Sealed s;
  s.append(3);
  {
    RawAuditDb raw(s.dir.path("state.db"));
    REQUIRE(raw.exec("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' "
                     "WHERE seq = 2") == "");
  }
  Result<SealOutcome> sealed = seal_audit_chain(*s.store, s.key, {}, true, kAuditT0);
  CHECK(sealed.status().code() == Code::kFailedPrecondition);
  CHECK(sealed.status().message() ==
        "audit log: not sealing a tampered chain: first bad record seq 2: its contents do not "
        "match its digest");
  CHECK(s.checkpoints().empty());
}

TEST_CASE("a sealed prune verifies, a forged one is named, and routine sealing will not cover it") {
  Sealed s;
  for (int i = 0; i < 4; ++i) {
    s.now = kAuditT0 + i * kMsPerDay;
    s.append(1);
  }
  REQUIRE(seal_audit_chain(*s.store, s.key, {}, true, s.now).ok());
  s.now = kAuditT0 + 400 * kMsPerDay;
  s.append(1);
  Result<PruneResult> pruned =
      prune_sealed(s.log, s.key, kAuditT0 + 2 * kMsPerDay, sample_record(9), s.now);
  REQUIRE_MESSAGE(pruned.ok(), pruned.status().message());
  CHECK(pruned->removed == 2);
  AuditVerification v = s.verify();
  CHECK_MESSAGE(v.ok, v.why);
  CHECK(v.unsealed == 0);  // the prune signed its own record
  CHECK(v.last_prune_seq == 6);

  // The forgery: the covered records gone, the anchor set, the next record
  // rewritten as a prune and the chain recomputed.
  s.append(1);  // seq 7
  {
    RawAuditDb raw(s.dir.path("state.db"));
    std::string d6 = raw.query("SELECT lower(hex(digest)) FROM audit_log WHERE seq = 6");
    REQUIRE(raw.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
                     "DELETE FROM audit_log WHERE seq <= 6;"
                     "UPDATE meta SET value = '6:" +
                     d6 + "' WHERE key = 'audit.anchor'") == "");
  }
  std::vector<AuditRecord> rest = *s.log.list({});
  REQUIRE(rest.size() == 1);
  AuditRecord forged = rest[0];
  forged.action = "prune";
  forged.result = kAuditOk;
  std::string anchor = **s.store->get_meta(kAuditAnchorKey);
  forged.hash_after = anchor;
  forged.prev_digest = *from_hex(anchor.substr(2));
  forged.digest = *chain_digest(forged.prev_digest, forged);
  {
    RawAuditDb raw(s.dir.path("state.db"));
    REQUIRE(raw.exec("DELETE FROM audit_log") == "");
  }
  REQUIRE(s.store->insert_audit_record(forged).ok());
  v = s.verify();
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == 7);
  CHECK(v.why ==
        "the prune at seq 7 is not covered by any checkpoint (a prune signs one as it is made): "
        "records were removed without the signing key");
  Result<SealOutcome> sealed = seal_audit_chain(*s.store, s.key, {}, true, s.now);
  CHECK(sealed.status().message().rfind("audit log: not sealing a tampered chain: first bad "
                                        "record seq 7: the prune at seq 7 is not covered",
                                        0) == 0);
}

TEST_CASE("a prune whose checkpoint cannot be written removes nothing") {
  Sealed s;
  s.append(2);
  s.now = kAuditT0 + 400 * kMsPerDay;
  s.key.checkpoints_path = s.dir.path("no/such/dir/checkpoints.jsonl");
  Result<PruneResult> pruned =
      prune_sealed(s.log, s.key, kAuditT0 + kMsPerDay, sample_record(9), s.now);
  REQUIRE_FALSE(pruned.ok());
  CHECK(pruned.status().message().find("checkpoint file " + s.key.checkpoints_path) !=
        std::string::npos);
  std::vector<AuditRecord> all = *s.log.list({});
  REQUIRE(all.size() == 3);  // both records kept, the failed attempt recorded
  CHECK(all[2].action == "prune");
  CHECK(all[2].result == kAuditError);
  CHECK_FALSE(s.store->get_meta(kAuditAnchorKey)->has_value());
}

TEST_CASE("rows with seq 0 or below are listed and are errors for verify") {
  Sealed s;
  s.append(2);
  {
    RawAuditDb raw(s.dir.path("state.db"));
    REQUIRE(raw.exec("INSERT INTO audit_log (seq, time_ms, actor) VALUES (0, 0, 'mallory')") == "");
  }
  std::vector<AuditRecord> all = *s.log.list({});
  REQUIRE(all.size() == 3);
  CHECK(all[0].seq == 0);
  AuditVerification v = s.verify();
  CHECK_FALSE(v.ok);
  CHECK(v.first_bad_seq == 0);
  CHECK(v.why == "record seq 0 lies before the chain's start at seq 1");
}
