#include "ctl/backup/retention.h"

#include <doctest/doctest.h>

using namespace xc;

namespace {

constexpr int64_t kDay = 86'400'000;
// 2026-12-03T02:00Z (a Thursday).
constexpr int64_t kBase = 1796263200000;

}  // namespace

TEST_CASE("daily keeps the newest backup of each of the last N days") {
  // Two backups a day for 10 days, all full.
  std::vector<BackupPoint> points;
  for (int d = 0; d < 10; ++d)
    for (int h = 0; h < 2; ++h)
      points.push_back(
          {"d" + std::to_string(d) + "h" + std::to_string(h), kBase + d * kDay + h * 3600000, ""});
  auto prune = backups_to_prune(points, {3, 0, 0});
  CHECK(prune.size() == 17);
  for (int d = 7; d < 10; ++d) CHECK_FALSE(prune.count("d" + std::to_string(d) + "h1"));
  CHECK(prune.count("d9h0"));
}

TEST_CASE("weekly and monthly keep one per ISO week and per calendar month") {
  std::vector<BackupPoint> points;
  for (int d = 0; d < 70; ++d) points.push_back({"b" + std::to_string(d), kBase + d * kDay, ""});
  auto prune = backups_to_prune(points, {0, 2, 3});
  std::set<std::string> kept;
  for (const auto& p : points)
    if (!prune.count(p.id)) kept.insert(p.id);
  // Newest (b69, 2027-02-10, a Wednesday), the Sunday before it ends the week
  // before (b66, 2027-02-07), and the last day of January and December.
  CHECK(kept == std::set<std::string>{"b69", "b66", "b59", "b28"});
}

TEST_CASE("an incremental that is kept keeps its whole chain") {
  std::vector<BackupPoint> points = {{"full", kBase, ""},
                                     {"inc1", kBase + 10 * kDay, "full"},
                                     {"inc2", kBase + 20 * kDay, "inc1"},
                                     {"full2", kBase + 21 * kDay, ""}};
  auto prune = backups_to_prune(points, {1, 0, 0});
  CHECK(prune == std::set<std::string>{"full", "inc1", "inc2"});
  prune = backups_to_prune(points, {3, 0, 0});
  CHECK(prune.empty());  // inc2 is kept, so inc1 and full are
}

TEST_CASE("the newest backup is kept even by an empty policy") {
  std::vector<BackupPoint> points = {{"a", kBase, ""}, {"b", kBase + kDay, ""}};
  CHECK(backups_to_prune(points, {0, 0, 0}) == std::set<std::string>{"a"});
  CHECK(backups_to_prune({}, {7, 4, 12}).empty());
}
