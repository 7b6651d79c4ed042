#include "ctl/hosts/tls_transport.h"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <memory>
#include <mutex>

namespace xc {

// Where an answer's body goes while it arrives (append_body).
struct TlsAnswerSink {
  CURL* handle = nullptr;
  std::string* body = nullptr;
};

struct TlsTransport::Curl {
  CURL* handle = nullptr;
  TlsAnswerSink sink;
  curl_slist* headers = nullptr;
  std::string rpc_url;    // https://HOST:PORT/v1/rpc
  std::string bytes_url;  // https://HOST:PORT/v1/bytes
  char error[CURL_ERROR_SIZE] = {};
  std::string body;           // the response being received
  std::string result_header;  // X-Xcloud-Result of a /v1/bytes answer
  ~Curl() {
    curl_slist_free_all(headers);
    if (handle != nullptr) curl_easy_cleanup(handle);
  }
};

namespace {

// Appends to the answer, with room for its declared length taken at its
// first bytes (a bulk-bytes answer is megabytes; growing it 16 KiB at a time
// copied it twice over). Returning short aborts an answer past the limit.
size_t append_body(char* data, size_t size, size_t count, void* target) {
  auto* sink = static_cast<TlsAnswerSink*>(target);
  const size_t n = size * count;
  if (sink->body->size() + n > static_cast<size_t>(kMaxAgentAnswerBytes)) return 0;
  if (sink->body->empty()) {
    curl_off_t declared = -1;
    if (curl_easy_getinfo(sink->handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &declared) ==
            CURLE_OK &&
        declared > 0)
      sink->body->reserve(static_cast<size_t>(std::min<int64_t>(declared, kMaxAgentAnswerBytes)));
  }
  sink->body->append(data, n);
  return n;
}

// The message of an {"error":{"message":..}} answer, or "".
std::string error_message(const nlohmann::json& response) {
  if (!response.is_object()) return {};
  auto e = response.find("error");
  if (e == response.end() || !e->is_object()) return {};
  auto m = e->find("message");
  return m != e->end() && m->is_string() ? m->get<std::string>() : std::string();
}

constexpr char kResultHeader[] = "x-xcloud-result:";

// Keeps the X-Xcloud-Result header of an answer (any case, bounded in size).
size_t keep_result_header(char* data, size_t size, size_t count, void* target) {
  const size_t n = size * count;
  const size_t prefix = sizeof kResultHeader - 1;
  if (n > prefix && n < (64u << 10) && strncasecmp(data, kResultHeader, prefix) == 0) {
    std::string value(data + prefix, n - prefix);
    const auto first = value.find_first_not_of(" \t");
    const auto last = value.find_last_not_of(" \t\r\n");
    *static_cast<std::string*>(target) =
        first == std::string::npos ? std::string() : value.substr(first, last - first + 1);
  }
  return n;
}

}  // namespace

TlsTransport::TlsTransport(std::string address)
    : address_(std::move(address)), curl_(std::make_unique<Curl>()) {}

TlsTransport::~TlsTransport() = default;

Result<std::unique_ptr<TlsTransport>> TlsTransport::create(const TlsTransportConfig& config) {
  bool v6 = config.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + config.host + "]" : config.host;
  std::string address = host + ":" + std::to_string(config.port);
  if (config.host.empty() || config.port <= 0 || config.port > 65535) {
    return error(Code::kInvalidArgument, "agent " + address + ": invalid host or port");
  }
  if (config.cert_path.empty() || config.key_path.empty() || config.ca_path.empty()) {
    return error(Code::kInvalidArgument,
                 "agent " + address + ": client certificate, key and CA paths are required");
  }
  static std::once_flag curl_initialised;
  std::call_once(curl_initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });

  std::unique_ptr<TlsTransport> transport(new TlsTransport(address));
  Curl& c = *transport->curl_;
  c.handle = curl_easy_init();
  if (c.handle == nullptr)
    return error(Code::kInternal, "agent " + address + ": curl_easy_init failed");
  c.headers = curl_slist_append(nullptr, "Content-Type: application/json");
  // No "Expect: 100-continue" before a large body (a volume chunk): the
  // agent reads every body it accepts, and the wait costs a round trip.
  c.headers = curl_slist_append(c.headers, "Expect:");
  c.rpc_url = "https://" + address + "/v1/rpc";
  c.bytes_url = "https://" + address + "/v1/bytes";
  CURL* h = c.handle;
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(h, option, value);
  };
  set(CURLOPT_URL, c.rpc_url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "https");
  set(CURLOPT_PROXY, "");  // never route agent traffic through an environment proxy
  set(CURLOPT_POST, 1L);
  set(CURLOPT_HTTPHEADER, c.headers);
  set(CURLOPT_SSLCERT, config.cert_path.c_str());
  set(CURLOPT_SSLCERTTYPE, "PEM");
  set(CURLOPT_SSLKEY, config.key_path.c_str());
  set(CURLOPT_CAINFO, config.ca_path.c_str());
  set(CURLOPT_CAPATH, static_cast<const char*>(nullptr));  // trust the cloud's CA only
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  set(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  set(CURLOPT_CONNECTTIMEOUT, config.connect_timeout_seconds);
  set(CURLOPT_TIMEOUT, config.timeout_seconds);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_ERRORBUFFER, c.error);
  set(CURLOPT_WRITEFUNCTION, append_body);
  set(CURLOPT_HEADERFUNCTION, keep_result_header);
  set(CURLOPT_HEADERDATA, &c.result_header);
  if (rc != CURLE_OK) {
    return error(Code::kInternal, "agent " + address + ": " + curl_easy_strerror(rc));
  }
  return transport;
}

Result<nlohmann::json> TlsTransport::call(const nlohmann::json& request) {
  Curl& c = *curl_;
  std::string payload = request.dump();
  curl_easy_setopt(c.handle, CURLOPT_URL, c.rpc_url.c_str());
  curl_easy_setopt(c.handle, CURLOPT_HTTPHEADER, c.headers);
  auto http_status = post(payload, c.body);
  if (!http_status.ok()) return http_status.status();
  nlohmann::json response = nlohmann::json::parse(c.body, nullptr, /*allow_exceptions=*/false);
  bool is_object = response.is_object();
  if (*http_status == 200 && is_object) return response;
  // The agent answers protocol errors (e.g. a malformed request) with an error object.
  if (is_object && response.contains("error")) return response;
  if (*http_status != 200) {
    return error(Code::kUnavailable,
                 "agent " + address_ + ": HTTP " + std::to_string(*http_status) + " from /v1/rpc");
  }
  return error(Code::kInternal, "agent " + address_ + ": response is not a JSON object");
}

Result<nlohmann::json> TlsTransport::call_bytes(const std::string& method,
                                                const nlohmann::json& params,
                                                const std::string& input, std::string& output) {
  // An agent from before POST /v1/bytes (during an upgrade) gets base64 JSON.
  if (!bytes_endpoint_) return AgentTransport::call_bytes(method, params, input, output);
  if (method.find_first_of("\r\n") != std::string::npos)
    return error(Code::kInvalidArgument, "method name: contains a line break");
  Curl& c = *curl_;
  // ASCII JSON on one line: it cannot end the header.
  const std::string method_header = "X-Xcloud-Method: " + method;
  const std::string params_header = "X-Xcloud-Params: " + params.dump(-1, ' ', true);
  curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/octet-stream");
  for (const std::string& h : {std::string("Expect:"), method_header, params_header})
    if (list != nullptr) list = curl_slist_append(list, h.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(list, curl_slist_free_all);
  if (!headers) return error(Code::kInternal, "agent " + address_ + ": out of memory");
  curl_easy_setopt(c.handle, CURLOPT_URL, c.bytes_url.c_str());
  curl_easy_setopt(c.handle, CURLOPT_HTTPHEADER, headers.get());
  c.result_header.clear();
  auto http_status = post(input, output);
  // The handle must not keep this call's header list past it.
  curl_easy_setopt(c.handle, CURLOPT_HTTPHEADER, c.headers);
  if (!http_status.ok()) {
    output.clear();
    return http_status.status();
  }
  if (*http_status == 200) {
    auto result = nlohmann::json::parse(c.result_header, nullptr, /*allow_exceptions=*/false);
    if (!result.is_object()) {
      output.clear();
      return error(Code::kInternal,
                   "agent " + address_ + ": /v1/bytes answered without a result header");
    }
    return nlohmann::json{{"id", 1}, {"result", std::move(result)}};
  }
  auto response = nlohmann::json::parse(output, nullptr, /*allow_exceptions=*/false);
  output.clear();
  if (*http_status == 404 &&
      error_message(response).find("no such endpoint") != std::string::npos) {
    bytes_endpoint_ = false;
    return AgentTransport::call_bytes(method, params, input, output);
  }
  if (response.is_object() && response.contains("error")) return response;
  return error(Code::kUnavailable,
               "agent " + address_ + ": HTTP " + std::to_string(*http_status) + " from /v1/bytes");
}

Result<long> TlsTransport::post(const std::string& payload, std::string& body) {
  Curl& c = *curl_;
  curl_easy_setopt(c.handle, CURLOPT_POSTFIELDS, payload.data());
  curl_easy_setopt(c.handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  c.sink = TlsAnswerSink{c.handle, &body};
  curl_easy_setopt(c.handle, CURLOPT_WRITEDATA, &c.sink);
  body.clear();
  c.error[0] = '\0';
  CURLcode rc = curl_easy_perform(c.handle);
  long connects = 0;
  if (curl_easy_getinfo(c.handle, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK) {
    connections_opened_ += connects;
  }
  if (rc == CURLE_WRITE_ERROR)
    return error(Code::kUnavailable, "agent " + address_ + ": answer larger than " +
                                         std::to_string(kMaxAgentAnswerBytes >> 20) + " MiB");
  if (rc != CURLE_OK) {
    std::string message = "agent " + address_ + ": " + curl_easy_strerror(rc);
    std::string detail = c.error;
    if (!detail.empty() && detail != curl_easy_strerror(rc)) message += " (" + detail + ")";
    return error(Code::kUnavailable, message);
  }
  long http_status = 0;
  curl_easy_getinfo(c.handle, CURLINFO_RESPONSE_CODE, &http_status);
  return http_status;
}

}  // namespace xc
