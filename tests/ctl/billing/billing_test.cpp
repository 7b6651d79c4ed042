#include "ctl/billing/billing.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>

#include "common/time.h"

using namespace xc;

namespace {

__extension__ typedef __int128 Int128;

constexpr int64_t kShanghai = 8 * 3'600'000;

// An instant written as Asia/Shanghai local text ("2027-03-15" is midnight).
int64_t at(const std::string& text) {
  Result<int64_t> ms = civil::parse_instant(text, kShanghai);
  REQUIRE_MESSAGE(ms.ok(), ms.status().message());
  return *ms;
}

PriceListInput price_list(const std::string& name, const std::string& from,
                          const std::map<std::string, std::string>& prices,
                          bool charge_when_stopped = true,
                          const std::string& zone = "Asia/Shanghai") {
  PriceListInput list;
  list.name = name;
  list.spec.effective_from = from;
  list.spec.time_zone = zone;
  list.spec.charge_when_stopped = charge_when_stopped;
  for (const auto& [item, text] : prices) list.spec.prices[item] = Money::parse(text).value();
  return list;
}

std::vector<PriceVersion> history_of(const std::vector<PriceListInput>& lists) {
  Result<std::vector<PriceVersion>> history = price_history(lists);
  REQUIRE_MESSAGE(history.ok(), history.status().message());
  return *history;
}

// One list from 2027-01-01: vCPU 10, memory 5, storage 0.3 / 0.6, gpu-16g 300
// yuan per unit per month.
const std::map<std::string, std::string> kPrices2027 = {{"vcpu", "10"},
                                                        {"memory", "5"},
                                                        {"storage-normal", "0.3"},
                                                        {"storage-high", "0.6"},
                                                        {"gpu-16g", "300"}};

std::vector<PriceVersion> base_history(bool charge_when_stopped = true) {
  return history_of({price_list("prices-2027", "2027-01-01", kPrices2027, charge_when_stopped)});
}

MeterInterval interval(const std::string& vm, const std::string& item, int64_t quantity,
                       const std::string& from, const std::optional<std::string>& to,
                       const std::string& tenant = "education", bool running = true) {
  MeterInterval iv;
  iv.tenant = tenant;
  iv.system = "portal";
  iv.vm = vm;
  iv.item = item;
  iv.quantity = quantity;
  iv.start_ms = at(from);
  if (to) iv.end_ms = at(*to);
  iv.running = running;
  return iv;
}

BillPeriod period_of(const std::string& text, const std::string& zone = "Asia/Shanghai") {
  Result<BillPeriod> period = parse_bill_period(text, zone);
  REQUIRE_MESSAGE(period.ok(), period.status().message());
  return *period;
}

int64_t sum_of_lines(const Bill& b) {
  int64_t sum = 0;
  for (const BillLine& line : b.lines) sum += line.amount_fen;
  return sum;
}

Bill run(const std::vector<MeterInterval>& intervals, const std::vector<PriceVersion>& history,
         const std::string& period, GroupBy group_by, const std::string& now,
         const std::string& zone = "Asia/Shanghai") {
  Result<Bill> b = bill(intervals, history, period_of(period, zone), group_by, at(now));
  REQUIRE_MESSAGE(b.ok(), b.status().message());
  CHECK(b->total_fen == sum_of_lines(*b));
  return *b;
}

// Lines as "tenant system vm item quantity fen", empty key fields left out.
std::vector<std::string> rows(const Bill& b) {
  std::vector<std::string> out;
  for (const BillLine& l : b.lines) {
    std::string row;
    for (const std::string* part : {&l.tenant, &l.system, &l.vm, &l.item, &l.quantity_months}) {
      if (!part->empty()) row += *part + " ";
    }
    out.push_back(row + std::to_string(l.amount_fen));
  }
  return out;
}

}  // namespace

TEST_CASE("bill: civil dates convert both ways and time zones are fixed offsets") {
  CHECK(civil::days_from_civil({1970, 1, 1}) == 0);
  CHECK(civil::days_from_civil({2000, 3, 1}) == 11017);
  CHECK(civil::days_from_civil({1969, 12, 31}) == -1);
  for (int64_t d = -800'000; d < 800'000; d += 13) {
    CHECK_EQ(civil::days_from_civil(civil::civil_from_days(d)), d);
  }
  CHECK(civil::days_in_month(2028, 2) == 29);
  CHECK(civil::days_in_month(2027, 2) == 28);
  CHECK(civil::days_in_month(2100, 2) == 28);
  CHECK(civil::days_in_month(2000, 2) == 29);

  CHECK(*civil::parse_time_zone("Asia/Shanghai") == kShanghai);
  CHECK(*civil::parse_time_zone("UTC") == 0);
  CHECK(*civil::parse_time_zone("+05:30") == 19'800'000);
  CHECK(*civil::parse_time_zone("-03:00") == -10'800'000);
  for (const char* bad : {"Europe/Paris", "+8:00", "+08", "+15:00", "utc", ""}) {
    CHECK(!civil::parse_time_zone(bad).ok());
  }
  CHECK(civil::parse_time_zone("Europe/Paris").status().message() ==
        "time zone \"Europe/Paris\": not supported; use Asia/Shanghai, UTC or a fixed offset "
        "such as +08:00");

  // "2027-03-15" is midnight in the zone; a time needs Z or an offset.
  CHECK(at("2027-03-15") == at("2027-03-14T16:00:00Z"));
  CHECK(at("2027-03-15") == at("2027-03-15T00:00+08:00"));
  CHECK(civil::format_local(at("2027-03-15"), kShanghai) == "2027-03-15T00:00:00+08:00");
  CHECK(civil::format_local(at("2027-03-15"), 0) == "2027-03-14T16:00:00+00:00");
  for (const char* bad : {"2027-02-29", "2027-13-01", "2027-03-15T00:00", "2027-03-15T24:00Z",
                          "2027-3-15", "2027-03-15 00:00Z", "2027-03-15T00:00:00.5Z"}) {
    CHECK_MESSAGE(!civil::parse_instant(bad, kShanghai).ok(), bad);
  }
  CHECK(civil::parse_instant("2028-02-29", kShanghai).ok());
}

TEST_CASE("bill: periods are calendar months or years in Asia/Shanghai") {
  BillPeriod feb = period_of("2028-02");
  CHECK(feb.label() == "2028-02");
  CHECK(feb.start_ms == at("2028-02-01"));
  CHECK(feb.end_ms == at("2028-03-01"));
  BillPeriod dec = period_of("2027-12");
  CHECK(dec.end_ms == at("2028-01-01"));
  BillPeriod year = period_of("2027");
  CHECK(year.label() == "2027");
  CHECK(year.start_ms == at("2027-01-01"));
  CHECK(year.end_ms == at("2028-01-01"));
  CHECK(period_of("2027-01", "UTC").start_ms == at("2027-01-01T08:00:00+08:00"));
  for (const char* bad : {"2028-13", "2028-00", "28-01", "2028-1", "2028/01", "1969"}) {
    CHECK(!parse_bill_period(bad).ok());
  }
  CHECK(parse_bill_period("2028-13").status().message() ==
        "period \"2028-13\": expected YYYY-MM or YYYY");
  CHECK(group_by_from_name("system") == GroupBy::kSystem);
  CHECK(!group_by_from_name("host").has_value());
}

TEST_CASE("bill: ISO weeks run Monday to Monday and may start in the year before") {
  auto week = [](const std::string& text) {
    Result<BillPeriod> p = parse_week_period(text);
    REQUIRE_MESSAGE(p.ok(), p.status().message());
    return *p;
  };
  // 4 January 2026 is a Sunday, so week 1 starts on Monday 29 December 2025.
  BillPeriod w1 = week("2026-W01");
  CHECK(w1.label() == "2026-W01");
  CHECK(w1.start_ms == at("2025-12-29"));
  CHECK(w1.end_ms == at("2026-01-05"));
  // 2026 starts on a Thursday: it has 53 weeks, and 1 January 2027 is in the last.
  CHECK(week("2026-W53").start_ms == at("2026-12-28"));
  CHECK(week_containing(at("2027-01-01T12:00+08:00"), kShanghai).label() == "2026-W53");
  CHECK(week_containing(at("2026-11-29T23:59:59+08:00"), kShanghai).label() == "2026-W48");
  CHECK(week_containing(at("2026-11-30"), kShanghai).label() == "2026-W49");
  CHECK(week_containing(at("2021-01-03"), kShanghai).label() == "2020-W53");
  CHECK(month_containing(at("2028-02-29T23:00+08:00"), kShanghai).label() == "2028-02");
  CHECK(month_containing(at("2028-02-29T23:00+08:00"), kShanghai).end_ms == at("2028-03-01"));
  CHECK(parse_week_period("2027-W53").status().message() ==
        "week \"2027-W53\": 2027 has weeks 01 to 52");
  for (const char* bad : {"2026-48", "2026-W4", "2026W48", "2026-w48", "2026-W00"}) {
    CHECK(!parse_week_period(bad).ok());
  }
}

TEST_CASE("bill: a week across two months prices each day in its own month") {
  // 2026-W49 is Monday 30 November to Sunday 6 December. One vCPU at 31 yuan
  // a month all week: 30 November is 1/30 of November = 31/30 = 1.033333...;
  // 1-6 December are 6/31 of December = 6.00. Exact sum 7.033333... -> 7.03.
  auto history = history_of({price_list("p", "2026-01-01", {{"vcpu", "31"}})});
  Result<BillPeriod> w49 = parse_week_period("2026-W49");
  REQUIRE(w49.ok());
  Result<Bill> b = bill({interval("web-1", "vcpu", 1, "2026-11-01", std::nullopt)}, history, *w49,
                        GroupBy::kTenant, at("2027-01-01"));
  REQUIRE_MESSAGE(b.ok(), b.status().message());
  CHECK(rows(*b) == std::vector<std::string>{"education vcpu 0.226882 703"});
  CHECK(b->total_fen == 703);
}

TEST_CASE("bill: February of a leap year has 29 days") {
  std::vector<MeterInterval> ivs = {
      interval("full", "vcpu", 4, "2028-02-01", "2028-03-01"),
      interval("full", "memory", 8, "2028-02-01", "2028-03-01"),
      interval("half", "vcpu", 2, "2028-02-15T12:00+08:00", "2028-03-01"),
      interval("from-15th", "vcpu", 2, "2028-02-15", std::nullopt),
  };
  Bill b = run(ivs, base_history(), "2028-02", GroupBy::kVm, "2028-04-01");
  // full:      4 vCPU × 10 × 29/29 = 40.00; 8 GB × 5 × 29/29 = 40.00
  // half:      2 vCPU × 10 × 14.5 days / 29 days = 10.00 (1 vCPU-month)
  // from-15th: 2 vCPU × 10 × 15 / 29 = 300/29 = 10.3448... -> 10.34 (1.034482... vCPU-months)
  CHECK(rows(b) == std::vector<std::string>{
                       "education from-15th vcpu 1.034483 1034",
                       "education full memory 8 4000",
                       "education full vcpu 4 4000",
                       "education half vcpu 1 1000",
                   });
  CHECK(b.total_fen == 10034);
}

TEST_CASE("bill: a VM created at 23:59:59 on the last day of a month pays one second of it") {
  std::vector<MeterInterval> ivs = {
      interval("late", "vcpu", 2, "2027-01-31T23:59:59+08:00", std::nullopt),
      interval("late", "storage-normal", 1'000'000, "2027-01-31T23:59:59+08:00", std::nullopt),
  };
  // January has 31 × 86,400 = 2,678,400 s.
  // vcpu:    2 × 10 × 1/2,678,400 = 0.0000075 yuan -> 0.00 (2/2,678,400 = 0.00000075 vCPU-months)
  // storage: 1,000,000 GB × 0.3 = 300,000 yuan a month; × 1/2,678,400 = 0.1120072 -> 0.11
  Bill jan = run(ivs, base_history(), "2027-01", GroupBy::kVm, "2027-03-05");
  CHECK(rows(jan) == std::vector<std::string>{"education late storage-normal 0.373357 11",
                                              "education late vcpu 0.000001 0"});
  // February 2027 (28 days), all of it: 300,000.00 and 2 × 10 = 20.00.
  Bill feb = run(ivs, base_history(), "2027-02", GroupBy::kVm, "2027-03-05");
  CHECK(rows(feb) == std::vector<std::string>{"education late storage-normal 1000000 30000000",
                                              "education late vcpu 2 2000"});
  // The year, rounded once per line: 11 × 300,000 + 0.1120072 = 3,300,000.1120072 -> 330,000,011
  // fen; 11 × 20 + 0.0000075 = 220.0000075 -> 22,000 fen.
  Bill year = run(ivs, base_history(), "2027", GroupBy::kTenant, "2028-06-01");
  CHECK(rows(year) == std::vector<std::string>{"education storage-normal 11000000.373357 330000011",
                                               "education vcpu 22.000001 22000"});
  CHECK(year.total_fen == 330'022'011);
  // Months in UTC would put 8 h 1 s (28,801 s) of the VM in January:
  // storage 300,000 × 28,801 / 2,678,400 = 3,225.918... -> 3,225.92 (10,753.0615 GB-months);
  // vcpu 20 × 28,801 / 2,678,400 = 0.21506... -> 0.22 (0.0215061 vCPU-months).
  Bill utc = run(ivs, base_history(), "2027-01", GroupBy::kItem, "2027-03-05", "UTC");
  CHECK(rows(utc) ==
        std::vector<std::string>{"storage-normal 10753.061529 322592", "vcpu 0.021506 22"});
}

TEST_CASE("bill: a price change on the 15th splits an interval") {
  std::vector<MeterInterval> ivs = {interval("web", "vcpu", 4, "2027-03-01", "2027-04-01")};
  // March has 31 days: 1st-14th (14 days) at 10, 15th-31st (17 days) at 12:
  // 4 × (10 × 14 + 12 × 17) / 31 = 1376/31 = 44.387... -> 44.39
  for (const char* from : {"2027-03-15", "2027-03-15T00:00+08:00", "2027-03-14T16:00:00Z"}) {
    auto history = history_of({price_list("prices-2027", "2027-01-01", kPrices2027),
                               price_list("prices-2027-03", from, {{"vcpu", "12"}})});
    Bill b = run(ivs, history, "2027-03", GroupBy::kVm, "2027-05-01");
    CHECK(rows(b) == std::vector<std::string>{"education web vcpu 4 4439"});
  }
  // The same date in a list kept in UTC changes at 08:00 in Shanghai: 14⅓ days at 10 and 16⅔
  // at 12: 4 × (430/3 + 600/3) / 31 = 4120/93 = 44.301... -> 44.30
  auto utc = history_of({price_list("prices-2027", "2027-01-01", kPrices2027),
                         price_list("prices-utc", "2027-03-15", {{"vcpu", "12"}}, true, "UTC")});
  CHECK(run(ivs, utc, "2027-03", GroupBy::kVm, "2027-05-01").total_fen == 4430);
  // The lists come sorted however they were given.
  CHECK(history_of({price_list("b", "2027-03-15", {}), price_list("a", "2027-01-01", {})})
            .front()
            .name == "a");
}

TEST_CASE("bill: a resize mid-month bills each size for its own time") {
  // The metering layer closes the 2-vCPU interval and opens a 4-vCPU one.
  std::vector<MeterInterval> ivs = {
      interval("db-1", "vcpu", 2, "2027-04-01", "2027-04-16T12:00+08:00"),
      interval("db-1", "vcpu", 4, "2027-04-16T12:00+08:00", "2027-05-01"),
  };
  // April has 30 days: 2 × 15.5 + 4 × 14.5 = 89 vCPU-days = 89/30 = 2.9666... vCPU-months;
  // × 10 = 29.666... -> 29.67
  Bill b = run(ivs, base_history(), "2027-04", GroupBy::kVm, "2027-06-01");
  CHECK(rows(b) == std::vector<std::string>{"education db-1 vcpu 2.966667 2967"});
}

TEST_CASE("bill: delete and re-create under the same name bills both lives, not the gap") {
  std::vector<MeterInterval> ivs = {
      interval("app-1", "vcpu", 2, "2027-05-01", "2027-05-06"),
      interval("app-1", "vcpu", 4, "2027-05-21", std::nullopt),
  };
  // May has 31 days: 2 vCPU × 5 days + 4 vCPU × 11 days (21st-31st) = 54 vCPU-days;
  // 54/31 = 1.741935... vCPU-months × 10 = 17.419... -> 17.42 (one line: same tenant and name).
  Bill may = run(ivs, base_history(), "2027-05", GroupBy::kVm, "2027-06-10");
  CHECK(rows(may) == std::vector<std::string>{"education app-1 vcpu 1.741935 1742"});
  // June, the open interval up to now (the 10th, 00:00): 4 × 9/30 = 1.2 × 10 = 12.00.
  Bill june = run(ivs, base_history(), "2027-06", GroupBy::kVm, "2027-06-10");
  CHECK(rows(june) == std::vector<std::string>{"education app-1 vcpu 1.2 1200"});
}

TEST_CASE("bill: a stopped VM costs nothing only when the list says chargeWhenStopped false") {
  std::vector<MeterInterval> ivs = {
      interval("batch", "vcpu", 2, "2027-06-01", "2027-06-11"),
      interval("batch", "vcpu", 2, "2027-06-11", "2027-06-21", "education", false),
      interval("batch", "vcpu", 2, "2027-06-21", "2027-07-01"),
  };
  // June has 30 days; running 20 of them: 2 × 10 × 20/30 = 13.333... -> 13.33
  Bill free = run(ivs, base_history(false), "2027-06", GroupBy::kVm, "2027-08-01");
  CHECK(rows(free) == std::vector<std::string>{"education batch vcpu 1.333333 1333"});
  // Charged while stopped (the default): 2 × 10 × 30/30 = 20.00
  Bill charged = run(ivs, base_history(true), "2027-06", GroupBy::kVm, "2027-08-01");
  CHECK(rows(charged) == std::vector<std::string>{"education batch vcpu 2 2000"});
}

TEST_CASE("bill: an open interval runs to now, never past the period") {
  std::vector<MeterInterval> ivs = {interval("svc", "vcpu", 2, "2027-07-01", std::nullopt)};
  // July has 31 days; now is the 11th at 00:00: 2 × 10 × 10/31 = 6.4516... -> 6.45
  CHECK(run(ivs, base_history(), "2027-07", GroupBy::kVm, "2027-07-11").total_fen == 645);
  CHECK(run(ivs, base_history(), "2027-07", GroupBy::kVm, "2027-08-05").total_fen == 2000);
  Bill before = run(ivs, base_history(), "2027-07", GroupBy::kVm, "2027-06-20");
  CHECK(before.lines.empty());
  CHECK(before.total_fen == 0);
}

TEST_CASE("bill: an item the price list in effect leaves out is an error naming both") {
  auto history = history_of({price_list("prices-2027", "2027-01-01", kPrices2027),
                             price_list("prices-2027-03", "2027-03-15", {{"vcpu", "12"}})});
  std::vector<MeterInterval> ivs = {
      interval("ai-1", "gpu-16g", 1, "2027-02-01", "2027-04-01", "research")};
  CHECK(run(ivs, history, "2027-02", GroupBy::kVm, "2027-05-01").total_fen == 30000);
  Result<Bill> march = bill(ivs, history, period_of("2027-03"), GroupBy::kVm, at("2027-05-01"));
  REQUIRE(!march.ok());
  CHECK(march.status().code() == Code::kFailedPrecondition);
  CHECK(march.status().message() ==
        "vm \"ai-1\" in tenant research: item \"gpu-16g\" has no price in price list "
        "\"prices-2027-03\" (in effect from 2027-03-15T00:00:00+08:00)");

  std::vector<MeterInterval> early = {interval("old", "vcpu", 1, "2026-12-01", "2027-02-01")};
  Result<Bill> dec = bill(early, history, period_of("2026-12"), GroupBy::kVm, at("2027-05-01"));
  REQUIRE(!dec.ok());
  CHECK(dec.status().message() ==
        "vm \"old\" in tenant education: item \"vcpu\": no price list is in effect at "
        "2026-12-01T00:00:00+08:00 (the first takes effect at 2027-01-01T00:00:00+08:00)");
}

TEST_CASE("bill: bad intervals and bad price lists are refused with the thing named") {
  MeterInterval negative = interval("x", "vcpu", -2, "2027-02-01", "2027-02-02");
  Result<Bill> b = bill({negative}, base_history(), period_of("2027-02"), GroupBy::kVm, 0);
  CHECK(b.status().message() ==
        "vm \"x\" in tenant education: item \"vcpu\": negative quantity -2");
  MeterInterval backwards = interval("x", "vcpu", 2, "2027-02-02", "2027-02-01");
  b = bill({backwards}, base_history(), period_of("2027-02"), GroupBy::kVm, 0);
  CHECK(b.status().message() ==
        "vm \"x\" in tenant education: item \"vcpu\": interval ends at 2027-02-01T00:00:00+08:00, "
        "before it starts at 2027-02-02T00:00:00+08:00");

  auto message = [](const PriceListInput& list) {
    return price_history({list}).status().message();
  };
  CHECK(message(price_list("p", "2027-01-01", {}, true, "Europe/Paris")) ==
        "price list \"p\": time zone \"Europe/Paris\": not supported; use Asia/Shanghai, UTC or "
        "a fixed offset such as +08:00");
  CHECK(message(price_list("p", "2027-02-30", {})) ==
        "price list \"p\": effectiveFrom \"2027-02-30\": not a date or time; expected YYYY-MM-DD "
        "or YYYY-MM-DDTHH:MM[:SS] ending in Z or ±HH:MM");
  CHECK(message(price_list("p", "2027-01-01", {{"vcpu", "-1.5"}})) ==
        "price list \"p\": item \"vcpu\": price -1.5 is negative");
  PriceListInput usd = price_list("p", "2027-01-01", {});
  usd.spec.currency = "USD";
  CHECK(message(usd) == "price list \"p\": currency \"USD\": only CNY is supported");
  CHECK(price_history(
            {price_list("a", "2027-01-01", {}), price_list("b", "2026-12-31T16:00:00Z", {})})
            .status()
            .message() ==
        "price lists \"a\" and \"b\" both take effect at 2027-01-01T00:00:00+08:00");
  // A price above the tender cap is checked with the manifests, not here.
  CHECK(price_history({price_list("p", "2027-01-01", {{"vcpu", "99999"}})}).ok());
}

TEST_CASE("bill: tenant subtotals roll up the VDC tree") {
  std::vector<MeterInterval> ivs;
  for (auto [tenant, cpus] :
       std::vector<std::pair<std::string, int64_t>>{{"education", 1},
                                                    {"education/schools", 2},
                                                    {"education/schools/north", 1},
                                                    {"education-x", 1},
                                                    {"health/hospitals/north", 3}}) {
    ivs.push_back(interval("vm", "vcpu", cpus, "2027-02-01", "2027-03-01", tenant));
  }
  ivs.push_back(interval("vm", "memory", 1, "2027-02-01", "2027-03-01", "education"));
  // A full month: each vCPU 10.00, the GB of memory 5.00.
  Bill b = run(ivs, base_history(), "2027-02", GroupBy::kTenant, "2027-04-01");
  Result<std::vector<TenantTotal>> rollup = rollup_by_tenant(b.lines);
  REQUIRE(rollup.ok());
  std::vector<std::string> got;
  for (const TenantTotal& t : *rollup) {
    got.push_back(t.tenant + " " + std::to_string(t.own_fen) + " " + std::to_string(t.total_fen));
  }
  CHECK(got == std::vector<std::string>{
                   "education 1500 4500",
                   "education/schools 2000 3000",
                   "education/schools/north 1000 1000",
                   "education-x 1000 1000",
                   "health 0 3000",
                   "health/hospitals 0 3000",
                   "health/hospitals/north 3000 3000",
               });
  std::vector<GroupTotal> groups = group_totals(b);
  REQUIRE(groups.size() == 5);
  CHECK(groups[0].tenant == "education");
  CHECK(groups[0].amount_fen == 1500);

  // --tenant education: the subtree, not the sibling "education-x".
  Result<Bill> sub = bill(ivs, base_history(), period_of("2027-02"), GroupBy::kTenant,
                          at("2027-04-01"), "education");
  REQUIRE(sub.ok());
  CHECK(sub->total_fen == 4500);

  Bill by_item = run(ivs, base_history(), "2027-02", GroupBy::kItem, "2027-04-01");
  CHECK(rollup_by_tenant(by_item.lines).status().message() ==
        "bill line for item \"memory\" has no tenant: roll up a bill grouped by tenant, system "
        "or vm");
}

namespace {

const std::vector<std::string> kTenants = {
    "education",       "education/schools", "education/schools/north",
    "health",          "health/cdc",        "transport",
    "transport/metro", "culture",           "civil-affairs",
    "finance",         "finance/tax",       "police/traffic"};
const std::vector<std::string> kSystems = {"portal", "oa", "gis", "archive", "ai", ""};
// Items a VM holds, with the largest quantity drawn for each.
const std::vector<std::pair<std::string, uint64_t>> kResources = {{"vcpu", 64},
                                                                  {"memory", 256},
                                                                  {"storage-high", 200},
                                                                  {"storage-normal", 2000},
                                                                  {"storage-normal", 500},
                                                                  {"storage-normal", 4000},
                                                                  {"storage-high", 1000},
                                                                  {"gpu-16g", 2}};

// Three lists: changes mid-month at midnight and at an odd instant; the
// second does not charge stopped VMs.
std::vector<PriceVersion> random_history() {
  return history_of({
      price_list("r1", "2027-01-01", kPrices2027),
      price_list("r2", "2027-03-15",
                 {{"vcpu", "11.5"},
                  {"memory", "4.75"},
                  {"storage-normal", "0.25"},
                  {"storage-high", "0.55"},
                  {"gpu-16g", "280"}},
                 false),
      price_list("r3", "2027-08-01T12:34:56+08:00",
                 {{"vcpu", "12"},
                  {"memory", "5.123456"},
                  {"storage-normal", "0.299999"},
                  {"storage-high", "0.6"},
                  {"gpu-16g", "299.99"}}),
  });
}

// VMs over 2027 with ms-precise changes: resizes, power changes and deletes
// followed by a re-create under the same name after a gap. At each change
// every resource's interval closes and a new one opens.
std::vector<MeterInterval> random_cloud(uint64_t seed, int vms, int min_changes, int max_changes) {
  std::mt19937_64 rng(seed);
  auto pick = [&](uint64_t n) { return static_cast<int64_t>(rng() % n); };
  const int64_t year = at("2027-01-01");
  const int64_t day = civil::kDayMs;
  std::vector<MeterInterval> out;
  for (int i = 0; i < vms; ++i) {
    MeterInterval base;
    base.tenant = kTenants[static_cast<size_t>(pick(kTenants.size()))];
    base.system = kSystems[static_cast<size_t>(pick(kSystems.size()))];
    base.vm = "vm-" + std::to_string(i % 450);
    int changes =
        min_changes + static_cast<int>(pick(static_cast<uint64_t>(max_changes - min_changes + 1)));
    int64_t cursor = year + pick(static_cast<uint64_t>(40 * day));
    bool running = true;
    std::vector<int64_t> quantity(kResources.size());
    for (int k = 0; k <= changes; ++k) {
      for (size_t r = 0; r < kResources.size(); ++r) {
        if (k == 0 || pick(3) == 0) quantity[r] = 1 + pick(kResources[r].second);
      }
      if (k > 0 && pick(4) == 0) running = !running;
      int64_t end = cursor + 1 + pick(static_cast<uint64_t>(70 * day));
      bool open = k == changes && pick(3) == 0;
      for (size_t r = 0; r < kResources.size(); ++r) {
        MeterInterval iv = base;
        iv.item = kResources[r].first;
        iv.quantity = r + 1 == kResources.size() ? quantity[r] - 1 : quantity[r];  // gpu: 0..1
        iv.start_ms = cursor;
        if (!open) iv.end_ms = end;
        iv.running = running;
        out.push_back(std::move(iv));
      }
      cursor = end;
      if (pick(8) == 0) cursor += pick(static_cast<uint64_t>(10 * day));  // deleted, re-created
    }
  }
  return out;
}

// An independent reference: every (month, price version) pair is intersected
// with every interval, in units of 1 / (28 × 29 × 30 × 31 × ms a day) micro-yuan.
std::map<std::string, int64_t> reference_fen(const std::vector<MeterInterval>& ivs,
                                             const std::vector<PriceVersion>& history,
                                             const BillPeriod& period, GroupBy group_by,
                                             int64_t now_ms) {
  const int64_t product = 28 * 29 * 30 * 31;
  std::map<std::string, Int128> exact;
  for (const MeterInterval& iv : ivs) {
    int64_t s = iv.start_ms;
    int64_t e = iv.end_ms.value_or(now_ms);
    for (int m = 1; m <= 12; ++m) {
      if (period.month != 0 && m != period.month) continue;
      int days = civil::days_in_month(period.year, m);
      int64_t ms = civil::local_midnight_ms({period.year, m, 1}, period.offset_ms);
      int64_t me = ms + days * civil::kDayMs;
      for (size_t v = 0; v < history.size(); ++v) {
        int64_t vs = history[v].effective_from_ms;
        int64_t ve = v + 1 < history.size() ? history[v + 1].effective_from_ms : INT64_MAX;
        int64_t a = std::max({s, ms, vs});
        int64_t b = std::min({e, me, ve});
        if (a >= b || (!iv.running && !history[v].charge_when_stopped)) continue;
        std::string key = group_by == GroupBy::kItem     ? iv.item
                          : group_by == GroupBy::kTenant ? iv.tenant + " " + iv.item
                          : group_by == GroupBy::kSystem
                              ? iv.tenant + " " + iv.system + " " + iv.item
                              : iv.tenant + " " + iv.vm + " " + iv.item;
        exact[key] += Int128{history[v].prices.at(iv.item).micros()} * iv.quantity * (b - a) *
                      (product / days);
      }
    }
  }
  std::map<std::string, int64_t> out;
  const Int128 per_fen = Int128{product} * civil::kDayMs * Money::kMicrosPerFen;
  for (const auto& [key, n] : exact) {
    Int128 q = n / per_fen;
    if (2 * (n % per_fen) >= per_fen) ++q;
    if (q != 0 || n != 0) out[key] = static_cast<int64_t>(q);
  }
  return out;
}

std::string key_of(const BillLine& l, GroupBy group_by) {
  switch (group_by) {
    case GroupBy::kItem:
      return l.item;
    case GroupBy::kTenant:
      return l.tenant + " " + l.item;
    case GroupBy::kSystem:
      return l.tenant + " " + l.system + " " + l.item;
    case GroupBy::kVm:
      return l.tenant + " " + l.vm + " " + l.item;
  }
  return "";
}

const std::vector<GroupBy> kGroupings = {GroupBy::kTenant, GroupBy::kSystem, GroupBy::kVm,
                                         GroupBy::kItem};

}  // namespace

TEST_CASE("bill: totals equal the sum of lines for 500 random VMs, every grouping") {
  const auto history = random_history();
  const auto ivs = random_cloud(20270101, 500, 0, 8);
  const int64_t now = at("2027-12-20T08:00+08:00");
  std::map<std::string, int64_t> year_by_item;
  std::map<std::string, int64_t> months_by_item;
  for (const char* period_text :
       {"2027-06", "2027", "2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-07",
        "2027-08", "2027-09", "2027-10", "2027-11", "2027-12"}) {
    const BillPeriod period = period_of(period_text);
    for (GroupBy group_by : kGroupings) {
      CAPTURE(period_text);
      CAPTURE(group_by_name(group_by));
      Result<Bill> b = bill(ivs, history, period, group_by, now);
      REQUIRE(b.ok());
      CHECK(b->total_fen == sum_of_lines(*b));
      int64_t groups = 0;
      for (const GroupTotal& g : group_totals(*b)) groups += g.amount_fen;
      CHECK(groups == b->total_fen);
      if (group_by != GroupBy::kItem) {
        int64_t roots = 0;
        Result<std::vector<TenantTotal>> rollup = rollup_by_tenant(b->lines);
        REQUIRE(rollup.ok());
        for (const TenantTotal& t : *rollup) {
          if (t.tenant.find('/') == std::string::npos) roots += t.total_fen;
        }
        CHECK(roots == b->total_fen);
      }
      std::map<std::string, int64_t> got;
      for (const BillLine& l : b->lines) got[key_of(l, group_by)] = l.amount_fen;
      CHECK(got == reference_fen(ivs, history, period, group_by, now));
      if (group_by == GroupBy::kItem) {
        for (const BillLine& l : b->lines) {
          (period.month == 0 ? year_by_item : months_by_item)[l.item] += l.amount_fen;
        }
      }
    }
  }
  // The year is the twelve months summed, each line rounded once: at most
  // half a fen apart per month.
  REQUIRE(year_by_item.size() == 5);
  for (const auto& [item, fen] : year_by_item) {
    CAPTURE(item);
    CHECK(std::llabs(fen - months_by_item[item]) <= 6);
  }
}

TEST_CASE("bill: a year of 1,133 VMs with 10 changes each bills within the time budget") {
  const auto history = random_history();
  const auto ivs = random_cloud(1133, 1133, 10, 10);
  CHECK(ivs.size() == 1133 * 11 * kResources.size());
  const int64_t now = at("2028-01-05");
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  };

  Clock::time_point start = Clock::now();
  Result<Bill> month = bill(ivs, history, period_of("2027-06"), GroupBy::kTenant, now);
  int64_t month_ms = ms_since(start);
  start = Clock::now();
  Result<Bill> year = bill(ivs, history, period_of("2027"), GroupBy::kTenant, now);
  int64_t year_ms = ms_since(start);
  start = Clock::now();
  Result<Bill> year_vm = bill(ivs, history, period_of("2027"), GroupBy::kVm, now);
  int64_t year_vm_ms = ms_since(start);
  MESSAGE(ivs.size() << " intervals: monthly bill by tenant " << month_ms
                     << " ms (target 1000), yearly by tenant " << year_ms
                     << " ms (target 3000), yearly by vm " << year_vm_ms << " ms");
  REQUIRE(month.ok());
  REQUIRE(year.ok());
  REQUIRE(year_vm.ok());
  CHECK(month->total_fen == sum_of_lines(*month));
  CHECK(year->total_fen == sum_of_lines(*year));
  CHECK(year_vm->total_fen == sum_of_lines(*year_vm));
  CHECK(std::llabs(year->total_fen - year_vm->total_fen) <=
        static_cast<int64_t>(year->lines.size() + year_vm->lines.size()));
  std::map<std::string, int64_t> got;
  for (const BillLine& l : year->lines) got[key_of(l, GroupBy::kTenant)] = l.amount_fen;
  CHECK(got == reference_fen(ivs, history, period_of("2027"), GroupBy::kTenant, now));
}
