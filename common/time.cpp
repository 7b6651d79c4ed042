#include "common/time.h"

#include <chrono>
#include <cstdio>

namespace xc::civil {
namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kMinuteMs = 60'000;

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// "+HH:MM" or "-HH:MM" at `pos`, the offset east of UTC in ms.
bool read_offset(const std::string& s, size_t& pos, int64_t& offset_ms) {
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return false;
  const bool negative = s[pos] == '-';
  ++pos;
  int hh = 0;
  int mm = 0;
  if (!read_digits(s, pos, 2, hh) || pos >= s.size() || s[pos] != ':') return false;
  ++pos;
  if (!read_digits(s, pos, 2, mm) || hh > 14 || mm > 59) return false;
  offset_ms = (hh * kHourMs + mm * kMinuteMs) * (negative ? -1 : 1);
  return true;
}

std::string two(int64_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d", static_cast<int>(v));
  return buf;
}

}  // namespace

bool read_digits(const std::string& s, size_t& pos, size_t width, int& out) {
  if (pos + width > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < width; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += width;
  return true;
}

bool is_leap_year(int64_t year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int days_in_month(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && is_leap_year(year)) return 29;
  return kDays[month - 1];
}

// Counts in 400-year eras of 146,097 days starting on 0000-03-01, so that the
// leap day falls at the end of each counted year.
int64_t days_from_civil(const Date& date) {
  const int64_t y = date.year - (date.month <= 2 ? 1 : 0);
  const int64_t era = floor_div(y, 400);
  const int64_t year_of_era = y - era * 400;                                 // [0, 399]
  const int64_t shifted_month = (date.month + 9) % 12;                       // March = 0
  const int64_t day_of_year = (153 * shifted_month + 2) / 5 + date.day - 1;  // [0, 365]
  const int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;  // [0, 146096]
  return era * 146097 + day_of_era - 719468;  // 719468: days from 0000-03-01 to 1970-01-01
}

Date civil_from_days(int64_t days) {
  const int64_t z = days + 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t day_of_era = z - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;
  Date out;
  out.day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  out.month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  out.year = year_of_era + era * 400 + (out.month <= 2 ? 1 : 0);
  return out;
}

Result<int64_t> parse_time_zone(const std::string& zone) {
  if (zone == "Asia/Shanghai") return 8 * kHourMs;
  if (zone == "UTC") return int64_t{0};
  size_t pos = 0;
  int64_t offset = 0;
  if (read_offset(zone, pos, offset) && pos == zone.size()) return offset;
  return error(Code::kInvalidArgument,
               "time zone \"" + zone +
                   "\": not supported; use Asia/Shanghai, UTC or a fixed offset such as +08:00");
}

int64_t local_midnight_ms(const Date& date, int64_t offset_ms) {
  return days_from_civil(date) * kDayMs - offset_ms;
}

Date local_date(int64_t instant_ms, int64_t offset_ms) {
  return civil_from_days(floor_div(instant_ms + offset_ms, kDayMs));
}

Result<int64_t> parse_instant(const std::string& text, int64_t offset_ms) {
  auto bad = [&] {
    return error(Code::kInvalidArgument, "\"" + text +
                                             "\": not a date or time; expected YYYY-MM-DD or "
                                             "YYYY-MM-DDTHH:MM[:SS] ending in Z or ±HH:MM");
  };
  size_t pos = 0;
  int year = 0;
  Date date;
  if (!read_digits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-' ||
      !read_digits(text, pos, 2, date.month) || pos >= text.size() || text[pos++] != '-' ||
      !read_digits(text, pos, 2, date.day)) {
    return bad();
  }
  date.year = year;
  if (date.month < 1 || date.month > 12 || date.day < 1 ||
      date.day > days_in_month(date.year, date.month)) {
    return bad();
  }
  if (pos == text.size()) return local_midnight_ms(date, offset_ms);

  int hh = 0;
  int mm = 0;
  int ss = 0;
  if (text[pos++] != 'T' || !read_digits(text, pos, 2, hh) || pos >= text.size() ||
      text[pos++] != ':' || !read_digits(text, pos, 2, mm)) {
    return bad();
  }
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    if (!read_digits(text, pos, 2, ss)) return bad();
  }
  if (hh > 23 || mm > 59 || ss > 59) return bad();
  int64_t zone_offset = 0;
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (!read_offset(text, pos, zone_offset)) {
    return bad();
  }
  if (pos != text.size()) return bad();
  return local_midnight_ms(date, zone_offset) + hh * kHourMs + mm * kMinuteMs + ss * 1000;
}

std::string format_local(int64_t instant_ms, int64_t offset_ms) {
  const int64_t local = instant_ms + offset_ms;
  const int64_t days = floor_div(local, kDayMs);
  const int64_t in_day = local - days * kDayMs;
  const Date d = civil_from_days(days);
  std::string out = std::to_string(d.year) + "-" + two(d.month) + "-" + two(d.day) + "T" +
                    two(in_day / kHourMs) + ":" + two(in_day % kHourMs / kMinuteMs) + ":" +
                    two(in_day % kMinuteMs / 1000);
  if (in_day % 1000 != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(in_day % 1000));
    out += buf;
  }
  const int64_t abs_offset = offset_ms < 0 ? -offset_ms : offset_ms;
  out += offset_ms < 0 ? "-" : "+";
  out += two(abs_offset / kHourMs) + ":" + two(abs_offset % kHourMs / kMinuteMs);
  return out;
}

}  // namespace xc::civil

namespace xc {
namespace {

// The calendar maths is billing's (above); these adapt its types.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  return civil::days_from_civil({y, static_cast<int>(m), static_cast<int>(d)});
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  civil::Date date = civil::civil_from_days(z);
  y = date.year;
  m = static_cast<unsigned>(date.month);
  d = static_cast<unsigned>(date.day);
}

bool expect(const std::string& s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

unsigned days_in_month(int y, int m) {
  return static_cast<unsigned>(civil::days_in_month(y, m));
}

}  // namespace

std::string format_time_ms(int64_t ms) {
  int64_t days = ms >= 0 ? ms / kMsPerDay : -((-ms + kMsPerDay - 1) / kMsPerDay);
  int64_t rest = ms - days * kMsPerDay;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y),
                m, d, static_cast<int>(rest / 3'600'000), static_cast<int>(rest / 60'000 % 60),
                static_cast<int>(rest / 1000 % 60), static_cast<int>(rest % 1000));
  return buf;
}

Result<int64_t> parse_time_ms(const std::string& text) {
  auto bad = [&] {
    return error(Code::kInvalidArgument,
                 "time \"" + text +
                     "\": expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.mmm]][Z|+HH:MM], in UTC "
                     "unless an offset is given");
  };
  size_t pos = 0;
  int y, mo, d, h = 0, mi = 0, sec = 0, milli = 0;
  if (!civil::read_digits(text, pos, 4, y) || !expect(text, pos, '-') ||
      !civil::read_digits(text, pos, 2, mo) || !expect(text, pos, '-') ||
      !civil::read_digits(text, pos, 2, d)) {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, mo)) return bad();
  int64_t offset_min = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return bad();
    ++pos;
    if (!civil::read_digits(text, pos, 2, h) || !expect(text, pos, ':') ||
        !civil::read_digits(text, pos, 2, mi)) {
      return bad();
    }
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!civil::read_digits(text, pos, 2, sec)) return bad();
      if (pos < text.size() && text[pos] == '.') {
        ++pos;
        if (!civil::read_digits(text, pos, 3, milli)) return bad();
      }
    }
    if (h > 23 || mi > 59 || sec > 59) return bad();
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
      ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      int sign = text[pos] == '-' ? -1 : 1;
      ++pos;
      int oh, om;
      if (!civil::read_digits(text, pos, 2, oh) || !expect(text, pos, ':') ||
          !civil::read_digits(text, pos, 2, om) || oh > 23 || om > 59) {
        return bad();
      }
      offset_min = sign * (oh * 60 + om);
    }
  }
  if (pos != text.size()) return bad();
  int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return days * kMsPerDay + ((h * 60 + mi - offset_min) * 60 + sec) * int64_t{1000} + milli;
}

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace xc
