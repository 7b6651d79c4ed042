// Tamper detection as a property: a 300-record chain with signed checkpoints
// every 50 records is copied and changed at random (fixed seed) in every way
// an attacker with write access to the database but not the SM2 key could;
// verify must fail and name exactly the first record the evidence condemns.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "common/sm_crypto.h"
#include "ctl/audit/audit_checkpoint.h"
#include "ctl/audit/audit_verify.h"
#include "tests/support/audit_test_support.h"

using namespace xc;
using namespace xc::test;

namespace {

constexpr int64_t kRecords = 300;
constexpr int64_t kCheckpointEvery = 50;

// The untouched chain, its key and checkpoints, built once per test run.
struct Golden {
  AuditDir dir{true};
  std::string db = dir.path("golden.db");
  std::string checkpoints = dir.path("checkpoints.jsonl");
  Sm2KeyPair key;
  std::vector<AuditRecord> records;  // records[i] has seq i + 1

  Golden() {
    Result<Sm2KeyPair> k = sm2_generate_key();
    REQUIRE(k.ok());
    key = *k;
    auto store = open_audit_store(db);
    AuditLog log(*store, SteppingClock{kAuditT0});
    for (int i = 0; i < kRecords; ++i) {
      Result<AuditRecord> r = log.append(sample_record(i));
      REQUIRE(r.ok());
      records.push_back(*r);
      if (r->seq % kCheckpointEvery == 0) {
        Checkpoint c{r->seq, r->digest, r->time_ms + 500, ""};
        Result<std::string> line = checkpoint_line(c, key.private_pem);
        REQUIRE(line.ok());
        REQUIRE(append_checkpoint_line(checkpoints, *line).ok());
      }
    }
  }
};

const char* const kTextColumns[] = {"actor",      "as_user", "reason", "origin_host", "command",
                                    "kind",       "tenant",  "name",   "action",      "hash_before",
                                    "hash_after", "result",  "message"};

class Mutator {
 public:
  Mutator(const Golden& golden, const std::string& path, std::mt19937& rng)
      : golden_(golden), raw_(path), rng_(rng) {
    REQUIRE(raw_.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete") == "");
  }

  int64_t pick(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

  // Each returns the seq verify must name, and describes what it did.
  int64_t flip_byte(std::string& what) {
    for (;;) {
      int64_t seq = pick(1, kRecords);
      const AuditRecord& r = golden_.records[seq - 1];
      int column = static_cast<int>(pick(0, 16));  // 0 seq, 1 time, 2..14 text, 15 prev, 16 digest
      if (column <= 1) {
        std::string digits = std::to_string(column == 0 ? r.seq : r.time_ms);
        size_t at = static_cast<size_t>(pick(0, static_cast<int64_t>(digits.size()) - 1));
        char old = digits[at];
        while (digits[at] == old) digits[at] = static_cast<char>('0' + pick(0, 9));
        int64_t value = std::stoll(digits);
        const char* name = column == 0 ? "seq" : "time_ms";
        std::string sql = std::string("UPDATE audit_log SET ") + name + " = " +
                          std::to_string(value) + " WHERE seq = " + std::to_string(seq);
        if (!raw_.exec(sql).empty()) continue;  // the new seq is taken
        what =
            std::string(name) + " of seq " + std::to_string(seq) + " -> " + std::to_string(value);
        return column == 0 ? std::min(seq, value) : seq;
      }
      bool blob = column >= 15;
      const char* name =
          blob ? (column == 15 ? "prev_digest" : "digest") : kTextColumns[column - 2];
      std::string value =
          raw_.query(std::string("SELECT ") + (blob ? "hex(" : "") + name + (blob ? ")" : "") +
                     " FROM audit_log WHERE seq = " + std::to_string(seq));
      if (blob) value = *from_hex(value);
      if (value.empty()) continue;
      size_t at = static_cast<size_t>(pick(0, static_cast<int64_t>(value.size()) - 1));
      value[at] = static_cast<char>(value[at] ^ static_cast<char>(pick(1, 255)));
      set(seq, name, value, blob);
      what = std::string("byte ") + std::to_string(at) + " of " + name + " of seq " +
             std::to_string(seq);
      return seq;
    }
  }

  int64_t delete_row(std::string& what) {
    int64_t seq = pick(1, kRecords);
    REQUIRE(raw_.exec("DELETE FROM audit_log WHERE seq = " + std::to_string(seq)) == "");
    what = "deleted seq " + std::to_string(seq);
    return seq;
  }

  // A forged row at `seq`, the rows from there on moved up by one. With
  // `consistent` its digests are recomputed, so the next row is the first
  // whose stored digest no longer fits.
  int64_t insert_row(std::string& what, bool consistent) {
    int64_t seq = consistent ? pick(1, kRecords) : pick(1, kRecords + 1);
    shift_up_from(seq);
    AuditRecord forged = sample_record(static_cast<int>(pick(0, 1000)));
    forged.seq = seq;
    forged.time_ms = golden_.records[std::min(seq, kRecords) - 1].time_ms;
    if (consistent) {
      forged.prev_digest = seq == 1 ? zero_digest() : golden_.records[seq - 2].digest;
      forged.digest = *chain_digest(forged.prev_digest, forged);
    } else {
      forged.prev_digest = random_bytes(32);
      forged.digest = random_bytes(32);
    }
    insert(forged);
    what = std::string(consistent ? "consistent" : "forged") + " row inserted at seq " +
           std::to_string(seq);
    return consistent ? seq + 1 : seq;
  }

  int64_t swap_rows(std::string& what) {
    int64_t a = pick(1, kRecords - 1);
    int64_t b = pick(a + 1, kRecords);
    REQUIRE(raw_.exec("UPDATE audit_log SET seq = -1 WHERE seq = " + std::to_string(a) +
                      "; UPDATE audit_log SET seq = " + std::to_string(a) + " WHERE seq = " +
                      std::to_string(b) + "; UPDATE audit_log SET seq = " + std::to_string(b) +
                      " WHERE seq = -1") == "");
    what = "swapped seq " + std::to_string(a) + " and " + std::to_string(b);
    return a;
  }

  // The checkpoint at seq 300 still covers the cut records.
  int64_t truncate_tail(std::string& what) {
    int64_t from = pick(1, kRecords);
    REQUIRE(raw_.exec("DELETE FROM audit_log WHERE seq >= " + std::to_string(from)) == "");
    what = "truncated from seq " + std::to_string(from);
    return from;
  }

  // Changes record `from` and recomputes every digest after it, as an
  // attacker can without the key: only the checkpoints can tell, so the
  // first suspect record is the one after the last checkpoint that matches.
  int64_t rewrite_tail(std::string& what) {
    int64_t from = pick(1, kRecords);
    std::string prev = from == 1 ? zero_digest() : golden_.records[from - 2].digest;
    for (int64_t seq = from; seq <= kRecords; ++seq) {
      AuditRecord r = golden_.records[seq - 1];
      if (seq == from) r.message = "nothing to see here";
      r.prev_digest = prev;
      r.digest = *chain_digest(prev, r);
      REQUIRE(raw_.exec("DELETE FROM audit_log WHERE seq = " + std::to_string(seq)) == "");
      insert(r);
      prev = r.digest;
    }
    what = "tail rewritten from seq " + std::to_string(from);
    return (from - 1) / kCheckpointEvery * kCheckpointEvery + 1;
  }

 private:
  void shift_up_from(int64_t seq) {
    std::string s = std::to_string(seq);
    REQUIRE(raw_.exec("UPDATE audit_log SET seq = -seq WHERE seq >= " + s +
                      "; UPDATE audit_log SET seq = 1 - seq WHERE seq < 0") == "");
  }

  std::string random_bytes(size_t n) {
    std::string out(n, '\0');
    for (char& c : out) c = static_cast<char>(pick(0, 255));
    return out;
  }

  void set(int64_t seq, const char* column, const std::string& value, bool blob) {
    sqlite3_stmt* stmt = nullptr;
    std::string sql = std::string("UPDATE audit_log SET ") + column + " = ?1 WHERE seq = ?2";
    REQUIRE(sqlite3_prepare_v2(raw_.get(), sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    if (blob) {
      sqlite3_bind_blob(stmt, 1, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_text(stmt, 1, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    }
    sqlite3_bind_int64(stmt, 2, seq);
    CHECK(sqlite3_step(stmt) == SQLITE_DONE);
    sqlite3_finalize(stmt);
  }

  void insert(const AuditRecord& r) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(
        sqlite3_prepare_v2(raw_.get(),
                           "INSERT INTO audit_log (seq, time_ms, actor, as_user, reason, "
                           "origin_host, command, kind, tenant, name, action, hash_before, "
                           "hash_after, result, message, prev_digest, digest) VALUES (?1, ?2, "
                           "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                           -1, &stmt, nullptr) == SQLITE_OK);
    sqlite3_bind_int64(stmt, 1, r.seq);
    sqlite3_bind_int64(stmt, 2, r.time_ms);
    int i = 3;
    for (const std::string* f :
         {&r.actor, &r.as_user, &r.reason, &r.origin_host, &r.command, &r.kind, &r.tenant, &r.name,
          &r.action, &r.hash_before, &r.hash_after, &r.result, &r.message}) {
      sqlite3_bind_text(stmt, i++, f->data(), static_cast<int>(f->size()), SQLITE_TRANSIENT);
    }
    sqlite3_bind_blob(stmt, 16, r.prev_digest.data(), 32, SQLITE_TRANSIENT);
    sqlite3_bind_blob(stmt, 17, r.digest.data(), 32, SQLITE_TRANSIENT);
    CHECK(sqlite3_step(stmt) == SQLITE_DONE);
    sqlite3_finalize(stmt);
  }

  const Golden& golden_;
  RawAuditDb raw_;
  std::mt19937& rng_;
};

void copy_database(const std::string& from, const std::string& to) {
  namespace fs = std::filesystem;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    fs::remove(to + suffix);
    if (fs::exists(from + suffix)) fs::copy_file(from + suffix, to + suffix);
  }
}

AuditVerification verify_copy(const Golden& golden, const std::string& path) {
  Result<std::vector<Checkpoint>> checkpoints =
      read_checkpoints(golden.checkpoints, golden.key.public_pem);
  REQUIRE_MESSAGE(checkpoints.ok(), checkpoints.status().message());
  auto store = open_audit_store(path, OpenMode::kExisting);
  Result<AuditVerification> v = verify_audit_chain(*store, *checkpoints);
  REQUIRE_MESSAGE(v.ok(), v.status().message());
  return *v;
}

}  // namespace

TEST_CASE("verify names the first bad record after any of 240 random mutations") {
  Golden golden;
  std::string work = golden.dir.path("work.db");
  copy_database(golden.db, work);
  AuditVerification clean = verify_copy(golden, work);
  REQUIRE_MESSAGE(clean.ok, clean.why);
  CHECK(clean.records == kRecords);
  CHECK(clean.checkpoints == kRecords / kCheckpointEvery);

  std::mt19937 rng(20260101);
  std::map<std::string, int> kinds;
  for (int i = 0; i < 240; ++i) {
    copy_database(golden.db, work);
    std::string what;
    int64_t expected = 0;
    {
      Mutator m(golden, work, rng);
      switch (m.pick(0, 11)) {
        case 0:
          expected = m.delete_row(what);
          kinds["delete"]++;
          break;
        case 1:
          expected = m.insert_row(what, false);
          kinds["insert forged"]++;
          break;
        case 2:
          expected = m.insert_row(what, true);
          kinds["insert consistent"]++;
          break;
        case 3:
          expected = m.swap_rows(what);
          kinds["swap"]++;
          break;
        case 4:
          expected = m.truncate_tail(what);
          kinds["truncate"]++;
          break;
        case 5:
          expected = m.rewrite_tail(what);
          kinds["rewrite"]++;
          break;
        default:
          expected = m.flip_byte(what);
          kinds["byte"]++;
          break;
      }
    }
    AuditVerification v = verify_copy(golden, work);
    INFO("mutation ", i, ": ", what, "; verify said: ", v.why);
    CHECK(!v.ok);
    CHECK(v.first_bad_seq == expected);
  }
  std::ostringstream summary;
  for (const auto& [kind, n] : kinds) summary << kind << " " << n << ", ";
  MESSAGE("mutations: ", summary.str());
  for (const char* kind :
       {"delete", "insert forged", "insert consistent", "swap", "truncate", "rewrite", "byte"}) {
    CHECK_MESSAGE(kinds[kind] >= 5, kind);
  }
}

TEST_CASE("verify explains each kind of tampering") {
  Golden golden;
  std::string work = golden.dir.path("work.db");
  auto mutate_and_verify = [&](const std::string& sql) {
    copy_database(golden.db, work);
    {
      RawAuditDb raw(work);
      REQUIRE(raw.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;" +
                       sql) == "");
    }
    return verify_copy(golden, work);
  };
  AuditVerification v = mutate_and_verify("UPDATE audit_log SET actor = 'mallory' WHERE seq = 7");
  CHECK(v.first_bad_seq == 7);
  CHECK(v.why == "its contents do not match its digest");
  v = mutate_and_verify("DELETE FROM audit_log WHERE seq = 7");
  CHECK(v.why == "record seq 7 is missing (the next is seq 8)");
  v = mutate_and_verify("DELETE FROM audit_log WHERE seq > 260");
  CHECK(v.first_bad_seq == 261);
  CHECK(
      v.why.rfind("record seq 261 is missing: the chain ends at seq 260 but the checkpoint at seq "
                  "300 signed ",
                  0) == 0);
  v = mutate_and_verify("UPDATE audit_log SET prev_digest = zeroblob(32) WHERE seq = 2");
  CHECK(v.why == "it does not follow record seq 1 (its previous digest differs)");
}

TEST_CASE("an edited checkpoint or one signed by another key is refused") {
  Golden golden;
  std::string text;
  {
    std::ifstream in(golden.checkpoints);
    std::stringstream s;
    s << in.rdbuf();
    text = s.str();
  }
  std::string edited = text;
  size_t at = edited.find("\"seq\":100");
  REQUIRE(at != std::string::npos);
  edited.replace(at, 9, "\"seq\":101");
  std::string path = golden.dir.path("edited.jsonl");
  { std::ofstream(path) << edited; }
  Result<std::vector<Checkpoint>> read = read_checkpoints(path, golden.key.public_pem);
  CHECK(read.status().code() == Code::kPermissionDenied);
  CHECK(read.status().message() == "checkpoint " + path + ":2: signature does not verify");

  Result<Sm2KeyPair> other = sm2_generate_key();
  REQUIRE(other.ok());
  read = read_checkpoints(golden.checkpoints, other->public_pem);
  CHECK(read.status().message() ==
        "checkpoint " + golden.checkpoints + ":1: signature does not verify");

  { std::ofstream(path) << "{\"seq\": 1}\n"; }
  CHECK(read_checkpoints(path, golden.key.public_pem).status().message() ==
        "checkpoint " + path + ":1: not a checkpoint (expected seq, digest, time and signature)");
}

TEST_CASE("an untouched chain of a hundred thousand records verifies") {
  AuditDir dir;
  auto store = open_audit_store(dir.path("state.db"));
  AuditLog log(*store, SteppingClock{kAuditT0, 7});
  constexpr int kMany = 100'000;
  auto start = std::chrono::steady_clock::now();
  REQUIRE(store
              ->transact([&]() -> Status {
                for (int i = 0; i < kMany; ++i) {
                  if (Result<AuditRecord> r = log.append(sample_record(i)); !r.ok())
                    return r.status();
                }
                return {};
              })
              .ok());
  auto built = std::chrono::steady_clock::now();
  Result<AuditVerification> v = verify_audit_chain(*store, {});
  auto verified = std::chrono::steady_clock::now();
  REQUIRE(v.ok());
  CHECK_MESSAGE(v->ok, v->why);
  CHECK(v->records == kMany);
  using ms = std::chrono::milliseconds;
  MESSAGE("100,000 records: appended in ", std::chrono::duration_cast<ms>(built - start).count(),
          " ms (one transaction), verified in ",
          std::chrono::duration_cast<ms>(verified - built).count(), " ms");
}
