// Admission of TCP connections to the agent's TLS port, counted per client
// address and in total, so that no client (authenticated or not) can use up
// the agent's sockets or keep others from their handshake. A connection is
// first a handshake, then established until closed. Not thread safe: the
// acceptor's thread owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace xc {

struct ConnectionLimits {
  // Handshakes in progress. Over the limit the oldest handshake (of that
  // address, else of all) is closed: a real client's handshake takes
  // milliseconds, so it finishes long before it becomes the oldest.
  size_t handshakes_per_address = 64;
  size_t handshakes = 256;
  // Established connections (serving or idle between requests). Over the
  // limit a new connection is refused at once.
  size_t connections_per_address = 128;
  size_t connections = 512;
};

class ConnectionGate {
 public:
  using Id = uint64_t;  // increasing with the time of accept

  explicit ConnectionGate(ConnectionLimits limits) : limits_(limits) {}

  struct Decision {
    bool admit = false;
    std::optional<Id> evict;  // a handshake to close to make room
  };
  // A new connection `id` from `address`, to be followed by on_established()
  // or on_closed() once admitted.
  Decision on_accept(Id id, const std::string& address);
  void on_established(Id id);
  void on_closed(Id id);

  size_t handshakes() const { return handshakes_.size(); }
  size_t established() const { return established_total_; }

 private:
  struct Entry {
    std::string address;
    bool established = false;
  };
  struct PerAddress {
    std::set<Id> handshakes;  // oldest first
    size_t established = 0;
  };
  void forget(Id id);

  ConnectionLimits limits_;
  std::map<Id, Entry> entries_;
  std::map<std::string, PerAddress> addresses_;
  std::set<Id> handshakes_;  // oldest first
  size_t established_total_ = 0;
};

}  // namespace xc
