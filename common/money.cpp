#include "common/money.h"

#include <cstdlib>

namespace xc {

std::optional<Money> Money::parse(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool negative = false;
  size_t i = 0;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    i = 1;
  }
  int64_t whole = 0;
  int64_t frac = 0;
  int digits = 0;
  int frac_digits = 0;
  bool in_frac = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' && !in_frac) {
      in_frac = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    ++digits;
    if (in_frac) {
      if (++frac_digits > 6) return std::nullopt;
      frac = frac * 10 + (c - '0');
    } else {
      if (whole > (INT64_MAX / kMicrosPerYuan) / 10) return std::nullopt;
      whole = whole * 10 + (c - '0');
    }
  }
  if (digits == 0) return std::nullopt;
  for (int k = frac_digits; k < 6; ++k) frac *= 10;
  int64_t micros = whole * kMicrosPerYuan + frac;
  return Money(negative ? -micros : micros);
}

int64_t Money::round_to_fen() const {
  int64_t q = micros_ / kMicrosPerFen;
  int64_t r = micros_ % kMicrosPerFen;
  if (2 * std::llabs(r) >= kMicrosPerFen) q += micros_ < 0 ? -1 : 1;
  return q;
}

std::string Money::to_yuan_string() const {
  int64_t fen = round_to_fen();
  std::string sign = fen < 0 ? "-" : "";
  int64_t a = std::llabs(fen);
  std::string cents = std::to_string(a % 100);
  if (cents.size() < 2) cents = "0" + cents;
  return sign + std::to_string(a / 100) + "." + cents;
}

std::string Money::to_exact_string() const {
  std::string sign = micros_ < 0 ? "-" : "";
  int64_t a = std::llabs(micros_);
  std::string out = sign + std::to_string(a / kMicrosPerYuan);
  int64_t frac = a % kMicrosPerYuan;
  if (frac == 0) return out;
  std::string f = std::to_string(frac);
  f.insert(0, 6 - f.size(), '0');
  while (!f.empty() && f.back() == '0') f.pop_back();
  return out + "." + f;
}

}  // namespace xc
