#include "ctl/metrics/packed_values.h"

namespace xc {
namespace {

constexpr uint64_t kFormat = 1;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

// False at the end of the bytes or on a varint longer than 64 bits.
bool get_varint(std::string_view bytes, size_t& pos, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && pos < bytes.size(); shift += 7) {
    auto b = static_cast<uint8_t>(bytes[pos++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

Status corrupt() {
  return error(Code::kInternal, "metric values: not a packed table (damaged row?)");
}

}  // namespace

std::string pack_table(const PackedTable& table) {
  std::vector<std::string> sections(table.columns.size() + 1);
  int64_t previous = 0;
  for (int64_t id : table.ids) {
    put_varint(sections[0], static_cast<uint64_t>(id - previous));
    previous = id;
  }
  for (size_t c = 0; c < table.columns.size(); ++c)
    for (uint64_t v : table.columns[c]) put_varint(sections[c + 1], v);
  std::string out;
  put_varint(out, kFormat);
  put_varint(out, table.ids.size());
  put_varint(out, table.columns.size());
  for (const auto& s : sections) put_varint(out, s.size());
  for (const auto& s : sections) out += s;
  return out;
}

Status unpack_table(std::string_view bytes, const std::vector<bool>& wanted, PackedTable& out) {
  size_t pos = 0;
  uint64_t format = 0, rows = 0, columns = 0;
  if (!get_varint(bytes, pos, format) || format != kFormat || !get_varint(bytes, pos, rows) ||
      !get_varint(bytes, pos, columns) || rows > bytes.size() || columns > 256)
    return corrupt();
  std::vector<uint64_t> lengths(columns + 1);
  for (auto& l : lengths)
    if (!get_varint(bytes, pos, l) || l > bytes.size()) return corrupt();
  out.clear(columns);
  out.ids.resize(rows);
  for (size_t section = 0; section <= columns; ++section) {
    size_t end = pos + lengths[section];
    if (end > bytes.size()) return corrupt();
    bool take =
        section == 0 || wanted.empty() || (section - 1 < wanted.size() && wanted[section - 1]);
    if (take) {
      std::string_view part = bytes.substr(0, end);
      size_t p = pos;
      uint64_t v = 0;
      if (section == 0) {
        int64_t id = 0;
        for (auto& slot : out.ids) {
          if (!get_varint(part, p, v)) return corrupt();
          id += static_cast<int64_t>(v);
          slot = id;
        }
      } else {
        auto& column = out.columns[section - 1];
        column.resize(rows);
        for (auto& slot : column)
          if (!get_varint(part, p, slot)) return corrupt();
      }
      if (p != end) return corrupt();
    }
    pos = end;
  }
  return pos == bytes.size() ? Status{} : corrupt();
}

}  // namespace xc
