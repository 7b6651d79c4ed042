#include "common/image_source.h"

#include "common/domain_spec.h"

namespace xc {

std::string image_source_problem(std::string_view source, std::string_view image_dir) {
  if (!is_safe_absolute_path(source))
    return "expected an absolute path without control characters or empty, '.' or '..' "
           "components";
  std::string dir(image_dir);
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (source.size() <= dir.size() + 1 || source.compare(0, dir.size(), dir) != 0 ||
      source[dir.size()] != '/')
    return "must be a file in the image directory " + dir + "/";
  return "";
}

}  // namespace xc
