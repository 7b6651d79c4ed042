#include "ctl/audit_time.h"

#include <chrono>
#include <cstdio>

#include "ctl/civil_time.h"

namespace xc {
namespace {

// The calendar maths is billing's (ctl/civil_time.h); these adapt its types.
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
