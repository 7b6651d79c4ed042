# yaml-cpp for a cross build of the packages (packaging/debian/rules passes
# -Dyaml-cpp_DIR here when the host architecture differs from the build's).
# Debian 12's libyaml-cpp-dev is not Multi-Arch: same, so its :arm64 would
# replace the native one: the build takes the native package's headers (the
# same on every architecture, found on the cross compiler's /usr/include) and
# the host architecture's library from libyaml-cpp0.7:arm64.
find_library(XC_CROSS_YAML_CPP NAMES libyaml-cpp.so.0.7
  PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE} NO_DEFAULT_PATH REQUIRED)
if(NOT TARGET yaml-cpp)
  add_library(yaml-cpp SHARED IMPORTED)
  set_target_properties(yaml-cpp PROPERTIES IMPORTED_LOCATION ${XC_CROSS_YAML_CPP})
endif()
set(yaml-cpp_FOUND TRUE)
