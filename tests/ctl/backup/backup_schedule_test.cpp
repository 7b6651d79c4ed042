#include "ctl/backup/backup_schedule.h"

#include <doctest/doctest.h>

#include "common/time.h"

using namespace xc;

namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kEight = 8 * kHour;  // Asia/Shanghai

int64_t at(const char* text) {
  auto t = parse_time_ms(text);
  REQUIRE(t.ok());
  return *t;
}

BackupSchedule schedule(const std::string& text, int64_t offset = kEight) {
  std::string why;
  auto s = parse_backup_schedule(text, offset, why);
  REQUIRE_MESSAGE(s.has_value(), text);
  return *s;
}

PolicyEntry policy(const std::string& tenant, const std::string& name, std::vector<std::string> vms,
                   const std::string& selector, const std::string& target = "vault") {
  PolicyEntry p;
  p.tenant = tenant;
  p.name = name;
  p.spec.schedule = "daily at 01:00";
  p.spec.target = target;
  p.spec.vms = std::move(vms);
  p.spec.selector = selector;
  p.schedule = schedule(p.spec.schedule);
  auto sel = LabelSelector::parse(selector);
  REQUIRE(sel.ok());
  p.selector = *sel;
  return p;
}

BackupRunRecord run(const PolicyEntry& p, const VmEntry& vm, int64_t attempt, int64_t success) {
  BackupRunRecord r;
  r.policy_tenant = p.tenant;
  r.policy = p.name;
  r.tenant = vm.tenant;
  r.vm = vm.name;
  r.last_attempt_ms = attempt;
  r.last_success_ms = success;
  r.result = attempt == success ? "ok" : "failed";
  return r;
}

}  // namespace

TEST_CASE("schedules parse in their small grammar and nothing else") {
  std::string why;
  for (const char* good : {"hourly at :05", "daily at 01:00", "daily at 23:59",
                           "weekly on sun at 02:30", "weekly on mon at 00:00"})
    CHECK_MESSAGE(parse_backup_schedule(good, 0, why).has_value(), good);
  for (const char* bad :
       {"", "daily", "daily at 24:00", "daily at 1:00", "daily at 01:60", "hourly at :60",
        "hourly at 05", "weekly on sunday at 02:30", "weekly on sun 02:30", "daily at 01:00 ",
        "every 5 minutes", "* * * * *"}) {
    CHECK_MESSAGE(!parse_backup_schedule(bad, 0, why).has_value(), bad);
    CHECK(why.find("daily at HH:MM") != std::string::npos);
  }
  CHECK(schedule("weekly on sun at 02:30").text() == "weekly on sun at 02:30");
  CHECK(schedule("hourly at :05").text() == "hourly at :05");
}

TEST_CASE("the latest slot is the newest scheduled instant at or before now, in the zone") {
  const BackupSchedule daily = schedule("daily at 01:00");  // 01:00+08:00 = 17:00Z the day before
  CHECK(daily.latest_slot(at("2026-12-03T17:00:00Z")) == at("2026-12-03T17:00:00Z"));
  CHECK(daily.latest_slot(at("2026-12-03T16:59:59Z")) == at("2026-12-02T17:00:00Z"));
  CHECK(daily.latest_slot(at("2026-12-04T09:00:00Z")) == at("2026-12-03T17:00:00Z"));
  const BackupSchedule utc = schedule("daily at 01:00", 0);
  CHECK(utc.latest_slot(at("2026-12-04T00:59:00Z")) == at("2026-12-03T01:00:00Z"));
  const BackupSchedule hourly = schedule("hourly at :30", 0);
  CHECK(hourly.latest_slot(at("2026-12-04T10:29:00Z")) == at("2026-12-04T09:30:00Z"));
  CHECK(hourly.latest_slot(at("2026-12-04T10:30:00Z")) == at("2026-12-04T10:30:00Z"));
  // 2026-12-06 is a Sunday; in Shanghai Sunday 02:30 is Saturday 18:30Z.
  const BackupSchedule weekly = schedule("weekly on sun at 02:30");
  CHECK(weekly.latest_slot(at("2026-12-05T18:30:00Z")) == at("2026-12-05T18:30:00Z"));
  CHECK(weekly.latest_slot(at("2026-12-05T18:29:00Z")) == at("2026-11-28T18:30:00Z"));
  CHECK(weekly.latest_slot(at("2026-12-12T18:00:00Z")) == at("2026-12-05T18:30:00Z"));
  const BackupSchedule monday = schedule("weekly on mon at 00:00", 0);
  CHECK(monday.latest_slot(at("2026-12-09T12:00:00Z")) == at("2026-12-07T00:00:00Z"));
}

TEST_CASE("due: the newest slot without a backup, a failure retried only after the retry time") {
  const BackupSchedule daily = schedule("daily at 01:00", 0);
  const int64_t slot = at("2026-12-04T01:00:00Z");
  CHECK(backup_due(daily, std::nullopt, slot - kHour));  // never run: due at once
  BackupRunRecord r;
  r.last_attempt_ms = r.last_success_ms = slot + kMinute;
  CHECK_FALSE(backup_due(daily, r, slot + 2 * kMinute));
  CHECK_FALSE(backup_due(daily, r, slot + 23 * kHour));
  CHECK(backup_due(daily, r, slot + 24 * kHour));  // the next day's slot
  // Failed at the slot: not again in the next minute, again after the retry time.
  r.last_success_ms = slot - 24 * kHour;
  r.last_attempt_ms = slot;
  CHECK_FALSE(backup_due(daily, r, slot + kMinute));
  CHECK_FALSE(backup_due(daily, r, slot + kBackupRetryMs - 1));
  CHECK(backup_due(daily, r, slot + kBackupRetryMs));
  CHECK(backup_due(daily, r, slot + 10 * kMinute, 10 * kMinute));
  CHECK_FALSE(backup_due(daily, r, slot + 9 * kMinute, 10 * kMinute));
  // A failure before the slot does not hold back the slot's own try.
  r.last_attempt_ms = slot - kMinute;
  CHECK(backup_due(daily, r, slot));
}

TEST_CASE("a policy selects VMs by name in its tenant and by selector in its tenant's tree") {
  const VmEntry web{"education", "web-1", {{"tier", "web"}}};
  const VmEntry db{"education", "db-1", {{"tier", "db"}}};
  const VmEntry school{"education/schools", "db-2", {{"tier", "db"}}};
  const VmEntry other{"health", "db-1", {{"tier", "db"}}};
  const PolicyEntry by_name = policy("education", "p1", {"web-1", "db-1"}, "");
  CHECK(policy_selects(by_name, web));
  CHECK(policy_selects(by_name, db));
  CHECK_FALSE(policy_selects(by_name, school));
  CHECK_FALSE(policy_selects(by_name, other));  // same name, other tenant
  const PolicyEntry by_label = policy("education", "p2", {}, "tier=db");
  CHECK_FALSE(policy_selects(by_label, web));
  CHECK(policy_selects(by_label, db));
  CHECK(policy_selects(by_label, school));
  CHECK_FALSE(policy_selects(by_label, other));
  const PolicyEntry both = policy("education", "p3", {"web-1"}, "tier=db");
  CHECK(policy_selects(both, web));
  CHECK(policy_selects(both, school));
}

TEST_CASE("due_backups lists each selected VM whose policy is due, with its target") {
  BackupPlanInputs in;
  in.targets["vault"] = {"/srv/backup", "erlonglu"};
  in.policies.push_back(policy("education", "nightly", {"web-1"}, "tier=db"));
  in.vms = {{"education", "web-1", {{"tier", "web"}}},
            {"education", "web-2", {{"tier", "web"}}},
            {"education", "db-1", {{"tier", "db"}}}};
  const int64_t now = at("2026-12-04T09:00:00Z");
  auto jobs = due_backups(in, now);
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].vm.name == "web-1");
  CHECK(jobs[1].vm.name == "db-1");
  CHECK(jobs[0].target_spec.path == "/srv/backup");
  // web-1 was backed up after the slot: only db-1 is due.
  in.runs.push_back(run(in.policies[0], in.vms[0], now - kHour, now - kHour));
  jobs = due_backups(in, now);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].vm.name == "db-1");
  // db-1 failed a minute ago: nothing is due until the retry time passes.
  in.runs.push_back(run(in.policies[0], in.vms[2], now - kMinute, 0));
  CHECK(due_backups(in, now).empty());
  jobs = due_backups(in, now + kBackupRetryMs);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].last->result == "failed");
}

TEST_CASE("pruning keeps, per period, the most that any policy into the same target keeps") {
  BackupPlanInputs in;
  in.targets["vault"] = {"/srv/backup", "erlonglu"};
  in.targets["other"] = {"/srv/other", "erlonglu"};
  in.policies.push_back(policy("education", "daily", {"web-1"}, ""));
  in.policies[0].spec.retention = {7, 0, 0};
  in.policies.push_back(policy("education", "weekly", {"web-1"}, ""));
  in.policies[1].spec.retention = {1, 8, 2};
  in.policies.push_back(policy("education", "elsewhere", {"web-1"}, "", "other"));
  in.policies[2].spec.retention = {30, 30, 30};
  in.vms = {{"education", "web-1", {}}};
  auto jobs = due_backups(in, at("2026-12-04T09:00:00Z"));
  REQUIRE(jobs.size() == 3);
  for (const BackupJob& j : jobs) {
    if (j.target == "vault") {
      CHECK(j.retention.daily == 7);
      CHECK(j.retention.weekly == 8);
      CHECK(j.retention.monthly == 2);
    } else {
      CHECK(j.retention.daily == 30);
    }
  }
}

TEST_CASE("backup commands without --target use the VM's policy's target") {
  BackupPlanInputs in;
  in.targets["vault"] = {"/srv/backup", "erlonglu"};
  in.targets["vault-2"] = {"/srv/backup2", "erlonglu"};
  in.vms = {{"education", "web-1", {}}, {"education", "db-1", {{"tier", "db"}}}};
  in.policies.push_back(policy("education", "a", {"web-1"}, ""));
  auto dir = policy_target_dir(in, "education", "web-1");
  REQUIRE(dir.ok());
  CHECK(*dir == "/srv/backup");
  auto none = policy_target_dir(in, "education", "db-1");
  CHECK(none.status().code() == Code::kNotFound);
  CHECK(none.status().message().find("give --target") != std::string::npos);
  in.policies.push_back(policy("education", "b", {}, "tier=db", "vault-2"));
  in.policies.push_back(policy("education", "c", {"db-1"}, "", "vault"));
  auto two = policy_target_dir(in, "education", "db-1");
  CHECK(two.status().code() == Code::kInvalidArgument);
  CHECK(two.status().message().find("education/b (target vault-2)") != std::string::npos);
  in.policies.push_back(policy("education", "d", {"web-1"}, "", "gone"));
  in.policies.erase(in.policies.begin());
  auto gone = policy_target_dir(in, "education", "web-1");
  CHECK(gone.status().message().find("backup target gone") != std::string::npos);
}
