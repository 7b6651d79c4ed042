#include "ctl/hosts/tls_transport.h"

#include <curl/curl.h>

#include <mutex>

namespace xc {

struct TlsTransport::Curl {
  CURL* handle = nullptr;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  std::string body;  // the response being received
  ~Curl() {
    curl_slist_free_all(headers);
    if (handle != nullptr) curl_easy_cleanup(handle);
  }
};

namespace {

size_t append_body(char* data, size_t size, size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
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
  std::string url = "https://" + address + "/v1/rpc";
  CURL* h = c.handle;
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(h, option, value);
  };
  set(CURLOPT_URL, url.c_str());
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
  set(CURLOPT_WRITEDATA, &c.body);
  if (rc != CURLE_OK) {
    return error(Code::kInternal, "agent " + address + ": " + curl_easy_strerror(rc));
  }
  return transport;
}

Result<nlohmann::json> TlsTransport::call(const nlohmann::json& request) {
  Curl& c = *curl_;
  std::string payload = request.dump();
  curl_easy_setopt(c.handle, CURLOPT_POSTFIELDS, payload.data());
  curl_easy_setopt(c.handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  c.body.clear();
  c.error[0] = '\0';
  CURLcode rc = curl_easy_perform(c.handle);
  long connects = 0;
  if (curl_easy_getinfo(c.handle, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK) {
    connections_opened_ += connects;
  }
  if (rc != CURLE_OK) {
    std::string message = "agent " + address_ + ": " + curl_easy_strerror(rc);
    std::string detail = c.error;
    if (!detail.empty() && detail != curl_easy_strerror(rc)) message += " (" + detail + ")";
    return error(Code::kUnavailable, message);
  }
  long http_status = 0;
  curl_easy_getinfo(c.handle, CURLINFO_RESPONSE_CODE, &http_status);
  nlohmann::json response = nlohmann::json::parse(c.body, nullptr, /*allow_exceptions=*/false);
  bool is_object = response.is_object();
  if (http_status == 200 && is_object) return response;
  // The agent answers protocol errors (e.g. a malformed request) with an error object.
  if (is_object && response.contains("error")) return response;
  if (http_status != 200) {
    return error(Code::kUnavailable,
                 "agent " + address_ + ": HTTP " + std::to_string(http_status) + " from /v1/rpc");
  }
  return error(Code::kInternal, "agent " + address_ + ": response is not a JSON object");
}

}  // namespace xc
