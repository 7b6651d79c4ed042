#include "ctl/billing/price_list_checks.h"

#include <limits>
#include <map>
#include <set>

#include "ctl/billing/billing_inputs.h"
#include "ctl/billing/snapshot_metering.h"

namespace xc {
namespace {

bool same_list(const PriceListSpec& a, const PriceListSpec& b) {
  return a.currency == b.currency && a.effective_from == b.effective_from &&
         a.time_zone == b.time_zone && a.charge_when_stopped == b.charge_when_stopped &&
         a.prices == b.prices;
}

// [from, until) of the version named `name`; nullopt when absent.
std::optional<std::pair<int64_t, int64_t>> in_effect(const std::vector<PriceVersion>& history,
                                                     const std::string& name) {
  for (size_t i = 0; i < history.size(); ++i) {
    if (history[i].name != name) continue;
    int64_t until = i + 1 < history.size() ? history[i + 1].effective_from_ms
                                           : std::numeric_limits<int64_t>::max();
    return std::make_pair(history[i].effective_from_ms, until);
  }
  return std::nullopt;
}

// `written` is effectiveFrom as the manifest has it.
std::string closed_month_message(const PriceVersion& v, const std::string& written,
                                 const std::string& month, bool changed) {
  std::string why = "it priced closed month " + month + " and cannot change";
  if (!changed) {
    auto period = parse_bill_period(month);
    bool inside = period.ok() && v.effective_from_ms >= period->start_ms &&
                  v.effective_from_ms < period->end_ms;
    why = "effectiveFrom " + written + (inside ? " falls in" : " makes it price") +
          " closed month " + month;
  }
  return "PriceList \"" + v.name + "\": " + why +
         "; a closed month never changes: record a correction with 'xcloudctl bill adjust'";
}

// Items of meter intervals open or overlapping [from, until) that `v` lacks.
Result<std::vector<std::string>> missing_items(Store& store, const PriceVersion& v, int64_t until) {
  auto intervals = store.list_meter_intervals(v.effective_from_ms, until);
  if (!intervals.ok()) return intervals.status();
  std::set<std::string> missing;
  for (const MeterInterval& iv : *intervals)
    if (v.prices.count(priced_item(iv.item)) == 0) missing.insert(iv.item);
  return std::vector<std::string>(missing.begin(), missing.end());
}

}  // namespace

std::optional<std::string> closed_month_priced_by(const std::vector<PriceVersion>& history,
                                                  const std::string& name,
                                                  const std::vector<ClosedMonthRecord>& closed) {
  auto span = in_effect(history, name);
  if (!span) return std::nullopt;
  for (const ClosedMonthRecord& c : closed) {
    auto month = parse_bill_period(c.month);
    if (!month.ok()) continue;
    if (span->first < month->end_ms && span->second > month->start_ms) return c.month;
  }
  return std::nullopt;
}

Result<std::vector<Diagnostic>> check_price_lists(Store& store, const ManifestSet& set) {
  auto stored = stored_price_lists(store);
  if (!stored.ok()) return stored.status();
  auto closed = store.list_closed_months();
  if (!closed.ok()) return closed.status();
  std::map<std::string, PriceListInput> before, after;
  for (const PriceListInput& l : *stored) before[l.name] = after[l.name] = l;
  std::vector<size_t> changed;  // indexes into set.objects
  for (size_t i = 0; i < set.objects.size(); ++i) {
    const Object& o = set.objects[i];
    if (o.kind != Kind::kPriceList) continue;
    const PriceListSpec& spec = o.as<PriceListSpec>();
    auto b = before.find(o.meta.name);
    if (b != before.end() && same_list(b->second.spec, spec)) continue;
    after[o.meta.name] = PriceListInput{o.meta.name, spec};
    changed.push_back(i);
  }
  std::vector<Diagnostic> out;
  if (changed.empty()) return out;
  auto list_of = [](const std::map<std::string, PriceListInput>& m) {
    std::vector<PriceListInput> v;
    for (const auto& [name, l] : m) v.push_back(l);
    return v;
  };
  auto old_history = price_history(list_of(before));
  auto new_history = price_history(list_of(after));
  for (size_t i : changed) {
    const Object& o = set.objects[i];
    const YamlDocument& doc = set.documents[i];
    if (!new_history.ok()) {
      out.push_back(doc.error_at("/spec/effectiveFrom", new_history.status().message()));
      break;
    }
    auto span = in_effect(*new_history, o.meta.name);
    const PriceVersion* v = price_at(*new_history, span->first);
    std::optional<std::string> month;
    bool was = false;
    if (old_history.ok() && before.count(o.meta.name) != 0) {
      month = closed_month_priced_by(*old_history, o.meta.name, *closed);
      was = month.has_value();
    }
    if (!month) month = closed_month_priced_by(*new_history, o.meta.name, *closed);
    const std::string& written = o.as<PriceListSpec>().effective_from;
    if (month) {
      out.push_back(
          doc.error_at("/spec/effectiveFrom", closed_month_message(*v, written, *month, was)));
    }
    auto missing = missing_items(store, *v, span->second);
    if (!missing.ok()) return missing.status();
    if (missing->empty()) continue;
    std::string names;
    for (const std::string& item : *missing) names += (names.empty() ? "" : ", ") + item;
    out.push_back(doc.error_at_key("/spec/prices", "PriceList \"" + o.meta.name +
                                                       "\" has no price for items in use from " +
                                                       written + ": " + names));
  }
  return out;
}

Result<std::string> price_list_delete_blocker(Store& store, const std::string& name) {
  auto history = stored_price_history(store);
  if (!history.ok()) return history.status();
  auto closed = store.list_closed_months();
  if (!closed.ok()) return closed.status();
  auto month = closed_month_priced_by(*history, name, *closed);
  if (!month) return std::string();
  return "price list " + name + " priced closed month " + *month +
         "; a closed month never changes, so its price lists stay";
}

}  // namespace xc
