// Span set operations (spans.h).
#include "ctl/sla/spans.h"

#include <algorithm>

namespace xc {

Spans normalized(Spans spans) {
  std::erase_if(spans, [](const Span& s) { return s.end_ms <= s.start_ms; });
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.start_ms < b.start_ms; });
  Spans out;
  for (const Span& s : spans) {
    if (!out.empty() && s.start_ms <= out.back().end_ms)
      out.back().end_ms = std::max(out.back().end_ms, s.end_ms);
    else
      out.push_back(s);
  }
  return out;
}

Spans unite(const Spans& a, const Spans& b) {
  Spans all = a;
  all.insert(all.end(), b.begin(), b.end());
  return normalized(std::move(all));
}

Spans intersect(const Spans& a_in, const Spans& b_in) {
  const Spans a = normalized(a_in), b = normalized(b_in);
  Spans out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    int64_t start = std::max(a[i].start_ms, b[j].start_ms);
    int64_t end = std::min(a[i].end_ms, b[j].end_ms);
    if (start < end) out.push_back({start, end});
    if (a[i].end_ms < b[j].end_ms)
      ++i;
    else
      ++j;
  }
  return normalized(std::move(out));
}

Spans subtract(const Spans& a_in, const Spans& b_in) {
  const Spans a = normalized(a_in), b = normalized(b_in);
  Spans out;
  size_t j = 0;
  for (Span s : a) {
    while (j < b.size() && b[j].end_ms <= s.start_ms) ++j;
    int64_t at = s.start_ms;
    for (size_t k = j; k < b.size() && b[k].start_ms < s.end_ms; ++k) {
      if (b[k].start_ms > at) out.push_back({at, b[k].start_ms});
      at = std::max(at, b[k].end_ms);
    }
    if (at < s.end_ms) out.push_back({at, s.end_ms});
  }
  return normalized(std::move(out));
}

Spans clip(const Spans& a, Span to) {
  return intersect(a, Spans{to});
}

int64_t total_ms(const Spans& spans) {
  int64_t total = 0;
  for (const Span& s : spans) total += s.end_ms - s.start_ms;
  return total;
}

}  // namespace xc
