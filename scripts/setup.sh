#!/usr/bin/env bash
# Sets up a Debian/Ubuntu machine for Kiln: the system packages it lacks and the npm packages when
# package-lock.json changed. Quick when there is nothing to do; `npm start` and `npm test` run it first.
# Set KILN_SKIP_APT=1 to skip the system packages.
set -euo pipefail
cd "$(dirname "$0")/.."

# --tests: also what only the test suite needs (libkiln's Windows build and its tests under Wine).
for_tests=""; [ "${1:-}" = "--tests" ] && for_tests=1

need_apt=()
command -v tcc >/dev/null || need_apt+=(tcc)
[ -f /usr/include/libtcc.h ] || need_apt+=(libtcc-dev) # kiln-limit compiles tcc builds in its own process (libtcc)
command -v gcc >/dev/null || need_apt+=(gcc)
command -v make >/dev/null || need_apt+=(make)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v xvfb-run >/dev/null || need_apt+=(xvfb)
command -v clangd >/dev/null || need_apt+=(clangd)
[ -f /usr/include/stb/stb_image.h ] || need_apt+=(libstb-dev) # libkiln decodes images with stb_image (header only)
# the native export's game program (native/player): SDL2 for window/input (stb_image_write comes with libstb-dev)
[ -e /usr/include/SDL2/SDL.h ] || need_apt+=(libsdl2-dev)
if [ -n "$for_tests" ]; then
  command -v x86_64-w64-mingw32-gcc >/dev/null || need_apt+=(gcc-mingw-w64-x86-64)
  command -v wine >/dev/null || need_apt+=(wine wine64)
fi
if [ "${#need_apt[@]}" -gt 0 ] && [ -z "${KILN_SKIP_APT:-}" ]; then
  if command -v apt-get >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "kiln setup: installing ${need_apt[*]} (apt-get)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "kiln setup: please install ${need_apt[*]} with your package manager" >&2
  fi
fi

lock=package-lock.json
if [ -f node_modules/.package-lock.json ] && [ ! "$lock" -nt node_modules/.package-lock.json ]; then
  exit 0 # npm packages are up to date
fi

# Electron's binary comes from a host that is not always reachable; without it `npm start` uses the web shell.
if [ -z "${ELECTRON_SKIP_BINARY_DOWNLOAD:-}" ] && ! curl -sfI --max-time 5 https://github.com >/dev/null 2>&1; then
  echo "kiln setup: github.com is unreachable, so Electron's binary cannot download; Kiln will run as the web shell"
  export ELECTRON_SKIP_BINARY_DOWNLOAD=1
fi
echo "kiln setup: installing npm packages (npm ci)"
npm ci --no-audit --no-fund --loglevel=error
