#include "common/backup_spec.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/json_fields.h"
#include "common/time.h"

namespace xc {

using nlohmann::json;

namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kMinuteMs = 60'000;
const char* const kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int int_or(const json& j, const char* key, int fallback) {
  return j.contains(key) && j[key].is_number_integer() ? j[key].get<int>() : fallback;
}

// "HH:MM" at `pos`, the whole rest of the text.
bool read_clock(const std::string& text, size_t pos, int& hour, int& minute) {
  if (text.size() != pos + 5 || text[pos + 2] != ':') return false;
  size_t p = pos;
  if (!civil::read_digits(text, p, 2, hour)) return false;
  ++p;
  if (!civil::read_digits(text, p, 2, minute)) return false;
  return hour < 24 && minute < 60;
}

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

std::optional<BackupSchedule> parse_backup_schedule(const std::string& text, int64_t offset_ms,
                                                    std::string& why) {
  BackupSchedule s;
  s.offset_ms = offset_ms;
  why = "expected 'hourly at :MM', 'daily at HH:MM' or 'weekly on mon..sun at HH:MM'";
  if (text.size() > 32) return std::nullopt;
  if (text.rfind("hourly at :", 0) == 0) {
    s.every = BackupSchedule::Every::kHour;
    size_t p = 11;
    if (text.size() != 13 || !civil::read_digits(text, p, 2, s.minute) || s.minute >= 60)
      return std::nullopt;
    return s;
  }
  if (text.rfind("daily at ", 0) == 0) {
    s.every = BackupSchedule::Every::kDay;
    if (!read_clock(text, 9, s.hour, s.minute)) return std::nullopt;
    return s;
  }
  if (text.rfind("weekly on ", 0) == 0 && text.size() > 17 && text.compare(13, 4, " at ") == 0) {
    s.every = BackupSchedule::Every::kWeek;
    const std::string day = text.substr(10, 3);
    s.weekday = -1;
    for (int i = 0; i < 7; ++i)
      if (day == kDays[i]) s.weekday = i;
    if (s.weekday < 0 || !read_clock(text, 17, s.hour, s.minute)) return std::nullopt;
    return s;
  }
  return std::nullopt;
}

int64_t BackupSchedule::latest_slot(int64_t now_ms) const {
  const int64_t local = now_ms + offset_ms;
  int64_t slot = 0;
  switch (every) {
    case Every::kHour:
      slot = floor_div(local, kHourMs) * kHourMs + minute * kMinuteMs;
      if (slot > local) slot -= kHourMs;
      break;
    case Every::kDay:
      slot = floor_div(local, civil::kDayMs) * civil::kDayMs + hour * kHourMs + minute * kMinuteMs;
      if (slot > local) slot -= civil::kDayMs;
      break;
    case Every::kWeek: {
      const int64_t day = floor_div(local, civil::kDayMs);
      const int64_t monday = day - ((day % 7 + 7 + 3) % 7);  // 1970-01-01 was a Thursday
      slot = (monday + weekday) * civil::kDayMs + hour * kHourMs + minute * kMinuteMs;
      if (slot > local) slot -= 7 * civil::kDayMs;
      break;
    }
  }
  return slot - offset_ms;
}

std::string BackupSchedule::text() const {
  char buf[40];
  if (every == Every::kHour) std::snprintf(buf, sizeof buf, "hourly at :%02d", minute);
  if (every == Every::kDay) std::snprintf(buf, sizeof buf, "daily at %02d:%02d", hour, minute);
  if (every == Every::kWeek)
    std::snprintf(buf, sizeof buf, "weekly on %s at %02d:%02d", kDays[weekday], hour, minute);
  return buf;
}

BackupTargetSpec backup_target_from_json(const json& s) {
  return {string_field(s, "path"), string_field(s, "pool")};
}

BackupPolicySpec backup_policy_from_json(const json& s) {
  BackupPolicySpec p;
  p.schedule = string_field(s, "schedule");
  p.time_zone = string_field(s, "timeZone", p.time_zone);
  p.target = string_field(s, "target");
  if (s.contains("retention") && s["retention"].is_object()) {
    const json& r = s["retention"];
    p.retention = {int_or(r, "daily", 7), int_or(r, "weekly", 4), int_or(r, "monthly", 12)};
  }
  if (s.contains("vms") && s["vms"].is_array())
    for (const auto& v : s["vms"])
      if (v.is_string()) p.vms.push_back(v);
  p.selector = string_field(s, "selector");
  return p;
}

}  // namespace xc
