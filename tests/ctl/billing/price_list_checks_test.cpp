#include "ctl/billing/price_list_checks.h"

#include <doctest/doctest.h>

#include "common/price_caps.h"
#include "common/time.h"
#include "common/yaml_document.h"
#include "tests/support/temp_dir.h"

using namespace xc;
using nlohmann::json;

namespace {

using xc::test::TempDir;

int64_t checked_at(const std::string& text) {
  auto ms = civil::parse_instant(text, 8 * 3'600'000);
  REQUIRE(ms.ok());
  return *ms;
}

std::string price_list_yaml(const std::string& name, const std::string& from,
                            const std::string& prices) {
  return "apiVersion: xcloud/v1\nkind: PriceList\nmetadata:\n  name: " + name +
         "\nspec:\n  currency: CNY\n  effectiveFrom: \"" + from + "\"\n  prices:\n" + prices;
}

ManifestSet manifests(const std::string& text) {
  YamlParse p = parse_yaml(text, "prices.yaml");
  ManifestSet set =
      validate_documents(std::move(p.documents), std::move(p.errors), builtin_price_caps());
  for (const auto& e : set.errors) FAIL(format_diagnostic(e));
  return set;
}

// A state with price list "p2027" (vcpu and memory from 2027-01-01) stored,
// one open vcpu and one memory interval from 2027-01-10, January closed.
struct State {
  TempDir dir;
  std::unique_ptr<Store> store;

  State() {
    auto opened = open_store(dir.path("state.db"), OpenMode::kCreate);
    REQUIRE(opened.ok());
    store = std::move(*opened);
    store_list("p2027", "2027-01-01", {{"vcpu", "10"}, {"memory", "5"}});
    for (const char* item : {"vcpu", "memory"}) {
      MeterInterval m{"education",  "",  "web-1", item, 2, checked_at("2027-01-10"),
                      std::nullopt, true};
      REQUIRE(store->open_meter_interval(m).ok());
    }
    REQUIRE(store->insert_closed_month({"2027-01", 0, "{}", std::string(32, 'a')}).ok());
  }

  void store_list(const std::string& name, const std::string& from, const json& prices) {
    ResourceRecord r;
    r.kind = "PriceList";
    r.name = name;
    r.spec_json =
        json{{"manifest",
              {{"spec", {{"currency", "CNY"}, {"effectiveFrom", from}, {"prices", prices}}}}}}
            .dump();
    r.spec_hash = name + from;
    REQUIRE(store->put_resource(r).ok());
  }

  std::vector<std::string> check(const std::string& yaml) {
    ManifestSet set = manifests(yaml);
    auto found = check_price_lists(*store, set);
    REQUIRE_MESSAGE(found.ok(), found.status().message());
    std::vector<std::string> out;
    for (const auto& d : *found) out.push_back(format_diagnostic(d));
    return out;
  }
};

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("an unchanged price list is not checked again") {
  State s;
  CHECK(s.check(price_list_yaml("p2027", "2027-01-01", "    vcpu: 10\n    memory: 5\n")).empty());
}

TEST_CASE("a price list taking effect in a closed month is refused") {
  State s;
  CHECK(s.check(price_list_yaml("p-late", "2027-01-20", "    vcpu: 11\n    memory: 5\n")) ==
        Lines{"prices.yaml:7:18: error: PriceList \"p-late\": effectiveFrom 2027-01-20 falls in "
              "closed month 2027-01; a closed month never changes: record a correction with "
              "'xcloudctl bill adjust'"});
}

TEST_CASE("changing a price list that priced a closed month is refused") {
  State s;
  CHECK(s.check(price_list_yaml("p2027", "2027-01-01", "    vcpu: 9\n    memory: 5\n")) ==
        Lines{"prices.yaml:7:18: error: PriceList \"p2027\": it priced closed month 2027-01 and "
              "cannot change; a closed month never changes: record a correction with "
              "'xcloudctl bill adjust'"});
}

TEST_CASE("a price list from the first open month is accepted") {
  State s;
  CHECK(s.check(price_list_yaml("p-feb", "2027-02-01", "    vcpu: 11\n    memory: 6\n")).empty());
}

TEST_CASE("a price list lacking items in use is refused, naming each") {
  State s;
  CHECK(s.check(price_list_yaml("p-feb", "2027-02-01", "    storage-normal: 0.3\n")) ==
        Lines{"prices.yaml:8:3: error: PriceList \"p-feb\" has no price for items in use from "
              "2027-02-01: memory, vcpu"});
}

TEST_CASE("items used only before a list takes effect need no price in it") {
  State s;
  MeterInterval gpu{
      "education", "", "web-1", "gpu-16g", 1, checked_at("2027-01-10"), checked_at("2027-01-12"),
      true};
  REQUIRE(s.store->open_meter_interval(gpu).ok());
  CHECK(s.check(price_list_yaml("p-feb", "2027-02-01", "    vcpu: 11\n    memory: 6\n")).empty());
}

TEST_CASE("a price list that priced a closed month cannot be deleted") {
  State s;
  s.store_list("p2028", "2028-01-01", {{"vcpu", "10"}, {"memory", "5"}});
  CHECK(*price_list_delete_blocker(*s.store, "p2027") ==
        "price list p2027 priced closed month 2027-01; a closed month never changes, so its "
        "price lists stay");
  CHECK(price_list_delete_blocker(*s.store, "p2028")->empty());
}

TEST_CASE("closed_month_priced_by: a list superseded before a closed month did not price it") {
  std::vector<PriceVersion> history{{"a", checked_at("2026-01-01"), {}, true, 0},
                                    {"b", checked_at("2026-06-01"), {}, true, 0},
                                    {"c", checked_at("2027-02-01"), {}, true, 0}};
  std::vector<ClosedMonthRecord> closed{{"2027-01", 0, "", ""}};
  CHECK(!closed_month_priced_by(history, "a", closed));
  CHECK(*closed_month_priced_by(history, "b", closed) == "2027-01");
  CHECK(!closed_month_priced_by(history, "c", closed));
  CHECK(!closed_month_priced_by(history, "absent", closed));
}
