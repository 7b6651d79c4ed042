// The shape every agent transport serves: one JSON request in, one JSON
// response out. Requests are {"id":..,"method":"domain.ensure","params":{..}};
// responses {"id":..,"result":..} or {"id":..,"error":{"code":..,"message":..}}.
// A handler must be safe to call from several threads at once.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "common/status.h"

namespace xc {

// A response as a JSON value, or as text already serialized by the method
// (domains.list: a reply of a megabyte is written once, without a JSON tree).
class RpcReply {
 public:
  RpcReply(nlohmann::json value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
  static RpcReply serialized(std::string text) {
    RpcReply reply(nullptr);
    reply.text_ = std::move(text);
    reply.serialized_ = true;
    return reply;
  }

  // The response as one line of JSON text; invalid UTF-8 (say, from a libvirt
  // name) becomes U+FFFD rather than an exception.
  std::string dump() && { return serialized_ ? std::move(text_) : dump_value(); }
  std::string dump() const& { return serialized_ ? text_ : dump_value(); }
  nlohmann::json json() && {
    return serialized_ ? nlohmann::json::parse(text_) : std::move(value_);
  }

 private:
  std::string dump_value() const {
    return value_.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  nlohmann::json value_;
  std::string text_;
  bool serialized_ = false;
};

using RpcHandler = std::function<RpcReply(const nlohmann::json& request)>;

// A bulk-bytes method's answer (volume.read, backup.read: a disk's chunk):
// its JSON result and, for a method that reads, the bytes raw.
struct ByteReply {
  nlohmann::json result;
  std::optional<std::string> data;
};

// Serves a bulk-bytes method with its input bytes raw (POST /v1/bytes):
// a megabyte moves without base64 in a JSON string. An error is the Status.
using ByteHandler = std::function<Result<ByteReply>(
    const std::string& method, const nlohmann::json& params, const std::string& input)>;

}  // namespace xc
