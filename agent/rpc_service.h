// Dispatches agent JSON requests to methods. Each method file registers its
// methods in a MethodTable. handle() is safe to call from many threads: the
// libvirt connection is thread-safe and changes to one object are serialized.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/agent_config.h"
#include "agent/console_target.h"
#include "agent/event_ring.h"
#include "agent/image_digest.h"
#include "agent/libvirt_handle.h"
#include "agent/rpc_handler.h"
#include "agent/volume_offers.h"
#include "agent/volume_pull.h"
#include "common/status.h"

namespace xc {

struct AgentContext {
  virConnectPtr conn = nullptr;
  AgentConfig config;
  bool test_driver = false;  // libvirt's test:/// driver (simulated host)

  // Serializes changes to one named object (domain, volume, network).
  std::unique_lock<std::mutex> lock_object(const std::string& name);

  // Facts that do not change while the agent runs, read once: the host's
  // arch and libvirt's capabilities XML.
  struct HostBasics {
    std::string arch;
    std::string capabilities;
  };
  const HostBasics& basics();
  bool storage_pool_ready = false;  // guarded by the pool's object lock
  ImageDigestCache image_digests;   // base images verified against their Image's sha256
  EventRing events;                 // lifecycle events (agent/lifecycle_events.h)
  std::string boot_id;              // names this agent process; events.wait's sequence space
  // Set by `serve` before it serves: rereads the agent's certificate files and
  // serves new connections with them, returning the certificate's serial.
  // Empty in rpc mode (SSH), which has no certificate.
  std::function<Result<std::string>()> reload_identity;
  VolumeOffers offers;  // files this host offered to another's agent (volume.offer)
  VolumePulls pulls;    // last: its threads end before the rest goes

 private:
  std::mutex locks_mutex_;
  std::map<std::string, std::mutex> locks_;
  std::once_flag basics_once_;
  HostBasics basics_;
};

using Method = std::function<Result<nlohmann::json>(AgentContext&, const nlohmann::json& params)>;
using MethodTable = std::map<std::string, Method>;
// A method that writes its result as JSON text itself, for replies too large
// to build as a JSON tree first (domains.list on a host of 1,000 domains).
// Such a method is in both tables: MethodTable has its parsed form.
using TextMethod = std::function<Result<std::string>(AgentContext&, const nlohmann::json& params)>;
using TextMethodTable = std::map<std::string, TextMethod>;
// A method that moves bulk bytes (a disk chunk, an image piece): `input` is
// what it is given raw, ByteReply::data what it gives back. Registered with
// add_byte_method, it is served raw over TLS (POST /v1/bytes) and as a JSON
// method whose bytes travel base64 in "data" (SSH, tests).
using ByteMethod = std::function<Result<ByteReply>(AgentContext&, const nlohmann::json& params,
                                                   const std::string& input)>;
using ByteMethodTable = std::map<std::string, ByteMethod>;
void add_byte_method(MethodTable& table, ByteMethodTable* bytes, const std::string& name,
                     ByteMethod method);

void add_host_methods(MethodTable& table);
void add_domain_methods(MethodTable& table, TextMethodTable* text = nullptr);
void add_domain_ensure(MethodTable& table);
// domain.inspect and domain.adopt (agent/domain_adopt.cpp).
void add_domain_adopt(MethodTable& table);
void add_domain_power(MethodTable& table);
void add_volume_methods(MethodTable& table);
void add_network_methods(MethodTable& table);
// domain.migrate_prepare/migrate/job/export/import.
void add_migrate_methods(MethodTable& table);
// volume.read/write/commit (through the controller), volume.offer/pull/pull_status
// (host to host): a cold move's disk copy (agent/transfer_methods.cpp).
void add_transfer_methods(MethodTable& table, ByteMethodTable* bytes = nullptr);
// events.wait (long-poll for lifecycle events) and host.heartbeat.
void add_event_methods(MethodTable& table);
// host.install_identity: a renewed certificate and key (agent/identity_methods.cpp).
void add_identity_methods(MethodTable& table);
// snapshot.create|list|revert|delete (agent/snapshot_methods.cpp).
void add_snapshot_methods(MethodTable& table);
// backup.begin|read|end (agent/backup_methods.cpp).
void add_backup_methods(MethodTable& table, ByteMethodTable* bytes = nullptr);
// image.stat|write|commit (agent/image_methods.cpp).
void add_image_methods(MethodTable& table, ByteMethodTable* bytes = nullptr);
// Every method above: what the agent serves, and what its schemas must cover.
void add_all_methods(MethodTable& table, TextMethodTable* text = nullptr,
                     ByteMethodTable* bytes = nullptr);

class LifecycleSubscription;

class RpcService {
 public:
  // Subscribes to the connection's lifecycle events; a connection that
  // cannot deliver them leaves the ring empty (events_error() says why).
  RpcService(Connection conn, AgentConfig config);
  ~RpcService();
  // Why lifecycle events are not collected, or "".
  const std::string& events_error() const { return events_error_; }
  // See AgentContext::reload_identity; call before serving.
  void set_identity_reloader(std::function<Result<std::string>()> reload) {
    ctx_.reload_identity = std::move(reload);
  }
  // Wakes requests waiting for events so the agent can stop.
  void stop_events() { ctx_.events.close(); }

  nlohmann::json handle(const nlohmann::json& request);
  // As handle(), but text methods answer with their own serialization.
  RpcReply reply(const nlohmann::json& request);
  RpcHandler handler() {
    return [this](const nlohmann::json& r) { return reply(r); };
  }
  // A bulk-bytes method with its bytes raw (POST /v1/bytes).
  Result<ByteReply> call_bytes(const std::string& method, const nlohmann::json& params,
                               const std::string& input);
  // Every domain's counters in Prometheus' text format (GET /metrics).
  Result<std::string> prometheus_metrics();
  // The file offered under `ticket`, for POST /v1/volume-stream.
  Result<OfferedFile> open_volume_stream(const std::string& ticket) {
    return ctx_.offers.take(ticket);
  }
  // A guest console for the tunnel (agent/console_target.h).
  Result<std::unique_ptr<ConsoleTarget>> open_console(const nlohmann::json& params) {
    return open_console_target(ctx_, params);
  }

 private:
  Connection conn_;
  AgentContext ctx_;
  std::unique_ptr<LifecycleSubscription> lifecycle_;
  std::string events_error_;
  MethodTable methods_;
  TextMethodTable text_methods_;
  ByteMethodTable byte_methods_;
};

// {"id":..,"error":{"code":"not_found","message":..}}
nlohmann::json error_response(const nlohmann::json& id, const Status& status);

// Reads a required field of `params` with a message naming it.
Result<std::string> param_string(const nlohmann::json& params, const char* key);

}  // namespace xc
