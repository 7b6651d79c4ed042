# Cross-builds for arm64 (Kunpeng 920, Phytium) on an x86_64 Debian host:
# Debian's aarch64-linux-gnu-gcc (crossbuild-essential-arm64) against the
# multiarch :arm64 -dev packages in /usr/lib/aarch64-linux-gnu. Used by
# scripts/setup for build-arm64/; the binaries run here under qemu-aarch64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# pkg-config's .pc files of the :arm64 packages (Debian 12 ships no
# aarch64-linux-gnu-pkg-config wrapper without pkgconf's cross package).
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")

# Test binaries (doctest discovery, ctest) run under user-mode emulation.
find_program(XCLOUD_QEMU_AARCH64 qemu-aarch64-static qemu-aarch64)
if(XCLOUD_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${XCLOUD_QEMU_AARCH64})
endif()
