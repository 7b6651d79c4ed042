#include "ctl/images/image_download.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "common/digest.h"
#include "common/free_with.h"
#include "common/sm_crypto.h"
#include "ctl/images/image_url.h"

namespace xc {
namespace {

// The digest the operator named, fed as the bytes arrive.
class Digester {
 public:
  explicit Digester(const std::string& algorithm) : sm3_(algorithm == "sm3") {}
  void update(const char* data, size_t n) {
    if (sm3_)
      sm3_hasher_.update(std::string_view(data, n));
    else
      sha_.update(std::string_view(data, n));
  }
  Result<std::string> hex() {
    if (sm3_) {
      auto d = sm3_hasher_.finish();
      if (!d.ok()) return d.status();
      return to_hex(as_bytes(*d));
    }
    return sha_.finish_hex();
  }

 private:
  bool sm3_;
  Sm3Hasher sm3_hasher_;
  Sha256Hasher sha_;
};

struct Transfer {
  const DownloadRequest* request;
  int fd = -1;
  int64_t bytes = 0;
  bool too_big = false;
  int write_errno = 0;
  Digester digest;
  std::chrono::steady_clock::time_point last_progress{};
};

size_t on_data(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->bytes + static_cast<int64_t>(n) > t->request->max_bytes) {
    t->too_big = true;  // a server that sent no (or a false) Content-Length
    return 0;
  }
  for (size_t done = 0; done < n;) {
    ssize_t w = ::write(t->fd, data + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      t->write_errno = errno;
      return 0;
    }
    done += static_cast<size_t>(w);
  }
  t->digest.update(data, n);
  t->bytes += static_cast<int64_t>(n);
  return n;
}

int on_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  auto at = std::chrono::steady_clock::now();
  if (t->request->progress && at - t->last_progress > std::chrono::milliseconds(200)) {
    t->last_progress = at;
    t->request->progress(now, total);
  }
  return 0;
}

std::string mib(int64_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}

// Removes the partial file unless released.
struct PartFile {
  std::string path;
  int fd = -1;
  ScratchHold hold;
  ~PartFile() {
    if (fd >= 0) ::close(fd);
    if (!path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

Result<DownloadedFile> download_image(const DownloadRequest& r) {
  if (std::string p = https_url_problem(r.url); !p.empty()) return error(Code::kInvalidArgument, p);
  PartFile part{r.dir + "/.download-XXXXXX", -1, {}};
  part.fd = mkostemp(part.path.data(), O_CLOEXEC);  // created 0600
  if (part.fd < 0) {
    std::string why = std::strerror(errno);
    part.path.clear();
    return error(Code::kIo, r.dir + ": " + why);
  }
  part.hold = ScratchHold::on_fd(part.fd);
  Transfer t{&r, part.fd, 0, false, 0, Digester(r.algorithm), {}};

  std::unique_ptr<CURL, FreeWith<curl_easy_cleanup>> h(curl_easy_init());
  if (!h) return error(Code::kInternal, "curl_easy_init failed");
  CURL* c = h.get();
  char curl_error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");  // no redirect down to http
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
  if (!r.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, r.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(r.max_bytes));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(r.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);  // a stalled server: under 1 KiB/s ...
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 120L);    // ... for 2 minutes
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "xcloudctl-image-import");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  CURLcode rc = curl_easy_perform(c);
  if (t.too_big || rc == CURLE_FILESIZE_EXCEEDED)
    return error(Code::kInvalidArgument, "the file is larger than the " + mib(r.max_bytes) +
                                             " limit (--max-size-mib); nothing was kept");
  if (t.write_errno != 0) return error(Code::kIo, r.dir + ": " + std::strerror(t.write_errno));
  if (rc != CURLE_OK) {
    std::string why = curl_error[0] ? curl_error : curl_easy_strerror(rc);
    if (rc == CURLE_UNSUPPORTED_PROTOCOL)
      return error(Code::kInvalidArgument, why + " (only https is followed)");
    return error(Code::kUnavailable, why);
  }
  if (r.progress) r.progress(t.bytes, t.bytes);
  if (::fsync(part.fd) != 0) return error(Code::kIo, r.dir + ": " + std::strerror(errno));
  auto got = t.digest.hex();
  if (!got.ok()) return got.status();
  if (*got != r.expected)
    return error(Code::kInvalidArgument, "the downloaded file's " + r.algorithm + " is " + *got +
                                             ", not the " + r.expected + " given; it was deleted");
  DownloadedFile out{part.path, t.bytes, std::move(part.hold)};
  part.path.clear();  // kept: the caller imports and removes it
  return out;
}

}  // namespace xc
