#include "ctl/report/report.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "common/time.h"
#include "ctl/report/report_formats.h"
#include "ctl/report/report_sections.h"

using namespace xc;

namespace {

constexpr int64_t kShanghai = 8 * 3'600'000;

// Local Asia/Shanghai text: "2026-11-25" (midnight) or "2026-11-25T10:00".
int64_t at(const std::string& text) {
  Result<int64_t> ms =
      civil::parse_instant(text.find('T') == std::string::npos ? text : text + "+08:00", kShanghai);
  REQUIRE_MESSAGE(ms.ok(), ms.status().message());
  return *ms;
}

MeterInterval iv(const std::string& tenant, const std::string& vm, const std::string& item,
                 int64_t quantity, const std::string& from, std::optional<std::string> to,
                 bool running = true) {
  MeterInterval m;
  m.tenant = tenant;
  m.system = "portal";
  m.vm = vm;
  m.item = item;
  m.quantity = quantity;
  m.start_ms = at(from);
  if (to) m.end_ms = at(*to);
  m.running = running;
  return m;
}

AuditRecord audit(const std::string& when, const std::string& kind, const std::string& tenant,
                  const std::string& name, const std::string& action,
                  const std::string& message = "host h1") {
  AuditRecord r;
  r.time_ms = at(when);
  r.actor = "ops";
  r.kind = kind;
  r.tenant = tenant;
  r.name = name;
  r.action = action;
  r.result = kAuditOk;
  r.message = message;
  return r;
}

std::vector<PriceVersion> prices() {
  PriceListInput list;
  list.name = "p";
  list.spec.effective_from = "2026-01-01";
  list.spec.time_zone = "Asia/Shanghai";
  list.spec.prices["vcpu"] = Money::parse("30").value();
  list.spec.prices["memory"] = Money::parse("10").value();
  Result<std::vector<PriceVersion>> h = price_history({list});
  REQUIRE(h.ok());
  return *h;
}

// Week 2026-W48 (Monday 23 to Sunday 29 November), "now" after it ended.
ReportInput week48() {
  ReportInput in;
  in.kind = ReportKind::kWeekly;
  in.period = parse_week_period("2026-W48").value();
  in.now_ms = at("2026-12-01T08:00");
  in.prices = prices();
  // web-1: 2 vCPU from before the week, resized to 4 on Wednesday 25th.
  in.intervals.push_back(iv("education", "web-1", "vcpu", 2, "2026-11-01", "2026-11-25T10:00"));
  in.intervals.push_back(iv("education", "web-1", "vcpu", 4, "2026-11-25T10:00", std::nullopt));
  // db-1: stopped on the 24th and started on the 26th: not a resize.
  in.intervals.push_back(iv("health", "db-1", "vcpu", 8, "2026-11-01", "2026-11-24"));
  in.intervals.push_back(iv("health", "db-1", "vcpu", 8, "2026-11-24", "2026-11-26", false));
  in.intervals.push_back(iv("health", "db-1", "vcpu", 8, "2026-11-26", std::nullopt));
  in.intervals.push_back(iv("health", "db-1", "memory", 16, "2026-11-01", std::nullopt));
  // tmp-1: created Tuesday, deleted Thursday.
  in.intervals.push_back(iv("health", "tmp-1", "vcpu", 1, "2026-11-24T09:00", "2026-11-26T09:00"));
  in.audit = {
      audit("2026-11-24T09:00", "VirtualMachine", "health", "tmp-1", "create"),
      audit("2026-11-25T10:00", "VirtualMachine", "education", "web-1", "update"),
      audit("2026-11-25T11:00", "VirtualMachine", "education", "web-1", "delete",
            "host h1: recreated elsewhere (--allow-recreate) (now on h2)"),
      audit("2026-11-25T11:00", "VirtualMachine", "education", "web-1", "create",
            "host h2: placement no longer valid (host h1 left pool erlonglu)"),
      audit("2026-11-26T09:00", "VirtualMachine", "health", "tmp-1", "delete",
            "host h1: pruned: no longer declared"),
      audit("2026-11-27T12:00", "", "", "", "note"),
      audit("2026-11-30T00:00", "VirtualMachine", "health", "late", "create"),  // after the week
  };
  in.hosts = {{"h1", "erlonglu", "gov", 10, 8, 64 * 1024, 16 * 1024},
              {"h2", "erlonglu", "gov", 10, 0, 64 * 1024, 0},
              {"h3", "tianning", "internet", 10, 8, 8 * 1024, 7 * 1024}};
  return in;
}

Report build(const ReportInput& in) {
  Result<Report> r = build_report(in);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return *r;
}

}  // namespace

TEST_CASE("report: changes come from the audit trail, resizes from the meter") {
  Report r = build(week48());
  REQUIRE(r.change_counts.size() == 2);
  const ChangeCount& edu = r.change_counts[0];
  CHECK(edu.tenant == "education");
  CHECK(edu.system == "portal");
  // The move's delete and create are audit records too; together they are
  // one move, neither a creation nor a deletion.
  CHECK(edu.created == 0);
  CHECK(edu.moved == 1);
  CHECK(edu.deleted == 0);
  CHECK(edu.updated == 1);
  CHECK(edu.resized == 1);
  const ChangeCount& health = r.change_counts[1];
  CHECK(health.created == 1);
  CHECK(health.deleted == 1);
  CHECK(health.resized == 0);  // db-1 was stopped and started, never resized
  CHECK(r.change_total.created == 1);
  CHECK(r.change_total.moved == 1);
  CHECK(r.change_total.deleted == 1);
  // The log holds the week's changes only, without the note, in time order.
  REQUIRE(r.changes.size() == 5);
  CHECK(r.changes.front().name == "tmp-1");
  CHECK(r.changes.front().system == "portal");
  CHECK(r.changes.back().action == "delete");
}

TEST_CASE("report: allocation at the end of the week, and a point per day") {
  Report r = build(week48());
  CHECK(r.as_of_ms == at("2026-11-30") - 1);
  REQUIRE(r.allocation.size() == 2);
  CHECK(r.allocation[0].tenant == "education");
  CHECK(r.allocation[0].vcpu == 4);
  CHECK(r.allocation[1].vcpu == 8);
  CHECK(r.allocation[1].memory_gb == 16);
  CHECK(r.allocation[1].vms == 1);  // tmp-1 is gone
  CHECK(r.allocation_total.vcpu == 12);
  CHECK(r.allocation_total.vms == 2);
  // Midnights of Monday to Sunday, then the end of the week.
  REQUIRE(r.series.size() == 8);
  CHECK(r.series[0].time_ms == at("2026-11-23"));
  CHECK(r.series[0].total.vcpu == 10);  // web-1 2 + db-1 8
  CHECK(r.series[2].total.vcpu == 11);  // Wednesday 00:00: tmp-1 has come
  CHECK(r.series[4].total.vcpu == 12);  // Friday: web-1 at 4, tmp-1 gone
  CHECK(r.series[7].total.vcpu == 12);
}

TEST_CASE("report: the week's cost, ranked per tenant") {
  Report r = build(week48());
  REQUIRE(r.bill_error.empty());
  // education: 2 vCPU for 2 days 10 h, then 4 vCPU for 4 days 14 h, at 30 a
  // month of 30 days (1 yuan per vCPU-day): 2×(58/24) + 4×(110/24) = 23.17.
  // health: db-1 8 vCPU all 7 days = 56 (stopped time is charged) + memory
  // 16 GB × 7 days × 10/30 = 37.333; tmp-1 1 vCPU × 2 days = 2: 95.33.
  REQUIRE(r.top_tenants.size() == 2);
  CHECK(r.top_tenants[0].tenant == "health");
  CHECK(r.top_tenants[0].amount_fen == 9533);
  CHECK(r.top_tenants[1].amount_fen == 2317);
  CHECK(r.bill.total_fen == 9533 + 2317);
}

TEST_CASE("report: tenants are shown with their display names") {
  ReportInput in = week48();
  in.tenant_names["health"] = "卫生健康委员会";
  Report r = build(in);
  CHECK(tenant_text(r, "health") == "health 卫生健康委员会");
  CHECK(tenant_text(r, "education") == "education");
  CHECK(report_markdown(r).find("| 1 | health 卫生健康委员会 | 95.33 |") != std::string::npos);
  CHECK(nlohmann::json::parse(report_json(r))["tenant_names"]["health"] == "卫生健康委员会");
}

TEST_CASE("report: at most ten tenants, highest first") {
  ReportInput in = week48();
  in.intervals.clear();
  for (int i = 1; i <= 12; ++i) {
    in.intervals.push_back(
        iv("t" + std::to_string(i), "vm", "vcpu", i, "2026-11-01", std::nullopt));
  }
  Report r = build(in);
  REQUIRE(r.top_tenants.size() == 10);
  CHECK(r.top_tenants[0].tenant == "t12");
  CHECK(r.top_tenants[9].tenant == "t3");
}

TEST_CASE("report: capacity per pool and zone is flagged from 80%") {
  Report r = build(week48());
  REQUIRE(r.capacity.size() == 4);
  const CapacityRow& erlonglu = r.capacity[0];
  CHECK(erlonglu.scope == "pool");
  CHECK(erlonglu.hosts == 2);
  CHECK(erlonglu.vcpu_permille == 400);
  CHECK(!erlonglu.flagged);
  const CapacityRow& tianning = r.capacity[1];
  CHECK(tianning.vcpu_permille == 800);  // 8 of 10: exactly on the line
  CHECK(tianning.memory_permille == 875);
  CHECK(tianning.flagged);
  CHECK(r.capacity[2].scope == "zone");
  CHECK(r.capacity[3].name == "internet");
  CHECK(r.capacity[3].flagged);
}

TEST_CASE("report: without a price list the report is still made, saying why") {
  ReportInput in = week48();
  in.prices.clear();
  Report r = build(in);
  CHECK(r.bill_error.find("no price list is in effect") != std::string::npos);
  CHECK(r.top_tenants.empty());
  CHECK(report_markdown(r).find("The period cannot be billed: ") != std::string::npos);
  CHECK(nlohmann::json::parse(report_json(r))["cost"]["error"] == r.bill_error);
}

TEST_CASE("report: the monthly report has the bill and says when the service level is missing") {
  ReportInput in = week48();
  in.kind = ReportKind::kMonthly;
  in.period = parse_bill_period("2026-11").value();
  in.sla_error = "the state has no events table";
  Report r = build(in);
  CHECK(report_title(r) == "xcloud monthly report 2026-11");
  std::vector<std::string> ids;
  for (const ReportSection& s : report_sections(r)) ids.push_back(s.id);
  CHECK(ids == std::vector<std::string>{"summary", "bill", "bill-lines", "top-tenants", "changes",
                                        "allocation", "capacity", "capacity-forecast",
                                        "service-level", "change-log"});
  std::string md = report_markdown(r);
  CHECK(md.find("Not available: the state has no events table") != std::string::npos);
  nlohmann::json j = nlohmann::json::parse(report_json(r));
  CHECK(j["incidents"]["collected"] == false);
  int64_t sum = 0;
  for (const auto& line : j["cost"]["lines"]) sum += line["amount_fen"].get<int64_t>();
  CHECK(sum == j["cost"]["total_fen"].get<int64_t>());
}

TEST_CASE("report: the monthly report shows the service level, the incidents and the fines") {
  ReportInput in = week48();
  in.kind = ReportKind::kMonthly;
  in.period = parse_bill_period("2026-11").value();
  SlaInput sla_in;
  sla_in.period = {in.period.start_ms, in.period.end_ms};
  sla_in.now_ms = in.period.end_ms;
  sla_in.observed = {sla_in.period};
  SlaVm vm{"education", "web-1", "portal", "x86-01", {sla_in.period}, {}};
  vm.changes = {{in.period.start_ms + 3'600'000, false, "crashed"},
                {in.period.start_ms + 3 * 3'600'000, true, "started"}};
  sla_in.vms = {vm};
  auto month =
      assess_month("2026-11", sla_in, compute_availability(sla_in),
                   {{{"education", "portal"}, 1'000'000}}, 1, "", builtin_penalty_tables());
  REQUIRE(month.ok());
  month->offset_ms = in.period.offset_ms;
  in.sla = *month;
  Report r = build(in);
  std::vector<std::string> ids;
  for (const ReportSection& s : report_sections(r)) ids.push_back(s.id);
  CHECK(ids == std::vector<std::string>{"summary", "bill", "bill-lines", "top-tenants", "changes",
                                        "allocation", "capacity", "capacity-forecast",
                                        "service-level", "penalties", "incidents", "not-measured",
                                        "change-log"});
  std::string md = report_markdown(r);
  CHECK(md.find("| 2026-11-01 01:00 | 2026-11-01 03:00 | 2 h 00 min | education | portal | vm "
                "web-1 crashed |") != std::string::npos);
  // Two hours of 720: 99.7222%; lines 1 (50%) and 5 (30%) of 10000.00 CNY.
  CHECK(md.find("99.7222%") != std::string::npos);
  CHECK(md.find("| **8000.00** |") != std::string::npos);  // a system with fines is flagged
  nlohmann::json j = nlohmann::json::parse(report_json(r));
  CHECK(j["incidents"]["collected"] == true);
  CHECK(j["incidents"]["items"].size() == 1);
  CHECK(j["service_level"]["total_fine_fen"] == 800'000);
}

TEST_CASE("report: CSV has a BOM, CRLF lines and quotes what needs it") {
  ReportInput in = week48();
  in.intervals[0].system = in.intervals[1].system = "门户, \"新\"";
  std::string csv = report_csv(build(in));
  CHECK(csv.rfind("\xEF\xBB\xBF", 0) == 0);
  CHECK(csv.find("\r\n") != std::string::npos);
  CHECK(csv.find("\n") == csv.find("\r\n") + 1);
  CHECK(csv.find("\"门户, \"\"新\"\"\"") != std::string::npos);
  CHECK(csv.find("Capacity by pool and zone 资源池与安全域容量\r\n") != std::string::npos);
}

TEST_CASE("report: HTML escapes every name, is self-contained and deterministic") {
  ReportInput in = week48();
  const std::string nasty = "<script>alert('x')</script> & \"q\"";
  in.intervals[0].system = in.intervals[1].system = nasty;
  in.hosts[0].pool = nasty;
  Report r = build(in);
  std::string html = report_html(r);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find(" src=") == std::string::npos);  // nothing is fetched
  CHECK(html.find(" href=") == std::string::npos);
  CHECK(html == report_html(r));
  // The names come back exactly when the document is read.
  pugi::xml_document doc;
  REQUIRE(doc.load_string(html.c_str(), pugi::parse_default | pugi::parse_doctype));
  bool found = false;
  for (pugi::xpath_node td : doc.select_nodes("//td")) found |= td.node().text().get() == nasty;
  CHECK(found);
  CHECK(doc.select_nodes("//svg").size() == 4);
  CHECK(doc.select_nodes("//tr[@class='flag']").size() ==
        3);  // the pool, "tianning" and "internet"
}

TEST_CASE("report: the mail body has tables, no SVG, and a shortened change log") {
  Report r = build(week48());
  std::string body = report_mail_html(r, 2);
  CHECK(body.find("<svg") == std::string::npos);
  CHECK(body.find("<table") != std::string::npos);
  CHECK(body.find("The first 2 of 5 changes; all are in the attached report.") !=
        std::string::npos);
  CHECK(body.find("style=\"border-collapse:collapse;") != std::string::npos);
}

TEST_CASE("report: a month's bill as given is used, adjustments and a frozen note shown") {
  ReportInput in = week48();
  in.kind = ReportKind::kMonthly;
  in.period = parse_bill_period("2026-11").value();
  Bill frozen;
  frozen.period = in.period;
  BillLine metered;
  metered.tenant = "education";
  metered.item = "vcpu";
  metered.quantity_months = "2";
  metered.amount_fen = 2000;
  BillLine adjustment = metered;
  adjustment.quantity_months = "";
  adjustment.amount_fen = -500;
  adjustment.adjustment_id = 4;
  adjustment.adjustment_reason = "INC-8 credit";
  frozen.lines = {metered, adjustment};
  frozen.total_fen = 1500;
  in.month_bill = frozen;
  in.bill_note = "Month closed 2026-12-02T00:00:00+08:00: the frozen bill (SM3 ab).";
  Report r = build(in);
  CHECK(r.bill.total_fen == 1500);
  std::vector<ReportSection> sections = report_sections(r);
  CHECK(sections[1].note == in.bill_note);
  CHECK(sections[2].rows[1].cells ==
        std::vector<std::string>{"education", "vcpu (adjustment #4: INC-8 credit)", "-", "-5.00"});
  nlohmann::json cost = nlohmann::json::parse(report_json(r))["cost"];
  CHECK(cost["note"] == in.bill_note);
  CHECK(cost["lines"][1]["adjustment"] == nlohmann::json{{"id", 4}, {"reason", "INC-8 credit"}});
}

TEST_CASE("report: a VM that changed host is moved, whatever order its records come in") {
  ReportInput in = week48();
  in.audit = {
      // The new copy's create can be recorded before the old copy's delete
      // (hosts are worked on in parallel); records of older versions said
      // "moved to" and the create carried no reason.
      audit("2026-11-25T11:00", "VirtualMachine", "education", "web-1", "create", "host h2"),
      audit("2026-11-25T11:01", "VirtualMachine", "education", "web-1", "delete",
            "host h1: moved to h2"),
      // A duplicate removed is neither a deletion nor a move.
      audit("2026-11-26T08:00", "VirtualMachine", "health", "db-1", "delete",
            "host h3: duplicate (also on h1)"),
      audit("2026-11-26T09:00", "VirtualMachine", "health", "tmp-1", "delete",
            "host h1: pruned: no longer declared"),
  };
  Report r = build(in);
  CHECK(r.change_total.created == 0);
  CHECK(r.change_total.moved == 1);
  CHECK(r.change_total.deleted == 1);
}
