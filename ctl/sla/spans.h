// Half-open time spans [start_ms, end_ms) and the set operations availability
// needs: union, intersection, difference, clipping and total length. Pure;
// thread-safe.
#pragma once

#include <cstdint>
#include <vector>

namespace xc {

struct Span {
  int64_t start_ms = 0;
  int64_t end_ms = 0;  // first instant after the span
  bool operator==(const Span&) const = default;
};

// Sorted, disjoint, non-empty spans; adjacent ones ([a,b) and [b,c)) merged.
using Spans = std::vector<Span>;

Spans normalized(Spans spans);  // any spans -> sorted, disjoint, merged; empty ones dropped
Spans unite(const Spans& a, const Spans& b);
Spans intersect(const Spans& a, const Spans& b);
Spans subtract(const Spans& a, const Spans& b);
Spans clip(const Spans& a, Span to);
int64_t total_ms(const Spans& spans);

}  // namespace xc
