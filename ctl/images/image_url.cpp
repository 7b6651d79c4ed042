#include "ctl/images/image_url.h"

#include <algorithm>
#include <cctype>
#include <cstddef>

#include "common/printable.h"

namespace xc {

bool looks_like_url(std::string_view source) {
  size_t colon = source.find("://");
  if (colon == std::string_view::npos || colon == 0 || colon > 16) return false;
  return std::all_of(source.begin(), source.begin() + static_cast<std::ptrdiff_t>(colon),
                     [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; });
}

std::string https_url_problem(std::string_view url) {
  if (url.size() > kMaxImageUrlBytes) return "a URL of at most 2048 characters";
  for (char c : url)
    if (c <= ' ' || c > '~') return "a URL has only printable ASCII characters and no spaces";
  std::string lower(url.substr(0, std::min<size_t>(url.size(), 8)));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.rfind("http://", 0) == 0)
    return "plain http is refused: the image could be changed on the way; use https://";
  if (lower.rfind("https://", 0) != 0) return "only https:// URLs are downloaded";
  std::string_view rest = url.substr(8);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty()) return "the URL has no host";
  if (authority.find('@') != std::string_view::npos)
    return "a URL with a user or password is refused (it would be printed and audited)";
  return "";
}

std::string url_for_record(std::string_view url) {
  if (!looks_like_url(url)) return std::string(url);  // a file name may hold '?' or '#'
  return std::string(url.substr(0, url.find_first_of("?#")));
}

std::string digest_problem(std::string_view algorithm, std::string_view hex) {
  if (algorithm != "sha256" && algorithm != "sm3") return "the digest is sha256 or sm3";
  if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0;
      }))
    return "--" + std::string(algorithm) + " '" + excerpt(hex) + "': 64 hex digits";
  return "";
}

std::string lowercase_hex(std::string_view hex) {
  std::string out(hex);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace xc
