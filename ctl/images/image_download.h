// Downloads an image for `image import URL` with libcurl: HTTPS only (also
// after redirects), the server's certificate verified (against --ca or the
// system's CAs), a size limit, a deadline, and the digest the operator gave
// computed while the bytes arrive. The file is kept only when it is whole
// and has that digest; on any failure it is removed. One download per call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "ctl/images/store_scratch.h"

namespace xc {

inline constexpr int64_t kDefaultDownloadMaxBytes = int64_t{64} << 30;  // 64 GiB

struct DownloadRequest {
  std::string url;        // checked with https_url_problem()
  std::string algorithm;  // "sha256" or "sm3"
  std::string expected;   // lowercase hex
  std::string ca_file;    // PEM CA bundle; "" for the system's CAs
  std::string dir;        // where the file is written (an existing directory)
  int64_t max_bytes = kDefaultDownloadMaxBytes;
  std::chrono::seconds timeout{std::chrono::hours(1)};
  // Called now and then with the bytes received and the total (0 if unknown).
  std::function<void(int64_t received, int64_t total)> progress;
};

struct DownloadedFile {
  std::string path;  // dir/.download-XXXXXX, mode 0600; the caller removes it
  int64_t bytes = 0;
  ScratchHold hold;  // keep while the file is used (store_scratch.h)
};

// kInvalidArgument: a URL that is not https, a file over the limit, or bytes
// that do not have the expected digest (both digests named). kUnavailable:
// the server cannot be reached, refuses (HTTP >= 400), its certificate does
// not verify, or the deadline passes. kIo: the local file cannot be written.
Result<DownloadedFile> download_image(const DownloadRequest& request);

}  // namespace xc
