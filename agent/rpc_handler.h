// The shape every agent transport serves: one JSON request in, one JSON
// response out. Requests are {"id":..,"method":"domain.ensure","params":{..}};
// responses {"id":..,"result":..} or {"id":..,"error":{"code":..,"message":..}}.
// A handler must be safe to call from several threads at once.
#pragma once

#include <functional>

#include <nlohmann/json.hpp>

namespace xc {

using RpcHandler = std::function<nlohmann::json(const nlohmann::json& request)>;

}  // namespace xc
