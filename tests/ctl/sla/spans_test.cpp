#include "ctl/sla/spans.h"

#include <doctest/doctest.h>

using namespace xc;

TEST_CASE("spans are merged, intersected and subtracted as half-open intervals") {
  CHECK(normalized({{5, 7}, {1, 3}, {3, 4}, {9, 9}}) == Spans{{1, 4}, {5, 7}});
  CHECK(unite({{1, 3}}, {{2, 6}, {8, 9}}) == Spans{{1, 6}, {8, 9}});
  CHECK(intersect({{1, 5}, {7, 10}}, {{4, 8}}) == Spans{{4, 5}, {7, 8}});
  CHECK(subtract({{1, 10}}, {{2, 3}, {5, 6}, {9, 12}}) == Spans{{1, 2}, {3, 5}, {6, 9}});
  CHECK(subtract({{1, 3}}, {{0, 5}}).empty());
  CHECK(clip({{0, 5}, {8, 20}}, {3, 10}) == Spans{{3, 5}, {8, 10}});
  CHECK(total_ms({{1, 4}, {5, 7}}) == 5);
}
