#include "common/manifest_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/sent_files.h"

namespace xc {
namespace {

namespace fs = std::filesystem;

bool is_manifest(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

std::string megabytes(size_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}

// Reads at most the limit plus one byte, so an endless stream or a huge file
// costs no more memory than the limit.
void read_one(const std::string& file, std::istream& in, size_t& total_bytes, ManifestFiles& out) {
  const size_t room = std::min(YamlLimits::kMaxFileBytes, YamlLimits::kMaxTotalBytes - total_bytes);
  std::string text;
  char chunk[1 << 16];
  while (text.size() <= room && in.read(chunk, sizeof chunk).gcount() > 0)
    text.append(chunk, static_cast<size_t>(in.gcount()));
  if (text.size() > room) {
    std::string what =
        room == YamlLimits::kMaxFileBytes
            ? "the file is larger than " + megabytes(YamlLimits::kMaxFileBytes)
            : "the manifests together are larger than " + megabytes(YamlLimits::kMaxTotalBytes);
    out.errors.push_back({file, {}, what + "; a manifest never needs that much", ""});
    total_bytes = YamlLimits::kMaxTotalBytes;
    return;
  }
  total_bytes += text.size();
  YamlParse parsed = parse_yaml(text, file);
  for (auto& d : parsed.documents) out.documents.push_back(std::move(d));
  for (auto& e : parsed.errors) out.errors.push_back(std::move(e));
}

}  // namespace

ManifestFiles read_manifests(const std::vector<std::string>& paths) {
  ManifestFiles out;
  size_t total_bytes = 0;
  size_t file_count = 0;
  for (const auto& path : paths) {
    if (path == "-") {
      read_one("<stdin>", std::cin, total_bytes, out);
      continue;
    }
    // Read where the controller put a sent file; named as the operator typed it.
    const std::string real = readable_path(path);
    std::error_code ec;
    fs::file_status status = fs::status(real, ec);
    if (ec || !fs::exists(status)) {
      out.errors.push_back({path, {}, "no such file or directory", ""});
      continue;
    }
    std::vector<std::string> files;  // names as typed; real + name.substr(path.size()) is read
    if (fs::is_directory(status)) {
      for (auto it = fs::recursive_directory_iterator(real, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && is_manifest(it->path()))
          files.push_back(path + it->path().string().substr(real.size()));
        if (files.size() > YamlLimits::kMaxFiles) break;
      }
      if (ec) out.errors.push_back({path, {}, "cannot read directory: " + ec.message(), ""});
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(path);
    }
    for (const auto& file : files) {
      if (++file_count > YamlLimits::kMaxFiles) {
        out.errors.push_back({path,
                              {},
                              "more than " + std::to_string(YamlLimits::kMaxFiles) +
                                  " manifest files; a cloud never needs that many",
                              ""});
        return out;
      }
      std::ifstream in(real + file.substr(path.size()), std::ios::binary);
      if (!in) {
        out.errors.push_back({file, {}, "cannot open file", ""});
        continue;
      }
      read_one(file, in, total_bytes, out);
    }
  }
  return out;
}

}  // namespace xc
