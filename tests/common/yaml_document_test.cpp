#include "common/yaml_document.h"

#include <doctest/doctest.h>

using namespace xc;

TEST_CASE("yaml documents keep the line and column of every key and value") {
  auto parsed = parse_yaml("a: 1\nb:\n  - x: hello\n    y: 'quoted'\n", "f.yaml");
  REQUIRE(parsed.errors.empty());
  REQUIRE(parsed.documents.size() == 1);
  const auto& d = parsed.documents[0];
  CHECK(d.position("/a").line == 1);
  CHECK(d.position("/a").column == 4);
  CHECK(d.key_position("/b/0/y").line == 4);
  CHECK(d.key_position("/b/0/y").column == 5);
  CHECK(d.position("/b/0/y").column == 8);
  // Unknown pointers fall back to the nearest ancestor.
  CHECK(d.position("/b/0/zzz").line == 3);
}

TEST_CASE("plain scalars are typed as YAML 1.2 core, quoted scalars stay strings") {
  auto parsed = parse_yaml(
      "i: 42\nf: 0.5\nb: true\nn: ~\ns: '42'\nt: text\nbig: 99999999999999999999\n", "f.yaml");
  const auto& t = parsed.documents.at(0).tree;
  CHECK(t["i"].is_number_integer());
  CHECK(t["f"].is_number_float());
  CHECK(t["b"].is_boolean());
  CHECK(t["n"].is_null());
  CHECK(t["s"] == "42");
  CHECK(t["t"] == "text");
  CHECK(t["big"].is_string());
  CHECK(parsed.documents[0].scalar_text.at("/f") == "0.5");
}

TEST_CASE("several documents per file, empty ones are skipped but keep their index") {
  auto parsed = parse_yaml("a: 1\n---\n---\nb: 2\n", "multi.yaml");
  REQUIRE(parsed.documents.size() == 2);
  CHECK(parsed.documents[0].index == 0);
  CHECK(parsed.documents[1].index == 2);
  CHECK(parsed.documents[1].position("/b").line == 4);
}

TEST_CASE("a YAML syntax error is reported with its position") {
  auto parsed = parse_yaml("a: 1\nb: [1, 2\n", "bad.yaml");
  REQUIRE(parsed.errors.size() == 1);
  CHECK(parsed.errors[0].file == "bad.yaml");
  CHECK(parsed.errors[0].pos.line == 3);
  CHECK(parsed.errors[0].message.rfind("invalid YAML: ", 0) == 0);
}

TEST_CASE("a duplicate key is an error at the second key") {
  auto parsed = parse_yaml("a: 1\nb: 2\na: 3\n", "dup.yaml");
  REQUIRE(parsed.errors.size() == 1);
  CHECK(format_diagnostic(parsed.errors[0]) == "dup.yaml:3:1: error: duplicate key 'a'");
}

TEST_CASE("keys with '/' and '~' are escaped in pointers") {
  CHECK(pointer_child("/labels", "a/b~c") == "/labels/a~1b~0c");
  auto parsed = parse_yaml("labels:\n  a/b: x\n", "f.yaml");
  CHECK(parsed.documents.at(0).position("/labels/a~1b").line == 2);
}

TEST_CASE("Chinese text survives the round trip") {
  auto parsed = parse_yaml("displayName: 教育局\n", "zh.yaml");
  CHECK(parsed.documents.at(0).tree["displayName"] == "教育局");
}

TEST_CASE("numbers that no int64 or double holds are errors at their position") {
  auto parsed = parse_yaml("a: 1e400\nb: -1e-400\nc: 9223372036854775808\nd: '1e400'\n", "n.yaml");
  REQUIRE(parsed.errors.size() == 3);
  CHECK(format_diagnostic(parsed.errors[0]) ==
        "n.yaml:1:4: error: number 1e400 is out of range; quote it if it is meant as text");
  CHECK(parsed.errors[1].pos.line == 2);
  CHECK(parsed.errors[2].pos.line == 3);
  auto ok = parse_yaml("a: 1.5e3\nb: -.5\nc: 5.\nd: +7\ne: 9223372036854775807\n", "ok.yaml");
  REQUIRE(ok.errors.empty());
  const auto& t = ok.documents.at(0).tree;
  CHECK(t["a"] == 1500.0);
  CHECK(t["b"] == -0.5);
  CHECK(t["c"] == 5.0);
  CHECK(t["d"] == 7);
  CHECK(t["e"] == INT64_MAX);
}

TEST_CASE("a long plain scalar of digits is read without recursion") {
  auto parsed = parse_yaml("a: " + std::string(1'000'000, '7') + "\n", "long.yaml");
  REQUIRE(parsed.errors.size() == 1);
  CHECK(parsed.errors[0].message.find("...(999920 more bytes) is out of range") !=
        std::string::npos);
}

TEST_CASE("nesting stops at the depth limit with the position where it was crossed") {
  const int limit = YamlLimits::kMaxDepth;
  auto at_limit = parse_yaml(std::string(limit, '[') + std::string(limit, ']'), "ok.yaml");
  CHECK(at_limit.errors.empty());
  auto deep = parse_yaml(std::string(16000, '[') + std::string(16000, ']'), "deep.yaml");
  REQUIRE(deep.errors.size() == 1);
  CHECK(format_diagnostic(deep.errors[0]) ==
        "deep.yaml:1:65: error: nesting deeper than 64 levels; a manifest never needs that many");
  CHECK(deep.documents.empty());
}

TEST_CASE("aliases count at the size of what they name") {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string prev = "a";
  for (char name : std::string("bcdefghi")) {
    bomb += std::string(1, name) + ": &" + name + " [";
    for (int i = 0; i < 10; ++i) bomb += (i ? ", *" : "*") + prev;
    bomb += "]\n";
    prev = std::string(1, name);
  }
  auto parsed = parse_yaml(bomb, "laughs.yaml");
  REQUIRE(parsed.errors.size() == 1);
  CHECK(parsed.errors[0].message.rfind("the document has more than 100000 values", 0) == 0);
  CHECK(parsed.errors[0].pos.line == 5);  // e, on line 5, would make 111,111 values
  // A few aliases of a small anchor are fine.
  auto fine = parse_yaml("base: &b {cpus: 2}\nx: *b\ny: *b\n", "fine.yaml");
  CHECK(fine.errors.empty());
  CHECK(fine.documents.at(0).tree["y"]["cpus"] == 2);
}
