// Exact money: an integer count of micro-yuan (1e-6 CNY). Prices, intervals
// and bills never pass through binary floating point. Value type.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xc {

class Money {
 public:
  static constexpr int64_t kMicrosPerYuan = 1'000'000;
  static constexpr int64_t kMicrosPerFen = 10'000;

  constexpr Money() = default;
  static constexpr Money from_micros(int64_t micros) { return Money(micros); }
  // Parses "12", "0.3", "-1.25", "1e2" is refused: at most 6 decimals, no exponent.
  static std::optional<Money> parse(std::string_view text);

  constexpr int64_t micros() const { return micros_; }
  // Rounded to the fen, half away from zero (the rule bills use once per line).
  int64_t round_to_fen() const;
  // "12.00" style, rounded to the fen.
  std::string to_yuan_string() const;
  // Shortest exact decimal, e.g. "0.3", "12".
  std::string to_exact_string() const;

  constexpr auto operator<=>(const Money&) const = default;
  constexpr Money operator+(Money o) const { return Money(micros_ + o.micros_); }
  constexpr Money operator-(Money o) const { return Money(micros_ - o.micros_); }

 private:
  constexpr explicit Money(int64_t micros) : micros_(micros) {}
  int64_t micros_ = 0;
};

}  // namespace xc
