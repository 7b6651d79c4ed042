#include "ctl/billing/closed_month.h"

#include <doctest/doctest.h>

#include "common/sm_crypto.h"
#include "common/time.h"
#include "ctl/billing/bill_adjustments.h"

using namespace xc;

namespace {

constexpr int64_t kClosedMonthZone = 8 * 3'600'000;

BillPeriod month(const std::string& label) {
  auto p = parse_bill_period(label);
  REQUIRE(p.ok());
  return *p;
}

int64_t closed_at(const std::string& text) {
  auto ms = civil::parse_instant(text, kClosedMonthZone);
  REQUIRE(ms.ok());
  return *ms;
}

BillLine line(const std::string& tenant, const std::string& system, const std::string& vm,
              const std::string& quantity, int64_t fen) {
  BillLine l;
  l.tenant = tenant;
  l.system = system;
  l.vm = vm;
  l.item = "vcpu";
  l.quantity_months = quantity;
  l.amount_fen = fen;
  return l;
}

Bill bill_of(GroupBy by, std::vector<BillLine> lines) {
  Bill b;
  b.period = month("2027-01");
  b.group_by = by;
  for (const BillLine& l : lines) b.total_fen += l.amount_fen;
  b.lines = std::move(lines);
  return b;
}

std::vector<Bill> january() {
  return {bill_of(GroupBy::kTenant, {line("education", "", "", "2", 2000),
                                     line("education/schools", "", "", "1", 1001)}),
          bill_of(GroupBy::kSystem, {line("education", "portal", "", "2", 2000),
                                     line("education/schools", "", "", "1", 1001)}),
          bill_of(GroupBy::kVm, {line("education", "", "web-1", "2", 2000),
                                 line("education/schools", "", "db-1", "1", 1001)}),
          bill_of(GroupBy::kItem, {line("", "", "", "3", 3001)})};
}

}  // namespace

TEST_CASE("a frozen month reads back every grouping, filtered by tenant subtree") {
  auto frozen = freeze_month(january(), closed_at("2027-02-03"));
  REQUIRE_MESSAGE(frozen.ok(), frozen.status().message());
  CHECK(frozen->month == "2027-01");
  CHECK(frozen->closed_at_ms == closed_at("2027-02-03"));
  CHECK(frozen->digest == std::string(as_bytes(*sm3(frozen->bill_json))));

  auto by_vm = thaw_month(*frozen, month("2027-01"), GroupBy::kVm, "");
  REQUIRE(by_vm.ok());
  CHECK(by_vm->lines.size() == 2);
  CHECK(by_vm->lines[1].vm == "db-1");
  CHECK(by_vm->total_fen == 3001);
  auto schools = thaw_month(*frozen, month("2027-01"), GroupBy::kTenant, "education/schools");
  REQUIRE(schools.ok());
  CHECK(schools->lines.size() == 1);
  CHECK(schools->total_fen == 1001);
  CHECK(thaw_month(*frozen, month("2027-01"), GroupBy::kItem, "")->total_fen == 3001);
}

TEST_CASE("a frozen month whose bill was altered is refused, naming the month") {
  auto frozen = freeze_month(january(), 1);
  REQUIRE(frozen.ok());
  ClosedMonthRecord tampered = *frozen;
  tampered.bill_json.replace(tampered.bill_json.find("2000"), 4, "1000");
  auto read = thaw_month(tampered, month("2027-01"), GroupBy::kTenant, "");
  CHECK(read.status().code() == Code::kFailedPrecondition);
  CHECK(read.status().message() ==
        "closed month 2027-01: the frozen bill does not match its SM3 digest");
}

TEST_CASE("a frozen bill by item cannot be cut by tenant") {
  auto frozen = freeze_month(january(), 1);
  REQUIRE(frozen.ok());
  CHECK(thaw_month(*frozen, month("2027-01"), GroupBy::kItem, "education").status().message() ==
        "closed month 2027-01: the frozen bill by item covers every tenant; leave out --tenant "
        "or bill by tenant, system or vm");
}

TEST_CASE("freeze_month needs every grouping") {
  std::vector<Bill> bills = january();
  bills.pop_back();
  CHECK(freeze_month(bills, 1).status().message() == "closed month 2027-01: no bill by item");
}

TEST_CASE("only a month that has ended can be closed") {
  CHECK(check_month_ended(month("2027-01"), closed_at("2027-02-01")).ok());
  Status early = check_month_ended(month("2027-01"), closed_at("2027-02-01") - 1);
  CHECK(early.code() == Code::kFailedPrecondition);
  CHECK(early.message() ==
        "month 2027-01 has not ended (it ends 2027-02-01T00:00:00+08:00); only a past month can "
        "be closed");
}

TEST_CASE("the first open month follows the last closed one, else it is the current month") {
  CHECK(first_open_month({}, closed_at("2027-03-31T23:59:59+08:00")) == "2027-03");
  CHECK(first_open_month({}, closed_at("2027-04-01")) == "2027-04");
  std::vector<ClosedMonthRecord> closed{{"2026-11", 0, "", ""}, {"2026-12", 0, "", ""}};
  CHECK(first_open_month(closed, closed_at("2027-03-15")) == "2027-01");
  CHECK(next_month_label("2027-09") == "2027-10");
}

TEST_CASE("adjustment amounts are exact fen, never zero") {
  CHECK(*parse_adjustment_fen("120.5") == 12050);
  CHECK(*parse_adjustment_fen("-35") == -3500);
  CHECK(*parse_adjustment_fen("0.01") == 1);
  CHECK(parse_adjustment_fen("1.234").status().message() ==
        "--amount \"1.234\": at most two decimals (fen)");
  CHECK(parse_adjustment_fen("0.00").status().message() ==
        "--amount \"0.00\": an adjustment of zero changes nothing");
  CHECK(parse_adjustment_fen("1e2").status().message() ==
        "--amount \"1e2\": expected a decimal amount of CNY, e.g. 120.50 or -35");
}

TEST_CASE("adjustments are lines of their own after the metered line of the same key") {
  Bill b = january()[0];
  std::vector<BillAdjustmentRecord> adjustments{
      {2, "2027-01", "education/schools", "vcpu", -500, "credit INC-9", 0, "ops"},
      {1, "2027-01", "education", "memory", 250, "late resize", 0, "ops"},
      {3, "2027-01", "health", "vcpu", 100, "other tenant", 0, "ops"}};
  REQUIRE(add_adjustments(b, adjustments, "education").ok());
  REQUIRE(b.lines.size() == 4);
  CHECK(b.lines[0].item == "memory");
  CHECK(b.lines[0].adjustment_id == 1);
  CHECK(b.lines[0].adjustment_reason == "late resize");
  CHECK(b.lines[1].item == "vcpu");
  CHECK(b.lines[1].adjustment_id == 0);
  CHECK(b.lines[3].adjustment_id == 2);
  CHECK(b.lines[3].amount_fen == -500);
  CHECK(b.total_fen == 3001 + 250 - 500);

  Bill by_item = january()[3];
  REQUIRE(add_adjustments(by_item, adjustments, "").ok());
  CHECK(by_item.lines.size() == 4);
  CHECK(by_item.lines[0].tenant.empty());
  CHECK(by_item.total_fen == 3001 + 250 - 500 + 100);
}
