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

TEST_CASE("plain scalars are typed as YAML 1.2 core; quoted scalars stay strings") {
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

TEST_CASE("several documents per file; empty ones are skipped but keep their index") {
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
