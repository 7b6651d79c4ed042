#include "ctl/images/image_supply.h"

#include <filesystem>

#include "ctl/images/image_push.h"

namespace xc {

std::string store_image_digest(const std::string& image_path) {
  std::string name = std::filesystem::path(image_path).filename().string();
  const std::string suffix = ".qcow2";
  if (name.size() != 64 + suffix.size() || name.substr(64) != suffix) return "";
  std::string sha = name.substr(0, 64);
  if (sha.find_first_not_of("0123456789abcdef") != std::string::npos) return "";
  return sha;
}

Status ImageSupplier::supply(const std::string& host, const nlohmann::json& spec) {
  if (!spec.is_object() || !spec.contains("disks") || !spec["disks"].is_array()) return {};
  for (const auto& disk : spec["disks"]) {
    if (!disk.is_object()) continue;
    std::string sha = disk.value("image_sha256", std::string());
    if (sha.empty() || store_image_digest(disk.value("image", std::string())) != sha) continue;
    const std::string path = store_dir_ + "/" + sha + ".qcow2";
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) continue;  // not an image of this store
    std::mutex* image_lock;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto& slot = image_locks_[sha];
      if (!slot) slot = std::make_unique<std::mutex>();
      image_lock = slot.get();
    }
    std::lock_guard<std::mutex> one_push(*image_lock);  // a second VM waits, then finds it there
    auto pushed = push_image(clients_, host, path, sha);
    if (!pushed.ok())
      return error(pushed.status().code() == Code::kUnavailable ? Code::kUnavailable
                                                                : Code::kFailedPrecondition,
                   "image " + sha + " to " + host + ": " + pushed.status().message());
    if (pushed->sent) {
      std::lock_guard<std::mutex> lock(mutex_);
      sent_.push_back({host, sha, pushed->bytes});
    }
  }
  return {};
}

std::vector<SuppliedImage> ImageSupplier::sent() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sent_;
}

}  // namespace xc
