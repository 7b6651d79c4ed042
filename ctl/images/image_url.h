// What `image import` accepts as a URL source and as the digest that must
// come with it: an https:// URL (plain http is refused: the bytes could be
// changed on the way and the digest is the only other check) and a SHA-256
// or SM3 in hex. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace xc {

inline constexpr size_t kMaxImageUrlBytes = 2048;

// True when `source` names a URL (has a "scheme://"), not a file.
bool looks_like_url(std::string_view source);

// Why `url` cannot be downloaded from, or "": https:// only, a host, at most
// 2048 printable ASCII characters without spaces, no user:password@.
std::string https_url_problem(std::string_view url);

// The URL as it is printed, audited and recorded: without its query and
// fragment, which may carry an access token (a presigned mirror URL). A
// file name is returned unchanged.
std::string url_for_record(std::string_view url);

// Why `hex` is not a digest of `algorithm` ("sha256" or "sm3": 64 hex
// digits), or "". Upper case is accepted; compare with lowercase_hex().
std::string digest_problem(std::string_view algorithm, std::string_view hex);
std::string lowercase_hex(std::string_view hex);

}  // namespace xc
