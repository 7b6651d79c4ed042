#include <doctest/doctest.h>
#include <sqlite3.h>

#include "ctl/store/store.h"
#include "ctl/store/store_wrapper.h"
#include "tests/support/temp_dir.h"

using namespace xc;

namespace {

using xc::test::TempDir;

std::unique_ptr<Store> fresh(const TempDir& dir) {
  auto store = open_store(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE_MESSAGE(store.ok(), store.status().message());
  return std::move(*store);
}

// sqlite's error for `sql`, "" when it succeeds.
std::string raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  char* message = nullptr;
  sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  std::string out = message ? message : "";
  sqlite3_free(message);
  sqlite3_close_v2(db);
  return out;
}

BillAdjustmentRecord adjustment(const std::string& month, const std::string& tenant, int64_t fen) {
  return {0, month, tenant, "memory", fen, "INC-7 late resize", 1000, "ops"};
}

}  // namespace

TEST_CASE("store: a closed month is written once and read back exactly") {
  TempDir dir;
  auto store = fresh(dir);
  CHECK(store->get_closed_month("2027-01")->has_value() == false);
  ClosedMonthRecord jan{"2027-01", 1'800'000'000'000, "{\"month\":\"2027-01\"}",
                        std::string("\x00\x01\xff", 3) + std::string(29, 'd')};
  ClosedMonthRecord feb{"2027-02", 1'800'000'000'001, "{}", std::string(32, 'e')};
  REQUIRE(store->insert_closed_month(feb).ok());
  REQUIRE(store->insert_closed_month(jan).ok());
  CHECK(**store->get_closed_month("2027-01") == jan);
  CHECK(*store->list_closed_months() == std::vector<ClosedMonthRecord>{jan, feb});
  Status again = store->insert_closed_month(jan);
  CHECK(again.code() == Code::kAlreadyExists);
  CHECK(again.message() == "month 2027-01 is already closed");
}

TEST_CASE("store: the database refuses to change or reopen a closed month") {
  TempDir dir;
  auto store = fresh(dir);
  REQUIRE(store->insert_closed_month({"2027-01", 1, "{}", std::string(32, 'a')}).ok());
  std::string path = dir.path("state.db");
  CHECK(raw_exec(path, "UPDATE closed_months SET bill_json = '[]'") ==
        "a closed month cannot be changed");
  CHECK(raw_exec(path, "DELETE FROM closed_months") == "a closed month cannot be reopened");
  CHECK(store->list_closed_months()->size() == 1);
}

TEST_CASE("store: bill adjustments get ids and are listed per month in id order") {
  TempDir dir;
  auto store = fresh(dir);
  auto a = store->insert_bill_adjustment(adjustment("2027-02", "education", -12050));
  auto b = store->insert_bill_adjustment(adjustment("2027-03", "health", 700));
  auto c = store->insert_bill_adjustment(adjustment("2027-02", "health", 1));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  CHECK(a->id == 1);
  CHECK(c->id == 3);
  BillAdjustmentRecord want = adjustment("2027-02", "education", -12050);
  want.id = 1;
  auto feb = store->list_bill_adjustments("2027-02");
  REQUIRE(feb.ok());
  REQUIRE(feb->size() == 2);
  CHECK(feb->at(0) == want);
  CHECK(feb->at(1).tenant == "health");
  CHECK(store->list_bill_adjustments("2027-04")->empty());
}

TEST_CASE("store: a Store without closed months refuses, and the wrapper forwards") {
  TempDir dir;
  StoreWrapper wrapped(fresh(dir));
  REQUIRE(wrapped.insert_closed_month({"2027-01", 1, "{}", std::string(32, 'a')}).ok());
  CHECK(wrapped.list_closed_months()->size() == 1);
  CHECK(wrapped.insert_bill_adjustment(adjustment("2027-02", "education", 5))->id == 1);
  CHECK(wrapped.list_bill_adjustments("2027-02")->size() == 1);

  // The base class defaults, reached through a Store that does not override them.
  class NoBilling : public Store {
   public:
    Result<int> schema_version() override { return 0; }
    Status transact(const std::function<Status()>& body) override { return body(); }
    Status upsert_host(const HostRecord&) override { return {}; }
    Result<HostRecord> get_host(const std::string&) override { return HostRecord{}; }
    Result<std::vector<HostRecord>> list_hosts() override { return std::vector<HostRecord>{}; }
    Result<ResourceRecord> put_resource(const ResourceRecord& r) override { return r; }
    Result<ResourceRecord> get_resource(const ResourceKey&) override { return ResourceRecord{}; }
    Result<std::vector<ResourceRecord>> list_resources(const std::optional<std::string>&) override {
      return std::vector<ResourceRecord>{};
    }
    Status delete_resource(const ResourceKey&) override { return {}; }
    Status set_placement(const ResourceKey&, const std::string&) override { return {}; }
    Result<PlacementRecord> get_placement(const ResourceKey&) override { return PlacementRecord{}; }
    Result<std::vector<PlacementRecord>> list_placements() override {
      return std::vector<PlacementRecord>{};
    }
    Result<std::optional<std::string>> get_meta(const std::string&) override {
      return std::optional<std::string>{};
    }
    Status put_meta(const std::string&, const std::string&) override { return {}; }
    Status insert_audit_record(const AuditRecord&) override { return {}; }
    Result<std::optional<AuditRecord>> last_audit_record() override {
      return std::optional<AuditRecord>{};
    }
    Status scan_audit_records(const AuditFilter&,
                              const std::function<bool(const AuditRecord&)>&) override {
      return {};
    }
    Status delete_audit_records_through(int64_t) override { return {}; }
  } bare;
  CHECK(bare.list_closed_months().status().message() == "this store does not keep closed months");
  CHECK(bare.list_bill_adjustments("2027-01").status().message() ==
        "this store does not keep bill adjustments");
}
