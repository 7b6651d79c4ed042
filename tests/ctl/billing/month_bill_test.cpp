#include "ctl/billing/month_bill.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "common/time.h"
#include "ctl/billing/closed_month.h"
#include "tests/support/temp_dir.h"

using namespace xc;

namespace {

using xc::test::TempDir;

int64_t bill_at(const std::string& text) {
  auto ms = civil::parse_instant(text, 8 * 3'600'000);
  REQUIRE(ms.ok());
  return *ms;
}

// vcpu at 10 CNY a month from 2027-01-01; 2 vCPU of web-1 from then on.
std::unique_ptr<Store> priced_store(const TempDir& dir) {
  auto opened = open_store(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(opened.ok());
  std::unique_ptr<Store> store = std::move(*opened);
  ResourceRecord list;
  list.kind = "PriceList";
  list.name = "p2027";
  list.spec_json = R"({"manifest":{"spec":{"effectiveFrom":"2027-01-01","prices":{"vcpu":"10"}}}})";
  list.spec_hash = "h";
  REQUIRE(store->put_resource(list).ok());
  MeterInterval vcpu{"education",           "",           "web-1", "vcpu", 2,
                     bill_at("2027-01-01"), std::nullopt, true};
  REQUIRE(store->open_meter_interval(vcpu).ok());
  return store;
}

Status close_month(Store& store, const BillPeriod& month, int64_t now) {
  std::vector<Bill> bills;
  for (GroupBy g : kFrozenGroupings) bills.push_back(*live_month_bill(store, month, g, now));
  auto frozen = freeze_month(bills, now);
  if (!frozen.ok()) return frozen.status();
  return store.insert_closed_month(*frozen);
}

}  // namespace

TEST_CASE("month_bill: an open month is priced now, with its adjustments as lines") {
  TempDir dir;
  auto store = priced_store(dir);
  REQUIRE(
      store->insert_bill_adjustment({0, "2027-01", "education", "vcpu", -250, "INC-3", 0, "ops"})
          .ok());
  BillPeriod january = *parse_bill_period("2027-01");
  auto m = month_bill(*store, january, GroupBy::kTenant, bill_at("2027-02-05"));
  REQUIRE_MESSAGE(m.ok(), m.status().message());
  CHECK(!m->closed);
  REQUIRE(m->bill.lines.size() == 2);
  CHECK(m->bill.lines[0].amount_fen == 2000);
  CHECK(m->bill.lines[1].adjustment_reason == "INC-3");
  CHECK(m->bill.total_fen == 1750);
}

TEST_CASE("month_bill: a closed month stays as frozen whatever is added later") {
  TempDir dir;
  auto store = priced_store(dir);
  BillPeriod january = *parse_bill_period("2027-01");
  REQUIRE(close_month(*store, january, bill_at("2027-02-05")).ok());
  // What a clock stepped back would write into January, and a late adjustment.
  MeterInterval late{"health", "", "db-1", "vcpu", 8, bill_at("2027-01-20"), bill_at("2027-01-25"),
                     true};
  REQUIRE(store->open_meter_interval(late).ok());
  REQUIRE(
      store->insert_bill_adjustment({0, "2027-01", "education", "vcpu", 99, "x", 0, "ops"}).ok());
  auto m = month_bill(*store, january, GroupBy::kVm, bill_at("2027-03-01"));
  REQUIRE_MESSAGE(m.ok(), m.status().message());
  REQUIRE(m->closed);
  CHECK(m->closed->closed_at_ms == bill_at("2027-02-05"));
  REQUIRE(m->bill.lines.size() == 1);
  CHECK(m->bill.lines[0].vm == "web-1");
  CHECK(m->bill.total_fen == 2000);
}
