#include "agent/image_file.h"

#include <filesystem>

#include "common/image_source.h"

namespace xc {

Status check_image_file(const std::string& path, const std::string& image_dir) {
  if (std::string problem = image_source_problem(path, image_dir); !problem.empty())
    return error(Code::kInvalidArgument, "backing file " + path + ": " + problem);
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path real = fs::weakly_canonical(path, ec);
  if (ec) return error(Code::kInvalidArgument, "backing file " + path + ": " + ec.message());
  fs::path real_dir = fs::weakly_canonical(image_dir, ec);
  if (ec)
    return error(Code::kInvalidArgument, "image directory " + image_dir + ": " + ec.message());
  if (std::string problem = image_source_problem(real.string(), real_dir.string());
      !problem.empty())
    return error(Code::kPermissionDenied,
                 "backing file " + path + " resolves to " + real.string() + ", which " + problem);
  return {};
}

}  // namespace xc
