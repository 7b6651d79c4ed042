#include "ctl/cli/remote_client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <ostream>

#include "common/file_write.h"
#include "common/printable.h"
#include "ctl/access/command_stream.h"
#include "ctl/cli/controller_client.h"

namespace xc {
namespace {

constexpr size_t kMaxJsonAnswer = 1u << 20;

struct Credentials {
  std::string cert, key, ca;
};

Result<Credentials> client_credentials() {
  const char* home = std::getenv("HOME");
  const std::string dir =
      std::string(home != nullptr && *home != '\0' ? home : "/nonexistent") + "/.config/xcloud/";
  auto pick = [&](const char* env, const char* file) {
    const char* v = std::getenv(env);
    return v != nullptr && *v != '\0' ? std::string(v) : dir + file;
  };
  Credentials c{pick("XCLOUD_CERT", "client.crt"), pick("XCLOUD_KEY", "client.key"),
                pick("XCLOUD_CA", "ca.crt")};
  for (const auto* f : {&c.cert, &c.key, &c.ca})
    if (::access(f->c_str(), R_OK) != 0)
      return error(Code::kInvalidArgument,
                   *f + ": cannot read it; a remote controller needs your client certificate "
                        "(xcloudctl user cert NAME): set XCLOUD_CERT, XCLOUD_KEY and XCLOUD_CA, "
                        "or put client.crt, client.key and ca.crt in ~/.config/xcloud/");
  return c;
}

struct Exchange {
  std::string content_type;
  std::string json;  // a JSON answer, bounded
  StreamDecoder decoder;
  bool streamed = false;
  std::string broken;  // why the stream was refused
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  std::string line(data, size * count);
  std::string lower = line;
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower.rfind("content-type:", 0) == 0) {
    x->content_type = lower.substr(13);
    x->content_type.erase(0, x->content_type.find_first_not_of(" \t"));
    x->content_type.erase(x->content_type.find_last_not_of(" \t\r\n;") + 1);
  }
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const size_t n = size * count;
  if (x->content_type.rfind(kCommandStreamType, 0) != 0) {
    if (x->json.size() + n > kMaxJsonAnswer) return 0;
    x->json.append(data, n);
    return n;
  }
  x->streamed = true;
  auto frames = x->decoder.feed(std::string_view(data, n));
  if (!frames.ok()) {
    x->broken = frames.status().message();
    return 0;
  }
  for (const auto& f : *frames)
    if (!write_all(f.kind == StreamKind::kStdout ? STDOUT_FILENO : STDERR_FILENO, f.data) &&
        f.kind == StreamKind::kStdout) {
      x->broken = "stdout closed";  // e.g. `| head`: stop, as a local command would
      return 0;
    }
  return n;
}

}  // namespace

Result<HttpsOutcome> send_over_https(const std::string& url, const OperatorRequest& request) {
  auto creds = client_credentials();
  if (!creds.ok()) return creds.status();
  std::string endpoint = url;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  endpoint += "/v1/command";
  const std::string body = operator_request_json(request);
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return error(Code::kInternal, "libcurl failed to start");
  Exchange x;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, endpoint.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_SSLCERT, creds->cert.c_str());
  curl_easy_setopt(c, CURLOPT_SSLKEY, creds->key.c_str());
  curl_easy_setopt(c, CURLOPT_CAINFO, creds->ca.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (!x.broken.empty() && x.broken != "stdout closed")
    return error(Code::kInvalidArgument, "controller " + printable(url) + ": " + x.broken);
  HttpsOutcome outcome;
  if (x.streamed) {
    outcome.streamed = true;
    if (x.decoder.exit_code()) {
      outcome.exit_code = *x.decoder.exit_code();
      return outcome;
    }
    if (x.broken == "stdout closed") {
      outcome.exit_code = 141;  // as a shell reports SIGPIPE
      return outcome;
    }
    return error(Code::kUnavailable,
                 "controller " + printable(url) +
                     ": the command's stream ended without an exit "
                     "code" +
                     (rc != CURLE_OK ? std::string(": ") + curl_easy_strerror(rc) : ""));
  }
  if (rc != CURLE_OK)
    return error(Code::kUnavailable, "cannot reach the controller at " + printable(url) + ": " +
                                         curl_easy_strerror(rc));
  outcome.answer = std::move(x.json);
  return outcome;
}

int run_through_https(const std::string& url, int argc, char** argv, std::ostream& err) {
  auto request = operator_request_for(url, argc, argv, err);
  if (!request.ok()) {
    err << "xcloudctl: " << printable(request.status().message()) << "\n";
    return 2;
  }
  auto outcome = send_over_https(url, *request);
  if (!outcome.ok()) {
    err << "xcloudctl: " << printable(outcome.status().message()) << "\n";
    return outcome.status().code() == Code::kInvalidArgument ? 2 : 1;
  }
  if (outcome->streamed) return outcome->exit_code;
  return finish_controller_answer(url, command_words(request->argv), outcome->answer, "", err);
}

}  // namespace xc
