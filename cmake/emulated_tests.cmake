# Included by ctest (TEST_INCLUDE_FILES, see tests/CMakeLists.txt): registers
# the cross-built unit tests of XC_CROSS_BUILD_DIR as "arm64: FOLDER: CASE",
# each run under XC_EMULATOR. The case list comes from the binary itself and
# is kept beside this build's tests until the binary changes, so a ctest run
# pays for the emulated listing once per cross build, not every time.
# Inputs: XC_EMULATOR, XC_CROSS_BUILD_DIR, XC_FOLDERS, XC_PREFIX, XC_LIST_DIR,
# XC_TIMEOUT_SCALE (tests/support/timeout_scale.h).

# A test that fails with MESSAGE: what is missing never passes silently.
function(xc_missing name message)
  add_test("${name}" /bin/sh -c "echo \"$1\" >&2; exit 1" sh "${message}")
endfunction()

if(NOT XC_EMULATOR)
  xc_missing("${XC_PREFIX}qemu-aarch64-static"
    "no qemu-aarch64-static: run scripts/setup (qemu-user-static) and reconfigure")
  return()
endif()

foreach(folder IN LISTS XC_FOLDERS)
  set(binary "${XC_CROSS_BUILD_DIR}/tests/${folder}_tests")
  if(NOT EXISTS "${binary}")
    xc_missing("${XC_PREFIX}${folder}_tests built"
      "${binary} not found: scripts/setup cross-builds it (or configure with -DXCLOUD_ARM64_TESTS=OFF)")
    continue()
  endif()
  set(list_file "${XC_LIST_DIR}/${folder}_tests.cases")
  if(NOT EXISTS "${list_file}" OR "${binary}" IS_NEWER_THAN "${list_file}")
    execute_process(COMMAND "${XC_EMULATOR}" "${binary}" --list-test-cases --no-version
      WORKING_DIRECTORY "${XC_CROSS_BUILD_DIR}" OUTPUT_VARIABLE listing ERROR_VARIABLE listing_err
      RESULT_VARIABLE listed)
    if(NOT listed EQUAL 0)
      file(REMOVE "${list_file}")
      xc_missing("${XC_PREFIX}${folder}_tests listing"
        "${XC_EMULATOR} ${binary} --list-test-cases exited ${listed}: ${listing_err}")
      continue()
    endif()
    file(WRITE "${list_file}" "${listing}")
  endif()
  file(STRINGS "${list_file}" cases)
  foreach(case IN LISTS cases)
    # doctest's banner and rules, not case names.
    if(case MATCHES "^\\[doctest\\]" OR case MATCHES "^=+$" OR case STREQUAL "")
      continue()
    endif()
    # --test-case takes a comma-separated list of wildcards: escape the commas.
    string(REPLACE "," "\\," filter "${case}")
    add_test("${XC_PREFIX}${folder}: ${case}" "${XC_EMULATOR}" "${binary}" "--test-case=${filter}")
    # Emulation is several times slower: tests on real sockets wait longer.
    set_tests_properties("${XC_PREFIX}${folder}: ${case}" PROPERTIES
      WORKING_DIRECTORY "${XC_CROSS_BUILD_DIR}" LABELS arm64
      ENVIRONMENT "XC_TEST_TIMEOUT_SCALE=${XC_TIMEOUT_SCALE}")
  endforeach()
endforeach()
