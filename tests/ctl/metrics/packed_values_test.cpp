#include "ctl/metrics/packed_values.h"

#include <doctest/doctest.h>

using namespace xc;

namespace {

PackedTable sample() {
  PackedTable t;
  t.ids = {3, 7, 700000};
  t.columns = {{0, 1, 127}, {128, 16384, UINT64_MAX}, {5, 5, 5}};
  return t;
}

}  // namespace

TEST_CASE("a packed table reads back exactly, ids and every column") {
  std::string bytes = pack_table(sample());
  PackedTable back;
  REQUIRE(unpack_table(bytes, {}, back).ok());
  CHECK(back.ids == sample().ids);
  CHECK(back.columns == sample().columns);
  // Small values take one byte each: 3 header, 4 lengths, ids 1+1+3, columns 3+6+... bytes.
  CHECK(bytes.size() < 40);
}

TEST_CASE("one column can be read without the others") {
  PackedTable back;
  REQUIRE(unpack_table(pack_table(sample()), {false, true}, back).ok());
  CHECK(back.ids == sample().ids);
  CHECK(back.columns[0].empty());
  CHECK(back.columns[1] == std::vector<uint64_t>{128, 16384, UINT64_MAX});
  CHECK(back.columns[2].empty());
}

TEST_CASE("an empty table packs and reads back empty") {
  PackedTable t;
  t.clear(4);
  PackedTable back;
  REQUIRE(unpack_table(pack_table(t), {}, back).ok());
  CHECK(back.ids.empty());
  CHECK(back.columns.size() == 4);
}

TEST_CASE("damaged bytes are refused, never read past their end") {
  std::string bytes = pack_table(sample());
  PackedTable back;
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    Status s = unpack_table(bytes.substr(0, cut), {}, back);
    CHECK_MESSAGE(!s.ok(), "cut at ", cut);
  }
  CHECK(unpack_table(bytes + "x", {}, back).message() ==
        "metric values: not a packed table (damaged row?)");
  CHECK(!unpack_table(std::string(12, '\xff'), {}, back).ok());
  CHECK(!unpack_table("", {}, back).ok());
}
