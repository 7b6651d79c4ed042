// The check a mutual-TLS server makes of a client's certificate chain during
// the handshake, shared by the agent's server and the controller's API.
#pragma once

#include <string>

struct x509_store_ctx_st;  // OpenSSL's X509_STORE_CTX

namespace xc {

// Verifies the chain in `ctx` (at the time already set on it), then insists
// that the leaf is an end-entity certificate meant for TLS clients. Returns
// "" when it is, else why not (the context's error is set so the handshake
// fails with it).
std::string client_chain_refusal(x509_store_ctx_st* ctx);

}  // namespace xc
