#include "agent/connection_gate.h"

#include <doctest/doctest.h>

namespace xc {
namespace {

ConnectionLimits small_limits() {
  ConnectionLimits limits;
  limits.handshakes_per_address = 2;
  limits.handshakes = 3;
  limits.connections_per_address = 2;
  limits.connections = 3;
  return limits;
}

TEST_CASE("connection gate: a new handshake past an address's limit closes that address's oldest") {
  ConnectionGate gate(small_limits());
  CHECK(gate.on_accept(1, "10.0.0.1").admit);
  CHECK(gate.on_accept(2, "10.0.0.1").admit);
  auto third = gate.on_accept(3, "10.0.0.1");
  CHECK(third.admit);
  REQUIRE(third.evict);
  CHECK(*third.evict == 1);
  CHECK(gate.handshakes() == 2);
}

TEST_CASE("connection gate: past the total of handshakes the oldest of all is closed") {
  ConnectionGate gate(small_limits());
  gate.on_accept(1, "10.0.0.1");
  gate.on_accept(2, "10.0.0.2");
  gate.on_accept(3, "10.0.0.3");
  auto fourth = gate.on_accept(4, "10.0.0.4");
  CHECK(fourth.admit);
  REQUIRE(fourth.evict);
  CHECK(*fourth.evict == 1);
  gate.on_closed(1);  // the acceptor reports the close; nothing is counted twice
  CHECK(gate.handshakes() == 3);
}

TEST_CASE(
    "connection gate: established connections past a limit refuse new ones until one closes") {
  ConnectionGate gate(small_limits());
  for (ConnectionGate::Id id : {1, 2}) {
    REQUIRE(gate.on_accept(id, "10.0.0.1").admit);
    gate.on_established(id);
  }
  auto refused = gate.on_accept(3, "10.0.0.1");
  CHECK_FALSE(refused.admit);
  CHECK_FALSE(refused.evict);
  CHECK(gate.on_accept(4, "10.0.0.2").admit);  // another address still gets in
  gate.on_established(4);
  CHECK_FALSE(gate.on_accept(5, "10.0.0.3").admit);  // 3 established in all
  gate.on_closed(1);
  CHECK(gate.on_accept(6, "10.0.0.1").admit);
  CHECK(gate.established() == 2);
}

}  // namespace
}  // namespace xc
