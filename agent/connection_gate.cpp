#include "agent/connection_gate.h"

namespace xc {

ConnectionGate::Decision ConnectionGate::on_accept(Id id, const std::string& address) {
  Decision decision;
  PerAddress& per = addresses_[address];
  if (per.established >= limits_.connections_per_address ||
      established_total_ >= limits_.connections) {
    if (per.handshakes.empty() && per.established == 0) addresses_.erase(address);
    return decision;
  }
  if (per.handshakes.size() >= limits_.handshakes_per_address) {
    decision.evict = *per.handshakes.begin();
  } else if (handshakes_.size() >= limits_.handshakes) {
    decision.evict = *handshakes_.begin();
  }
  if (decision.evict) forget(*decision.evict);
  decision.admit = true;
  entries_[id] = Entry{address, false};
  addresses_[address].handshakes.insert(id);
  handshakes_.insert(id);
  return decision;
}

void ConnectionGate::on_established(Id id) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.established) return;
  it->second.established = true;
  PerAddress& per = addresses_[it->second.address];
  per.handshakes.erase(id);
  handshakes_.erase(id);
  ++per.established;
  ++established_total_;
}

void ConnectionGate::on_closed(Id id) {
  forget(id);
}

void ConnectionGate::forget(Id id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  auto per = addresses_.find(it->second.address);
  if (it->second.established) {
    --per->second.established;
    --established_total_;
  } else {
    per->second.handshakes.erase(id);
    handshakes_.erase(id);
  }
  if (per->second.handshakes.empty() && per->second.established == 0) addresses_.erase(per);
  entries_.erase(it);
}

}  // namespace xc
