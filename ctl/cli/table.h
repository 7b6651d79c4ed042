// Plain-text tables for terminals: columns padded by display width, so
// Chinese names (two columns per character) line up. Not thread-safe.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace xc {

// Terminal columns a UTF-8 string occupies (East Asian wide characters count 2).
size_t display_width(const std::string& text);

// A size in MiB as a table shows it: "4Gi" when whole GiB, else "1536Mi".
std::string mib_text(int64_t mib);

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : rows_{std::move(headers)} {}
  // Cells are shown escaped (printable()): a name cannot break the table.
  void add(std::vector<std::string> row);
  size_t size() const { return rows_.size() - 1; }
  void print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace xc
