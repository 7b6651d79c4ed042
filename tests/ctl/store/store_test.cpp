#include "ctl/store/store.h"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "ctl/store/sqlite_store.h"
#include "ctl/store/store_migrations.h"
#include "tests/support/temp_dir.h"

using namespace xc;

namespace {

// A fresh directory under /tmp, removed with everything in it.
using xc::test::TempDir;

// A plain connection, to see what the store wrote without going through it.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  }
  ~RawDb() { sqlite3_close_v2(db_); }

  // The first column of the first row as text; "" when there is no row.
  std::string query(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }
  // "" on success, else SQLite's message.
  std::string exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) == SQLITE_OK) return "";
    std::string message = err ? err : "(no message)";
    sqlite3_free(err);
    return message;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::unique_ptr<Store> open_ok(const std::string& path, OpenMode mode = OpenMode::kExisting) {
  Result<std::unique_ptr<Store>> store = open_store(path, mode);
  REQUIRE_MESSAGE(store.ok(), store.status().message());
  return std::move(*store);
}

HostRecord host(const std::string& name) {
  return {name, "10.0.0.1:7443", "tls", "erlonglu", "gov-extranet", "x86_64", R"({"cpus":64})", 5};
}

ResourceRecord vm(const std::string& name, const std::string& hash, int64_t at_ms) {
  return {"VirtualMachine", "education", name, R"({"cpus":2})", hash, 0, "examples", at_ms};
}

const ResourceKey kWeb1{"VirtualMachine", "education", "web-1"};

int file_mode(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// Rows every table of schema version 1 accepts, written the way version 1 has them.
const char* kRowsAtVersion1 = R"sql(
INSERT INTO hosts (name, address, transport, pool, zone, arch, facts_json, updated_at_ms)
  VALUES ('h1', '10.0.0.1:7443', 'tls', 'erlonglu', 'gov-extranet', 'x86_64', '{"cpus":64}', 5);
INSERT INTO resources (kind, tenant, name, spec_json, spec_hash, generation, manifest_set, updated_at_ms)
  VALUES ('VirtualMachine', 'education', 'web-1', '{"cpus":2}', 'h-a', 3, 'examples', 6);
INSERT INTO placements (kind, tenant, name, host) VALUES ('VirtualMachine', 'education', 'web-1', 'h1');
INSERT INTO meta (key, value) VALUES ('cluster', 'xicheng');
)sql";

}  // namespace

TEST_CASE("migrations are numbered 1, 2, 3, ... in order") {
  const std::vector<Migration>& migrations = schema_migrations();
  REQUIRE(migrations.size() >= 2);
  for (size_t i = 0; i < migrations.size(); ++i) CHECK(migrations[i].version == int(i) + 1);
  CHECK(latest_schema_version() == int(migrations.size()));
}

TEST_CASE("init creates a private database in WAL mode at the latest schema version") {
  TempDir dir;
  std::string path = dir.path("a/b/state.db");
  auto store = open_ok(path, OpenMode::kCreate);
  CHECK(*store->schema_version() == latest_schema_version());
  CHECK(file_mode(dir.path("a")) == 0700);
  CHECK(file_mode(dir.path("a/b")) == 0700);
  CHECK(file_mode(path) == 0600);

  RawDb raw(path);
  CHECK(raw.query("PRAGMA journal_mode") == "wal");
  CHECK(raw.query("PRAGMA user_version") == std::to_string(latest_schema_version()));
  // SQLite's own tables (sqlite_sequence, for the requests' AUTOINCREMENT) aside.
  CHECK(
      raw.query("SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
                "WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name)") ==
      "address_allocations,alarm_deliveries,alarm_notes,alarms,audit_log,backup_runs,"
      "bill_adjustments,"
      "closed_months,console_grants,event_cursors,events,hosts,login_failures,meta,meter_intervals,"
      "metric_objects,metric_rollups,metric_samples,placements,requests,resources,sessions,users,"
      "vm_moves");
}

TEST_CASE("backup runs are kept per policy and VM, replaced by the next try") {
  TempDir dir;
  auto store = open_ok(dir.path("state.db"), OpenMode::kCreate);
  BackupRunRecord r{"education", "nightly", "education", "web-1", 1000, 1000, "b1", "ok", "", 0};
  REQUIRE(store->put_backup_run(r).ok());
  BackupRunRecord other{"health", "records", "health", "app-1", 900, 0, "", "failed", "gone", 1};
  REQUIRE(store->put_backup_run(other).ok());
  r.last_attempt_ms = 2000;
  r.result = "failed";
  r.error = "target missing";
  r.failures = 1;
  REQUIRE(store->put_backup_run(r).ok());
  auto runs = store->list_backup_runs();
  REQUIRE(runs.ok());
  REQUIRE(runs->size() == 2);
  CHECK((*runs)[0] == r);
  CHECK((*runs)[1] == other);
  other.result = "maybe";
  CHECK_FALSE(store->put_backup_run(other).ok());  // the table's CHECK
}

TEST_CASE("the store enforces foreign keys on its own connection") {
  TempDir dir;
  auto store = open_ok(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(store->put_resource(vm("web-1", "h-a", 10)).ok());
  Status s = store->set_placement(kWeb1, "ghost");
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK(store->list_placements()->empty());
}

TEST_CASE("init on an existing database keeps its data") {
  TempDir dir;
  std::string path = dir.path("state.db");
  REQUIRE(open_ok(path, OpenMode::kCreate)->upsert_host(host("h1")).ok());
  auto store = open_ok(path, OpenMode::kCreate);
  CHECK(*store->get_host("h1") == host("h1"));
  CHECK(*store->schema_version() == latest_schema_version());
}

TEST_CASE("opening a missing database without init is refused and creates nothing") {
  TempDir dir;
  std::string path = dir.path("missing/state.db");
  Result<std::unique_ptr<Store>> store = open_store(path, OpenMode::kExisting);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == Code::kNotFound);
  CHECK(store.status().message() ==
        "state database " + path + " does not exist; run 'xcloudctl init' first");
  CHECK_FALSE(std::filesystem::exists(dir.path("missing")));
}

TEST_CASE("migrating from every earlier schema version keeps the data") {
  const int latest = latest_schema_version();
  for (int k = 0; k < latest; ++k) {
    for (OpenMode mode : {OpenMode::kCreate, OpenMode::kExisting}) {
      // Version 0 is no state at all: only init takes it (see below).
      if (k == 0 && mode == OpenMode::kExisting) continue;
      CAPTURE(k);
      CAPTURE(mode == OpenMode::kCreate);
      TempDir dir;
      std::string path = dir.path("state.db");
      {
        auto old = open_sqlite_store(path, OpenMode::kCreate, schema_migrations(), k);
        REQUIRE_MESSAGE(old.ok(), old.status().message());
        CHECK(*(*old)->schema_version() == k);
      }
      if (k >= 1) {
        RawDb raw(path);
        REQUIRE(raw.exec(kRowsAtVersion1) == "");
      }

      auto store = open_ok(path, mode);
      CHECK(*store->schema_version() == latest);
      RawDb raw(path);
      CHECK(raw.query("PRAGMA user_version") == std::to_string(latest));
      if (k >= 1) {
        CHECK(*store->get_host("h1") == host("h1"));
        CHECK(*store->get_resource(kWeb1) == ResourceRecord{"VirtualMachine", "education", "web-1",
                                                            R"({"cpus":2})", "h-a", 3, "examples",
                                                            6});
        CHECK(*store->get_placement(kWeb1) ==
              PlacementRecord{"VirtualMachine", "education", "web-1", "h1"});
        CHECK(raw.query("SELECT value FROM meta WHERE key = 'cluster'") == "xicheng");
      }
    }
  }
}

TEST_CASE("an empty or uninitialised state file is refused by every mode but init") {
  TempDir dir;
  std::string path = dir.path("state.db");
  { std::ofstream touch(path); }
  for (OpenMode mode : {OpenMode::kExisting, OpenMode::kRead}) {
    Result<std::unique_ptr<Store>> store = open_store(path, mode);
    REQUIRE_FALSE(store.ok());
    CHECK(store.status().code() == Code::kFailedPrecondition);
    CHECK(store.status().message() == "state database " + path +
                                          " is empty (not an xcloud state); run 'xcloudctl init' "
                                          "first");
  }
  CHECK(std::filesystem::file_size(path) == 0);
  {
    RawDb raw(path);
    REQUIRE(raw.exec("CREATE TABLE unrelated (x INTEGER)") == "");
  }
  for (OpenMode mode : {OpenMode::kExisting, OpenMode::kRead}) {
    Result<std::unique_ptr<Store>> store = open_store(path, mode);
    REQUIRE_FALSE(store.ok());
    CHECK(store.status().message() ==
          "state database " + path +
              " is not an xcloud state (schema version 0); run 'xcloudctl init' first");
  }
  auto store = open_ok(path, OpenMode::kCreate);
  CHECK(*store->schema_version() == latest_schema_version());
}

TEST_CASE("a database with a newer schema than this binary is refused") {
  TempDir dir;
  std::string path = dir.path("state.db");
  open_ok(path, OpenMode::kCreate);
  const int latest = latest_schema_version();
  {
    RawDb raw(path);
    REQUIRE(raw.exec("PRAGMA user_version = " + std::to_string(latest + 1)) == "");
  }
  for (OpenMode mode : {OpenMode::kCreate, OpenMode::kExisting}) {
    Result<std::unique_ptr<Store>> store = open_store(path, mode);
    REQUIRE_FALSE(store.ok());
    CHECK(store.status().code() == Code::kFailedPrecondition);
    CHECK(store.status().message() == "state database " + path + " has schema version " +
                                          std::to_string(latest + 1) +
                                          ", newer than this xcloudctl supports (" +
                                          std::to_string(latest) + "); upgrade xcloudctl");
  }
  RawDb raw(path);
  CHECK(raw.query("PRAGMA user_version") == std::to_string(latest + 1));
}

TEST_CASE("a file that is not a SQLite database is refused") {
  TempDir dir;
  std::string path = dir.path("state.db");
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fputs("this is not a database, just text long enough to have a header.........\n", f);
  std::fclose(f);
  Result<std::unique_ptr<Store>> store = open_store(path, OpenMode::kExisting);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == Code::kIo);
  CHECK(store.status().message() == "state database " + path + ": file is not a database");
}

TEST_CASE("a failing migration is rolled back and leaves the schema version unchanged") {
  TempDir dir;
  std::string path = dir.path("state.db");
  open_ok(path, OpenMode::kCreate);
  const int latest = latest_schema_version();
  std::vector<Migration> migrations = schema_migrations();
  migrations.push_back(
      {latest + 1, "broken",
       "CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);"});

  auto store = open_sqlite_store(path, OpenMode::kExisting, migrations, latest + 1);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().message() == "state database " + path + ": migration " +
                                        std::to_string(latest + 1) +
                                        " (broken) failed: no such table: no_such_table");
  RawDb raw(path);
  CHECK(raw.query("PRAGMA user_version") == std::to_string(latest));
  CHECK(raw.query("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'") == "0");
  CHECK(open_store(path, OpenMode::kExisting).ok());
}

TEST_CASE("the generation increments only when the spec hash changes") {
  TempDir dir;
  auto store = open_ok(dir.path("state.db"), OpenMode::kCreate);
  ResourceRecord first = *store->put_resource(vm("web-1", "h-a", 10));
  CHECK(first == ResourceRecord{"VirtualMachine", "education", "web-1", R"({"cpus":2})", "h-a", 1,
                                "examples", 10});

  ResourceRecord same = vm("web-1", "h-a", 20);
  same.manifest_set = "prod";
  same.generation = 99;  // ignored: the store keeps the generation
  CHECK(*store->put_resource(same) == ResourceRecord{"VirtualMachine", "education", "web-1",
                                                     R"({"cpus":2})", "h-a", 1, "prod", 10});

  ResourceRecord changed = vm("web-1", "h-b", 30);
  changed.spec_json = R"({"cpus":4})";
  CHECK(*store->put_resource(changed) == ResourceRecord{"VirtualMachine", "education", "web-1",
                                                        R"({"cpus":4})", "h-b", 2, "examples", 30});
  CHECK(store->put_resource(vm("web-1", "h-b", 40))->generation == 2);
  CHECK(store->put_resource(vm("web-1", "h-a", 50))->generation == 3);
  CHECK(store->get_resource(kWeb1)->generation == 3);

  CHECK(store->put_resource(vm("web-2", "h-a", 60))->generation == 1);
  REQUIRE(store->delete_resource(kWeb1).ok());
  CHECK(store->put_resource(vm("web-1", "h-a", 70))->generation == 1);
}

TEST_CASE("resources are listed by kind, tenant and name, optionally of one kind") {
  TempDir dir;
  auto store = open_ok(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(store->put_resource(vm("web-2", "h", 1)).ok());
  REQUIRE(store->put_resource(vm("web-1", "h", 1)).ok());
  REQUIRE(store->put_resource({"Zone", "", "gov-extranet", "{}", "h", 0, "", 1}).ok());
  REQUIRE(store->put_resource({"VirtualMachine", "archives", "db-1", "{}", "h", 0, "", 1}).ok());

  std::vector<std::string> all;
  std::vector<ResourceRecord> records = *store->list_resources(std::nullopt);
  for (const auto& r : records) all.push_back(to_string(r.key()));
  CHECK(all == std::vector<std::string>{
                   R"(VirtualMachine "archives/db-1")", R"(VirtualMachine "education/web-1")",
                   R"(VirtualMachine "education/web-2")", R"(Zone "gov-extranet")"});
  auto zones = *store->list_resources("Zone");
  REQUIRE(zones.size() == 1);
  CHECK(zones[0].name == "gov-extranet");
  CHECK(store->list_resources("Volume")->empty());

  Result<ResourceRecord> missing = store->get_resource({"Volume", "education", "data-1"});
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK(missing.status().message() ==
        R"(Volume "education/data-1": not found in the state database)");
}

TEST_CASE("hosts are upserted, looked up and listed by name") {
  TempDir dir;
  auto store = open_ok(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(store->upsert_host(host("h2")).ok());
  REQUIRE(store->upsert_host(host("h1")).ok());
  HostRecord moved = host("h1");
  moved.address = "10.0.0.9";
  moved.transport = "ssh";
  moved.arch = "aarch64";
  moved.facts_json = R"({"cpus":96})";
  moved.updated_at_ms = 77;
  REQUIRE(store->upsert_host(moved).ok());

  CHECK(*store->get_host("h1") == moved);
  CHECK(*store->list_hosts() == std::vector<HostRecord>{moved, host("h2")});
  Result<HostRecord> missing = store->get_host("h3");
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK(missing.status().message() == R"(host "h3": not found in the state database)");
}

TEST_CASE("deleting a resource deletes its placement") {
  TempDir dir;
  auto store = open_ok(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(store->upsert_host(host("h1")).ok());
  REQUIRE(store->upsert_host(host("h2")).ok());
  REQUIRE(store->put_resource(vm("web-1", "h-a", 1)).ok());
  REQUIRE(store->put_resource(vm("web-2", "h-a", 1)).ok());
  REQUIRE(store->set_placement(kWeb1, "h1").ok());
  REQUIRE(store->set_placement(kWeb1, "h2").ok());  // moves it
  REQUIRE(store->set_placement({"VirtualMachine", "education", "web-2"}, "h1").ok());
  CHECK(*store->get_placement(kWeb1) ==
        PlacementRecord{"VirtualMachine", "education", "web-1", "h2"});

  REQUIRE(store->delete_resource(kWeb1).ok());
  Result<PlacementRecord> gone = store->get_placement(kWeb1);
  CHECK(gone.status().code() == Code::kNotFound);
  CHECK(gone.status().message() == R"(VirtualMachine "education/web-1": not placed on any host)");
  CHECK(*store->list_placements() ==
        std::vector<PlacementRecord>{{"VirtualMachine", "education", "web-2", "h1"}});

  Status again = store->delete_resource(kWeb1);
  CHECK(again.code() == Code::kNotFound);
  CHECK(again.message() == R"(VirtualMachine "education/web-1": not found in the state database)");
}

TEST_CASE("a placement on an unknown host or of an unknown resource is refused") {
  TempDir dir;
  auto store = open_ok(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(store->upsert_host(host("h1")).ok());
  REQUIRE(store->put_resource(vm("web-1", "h-a", 1)).ok());

  Status no_host = store->set_placement(kWeb1, "ghost");
  CHECK(no_host.code() == Code::kFailedPrecondition);
  CHECK(no_host.message() == R"(VirtualMachine "education/web-1": cannot place on host "ghost": )"
                             "no such host in the state database");

  Status no_resource = store->set_placement({"VirtualMachine", "education", "web-9"}, "h1");
  CHECK(no_resource.code() == Code::kFailedPrecondition);
  CHECK(no_resource.message() == R"(VirtualMachine "education/web-9": cannot place on host "h1": )"
                                 "the resource is not in the state database");
  CHECK(store->list_placements()->empty());
}

TEST_CASE("audit records cannot be changed or deleted") {
  TempDir dir;
  std::string path = dir.path("state.db");
  open_ok(path, OpenMode::kCreate);
  RawDb raw(path);
  REQUIRE(raw.exec("INSERT INTO audit_log (time_ms, actor, as_user, reason, origin_host, command, "
                   "kind, tenant, name, action, hash_before, hash_after, result, message, "
                   "prev_digest, digest) VALUES (1, 'ops', '', 'ticket 7', 'ctl-1', 'apply', "
                   "'VirtualMachine', 'education', 'web-1', 'create', '', 'h-a', 'ok', '', "
                   "zeroblob(32), x'01')") == "");
  CHECK(raw.exec("UPDATE audit_log SET actor = 'mallory'") == "audit records cannot be changed");
  CHECK(raw.exec("DELETE FROM audit_log") == "audit records cannot be deleted");
  CHECK(raw.query("SELECT count(*) || ' ' || actor FROM audit_log") == "1 ops");
}

TEST_CASE("transact commits when the body succeeds and rolls back when it fails") {
  TempDir dir;
  auto store = open_ok(dir.path("state.db"), OpenMode::kCreate);
  CHECK(store->transact([&] { return store->put_resource(vm("web-1", "h-a", 1)).status(); }).ok());

  Status failed = store->transact([&]() -> Status {
    if (Result<ResourceRecord> r = store->put_resource(vm("web-2", "h-a", 1)); !r.ok()) {
      return r.status();
    }
    return error(Code::kConflict, "step failed");
  });
  CHECK(failed.code() == Code::kConflict);
  CHECK(failed.message() == "step failed");
  CHECK(store->list_resources(std::nullopt)->size() == 1);

  // A nested failure undoes only the inner body.
  Status outer = store->transact([&]() -> Status {
    if (Status s = store->put_resource(vm("web-3", "h-a", 1)).status(); !s.ok()) return s;
    Status inner = store->transact([&]() -> Status {
      if (Status s = store->put_resource(vm("web-4", "h-a", 1)).status(); !s.ok()) return s;
      return error(Code::kConflict, "inner failed");
    });
    CHECK(inner.message() == "inner failed");
    return Status{};
  });
  CHECK(outer.ok());
  std::vector<std::string> names;
  std::vector<ResourceRecord> records = *store->list_resources(std::nullopt);
  for (const auto& r : records) names.push_back(r.name);
  CHECK(names == std::vector<std::string>{"web-1", "web-3"});
}

namespace {

// 200 transactions, each writing one resource and reading it back.
Status write_many(Store& store, const std::string& prefix) {
  for (int i = 0; i < 200; ++i) {
    Status s = store.transact([&]() -> Status {
      ResourceRecord r = vm(prefix + "-" + std::to_string(i), "h-a", i);
      if (Status put = store.put_resource(r).status(); !put.ok()) return put;
      return store.get_resource(r.key()).status();
    });
    if (!s.ok()) return s;
  }
  return {};
}

}  // namespace

TEST_CASE("two processes writing the same database at once both succeed") {
  TempDir dir;
  std::string path = dir.path("state.db");
  // Closed before fork(): an SQLite connection must not cross into a child.
  open_ok(path, OpenMode::kCreate);
  int ready[2];
  int go[2];
  REQUIRE(pipe(ready) == 0);
  REQUIRE(pipe(go) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(ready[0]);
    close(go[1]);
    int code = 0;
    {
      Result<std::unique_ptr<Store>> store = open_store(path, OpenMode::kExisting);
      char c = 'r';
      if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1) code = 3;
      Status s = store.ok() ? write_many(**store, "child") : store.status();
      if (!s.ok()) {
        std::fprintf(stderr, "child: %s\n", s.message().c_str());
        code = 1;
      }
    }
    _exit(code);
  }
  close(ready[1]);
  close(go[0]);
  auto store = open_ok(path);
  char c = 0;
  CHECK(read(ready[0], &c, 1) == 1);  // both are open; start together
  CHECK(write(go[1], "g", 1) == 1);
  Status mine = write_many(*store, "parent");
  int wstatus = 0;
  REQUIRE(waitpid(child, &wstatus, 0) == child);
  close(ready[0]);
  close(go[1]);

  CHECK_MESSAGE(mine.ok(), mine.message());
  CHECK(WIFEXITED(wstatus));
  CHECK(WEXITSTATUS(wstatus) == 0);
  std::vector<ResourceRecord> all = *store->list_resources("VirtualMachine");
  CHECK(all.size() == 400);
  size_t from_child = 0;
  for (const auto& r : all) from_child += r.name.rfind("child-", 0) == 0;
  CHECK(from_child == 200);
}
