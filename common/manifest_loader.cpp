#include "common/manifest_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace xc {
namespace {

namespace fs = std::filesystem;

bool is_manifest(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

void read_one(const std::string& file, std::istream& in, ManifestFiles& out) {
  std::stringstream buffer;
  buffer << in.rdbuf();
  YamlParse parsed = parse_yaml(buffer.str(), file);
  for (auto& d : parsed.documents) out.documents.push_back(std::move(d));
  for (auto& e : parsed.errors) out.errors.push_back(std::move(e));
}

}  // namespace

ManifestFiles read_manifests(const std::vector<std::string>& paths) {
  ManifestFiles out;
  for (const auto& path : paths) {
    if (path == "-") {
      read_one("<stdin>", std::cin, out);
      continue;
    }
    std::error_code ec;
    fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      out.errors.push_back({path, {}, "no such file or directory", ""});
      continue;
    }
    std::vector<std::string> files;
    if (fs::is_directory(status)) {
      for (auto it = fs::recursive_directory_iterator(path, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && is_manifest(it->path())) files.push_back(it->path().string());
      }
      if (ec) out.errors.push_back({path, {}, "cannot read directory: " + ec.message(), ""});
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(path);
    }
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        out.errors.push_back({file, {}, "cannot open file", ""});
        continue;
      }
      read_one(file, in, out);
    }
  }
  return out;
}

}  // namespace xc
