#include "ctl/report/csv.h"

#include <doctest/doctest.h>

namespace xc {

TEST_CASE("csv: a cell that a spreadsheet would run as a formula is shown as text") {
  CHECK(csv_field("=HYPERLINK(\"http://evil\",\"x\")") ==
        "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"");
  CHECK(csv_field("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0");
  CHECK(csv_field("-2+3+cmd") == "'-2+3+cmd");
  CHECK(csv_field("@SUM(A1:A2)") == "'@SUM(A1:A2)");
  CHECK(csv_field("\tx") == "'\tx");
  CHECK(csv_field("\rx") == "\"'\rx\"");
}

TEST_CASE("csv: numbers, signed or grouped, stay numbers, plain text is unchanged") {
  CHECK(csv_field("-12.50") == "-12.50");
  CHECK(csv_field("+3") == "+3");
  CHECK(csv_field("-1,234.50") == "\"-1,234.50\"");
  CHECK(csv_field("-2.5%") == "-2.5%");
  CHECK(csv_field("edu-portal") == "edu-portal");
  CHECK(csv_field("教育局") == "教育局");
  CHECK(csv_field("-") == "-");  // "none" in a table, not a formula
}

}  // namespace xc
