// Metric values packed for storage: a small table (object id, then columns of
// unsigned integers) in LEB128 varints, column by column, so one column can
// be read without decoding the others. Ids ascend and are stored as deltas.
// Which columns a table has is metric_columns.h's business. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace xc {

struct PackedTable {
  std::vector<int64_t> ids;                    // ascending, non-negative
  std::vector<std::vector<uint64_t>> columns;  // columns[c][row], each ids.size() long

  // Empties the table, keeping its storage (tables are reused per row read).
  void clear(size_t column_count) {
    ids.clear();
    columns.resize(column_count);
    for (auto& c : columns) c.clear();
  }
};

std::string pack_table(const PackedTable& table);

// Decodes the ids and the columns flagged in `wanted` (all when empty);
// columns not wanted are left empty. Reuses `out`'s storage. kInternal when
// the bytes are not a packed table.
Status unpack_table(std::string_view bytes, const std::vector<bool>& wanted, PackedTable& out);

}  // namespace xc
