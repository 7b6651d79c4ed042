#include "ctl/report/http_post.h"

#include <curl/curl.h>

#include <memory>

#include "common/sm_crypto.h"
#include "ctl/report/mail.h"

namespace xc {

namespace {

size_t discard_response(char*, size_t size, size_t n, void*) {
  return size * n;
}

}  // namespace

Status post_json(const std::string& url, const std::string& body,
                 const std::vector<std::string>& headers, long timeout_seconds) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> h(curl_easy_init(), curl_easy_cleanup);
  if (!h) return error(Code::kInternal, "POST " + url + ": curl_easy_init failed");
  curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/json");
  for (const std::string& header : headers) list = curl_slist_append(list, header.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> owned(list, curl_slist_free_all);
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT, timeout_seconds);
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, discard_response);
  CURLcode rc = curl_easy_perform(h.get());
  if (rc != CURLE_OK)
    return error(Code::kUnavailable, "POST " + url + ": " + curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299)
    return error(Code::kUnavailable, "POST " + url + ": HTTP status " + std::to_string(status));
  return {};
}

Result<std::string> signature_header(const std::string& secret_file, std::string_view body) {
  auto key = read_password_file(secret_file);
  if (!key.ok()) return key.status();
  auto mac = hmac_sm3(*key, body);
  if (!mac.ok()) return mac.status();
  return std::string(kSignatureHeader) + ": sm3=" +
         to_hex(std::string_view(reinterpret_cast<const char*>(mac->data()), mac->size()));
}

}  // namespace xc
