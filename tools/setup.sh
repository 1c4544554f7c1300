#!/usr/bin/env bash
# Installs the Debian packages wf needs (only when one is missing), then configures and builds.
set -euo pipefail

# The Debian packages the project builds, tests and benchmarks with (SPEC §0). Add new ones here.
PACKAGES=(
  build-essential
  cmake
  ninja-build
  ccache
  pkg-config
  antlr4
  default-jre-headless
  libantlr4-runtime-dev
  libgtest-dev
  libgmock-dev
  libfmt-dev
  nlohmann-json3-dev
  libcli11-dev
  libmsgpack-cxx-dev
  libsodium-dev
  python3
  python3-aiosmtpd
  hyperfine
  lua5.4
  graphviz
  libedit-dev
  tmux
  neovim
  libuv1-dev
  libhttp-parser-dev
  libsqlite3-dev
  libcurl4-openssl-dev
  libhowardhinnant-date-dev  # IANA time zones for cron schedules (date/tz.h, libdate-tz)
  sqlite3
  wrk
  faketime  # the chaos harness's clock step
  libfaketime  # the tests that step the service's wall clock
  valgrind
  prometheus  # promtool, which checks the service's /metrics in the tests
  nodejs  # the web console's browser tests (tests/console) and the editor clients' tests
  npm
  chromium  # headless, driven by puppeteer-core in the web console's browser tests
)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${WF_BUILD_DIR:-$ROOT/build}"

# Packages whose program, found on PATH, stands for them: Node.js from another source (NodeSource's
# `nodejs` bundles npm and conflicts with Debian's `npm` package) serves the tests the same way.
declare -A PROVIDED_BY_COMMAND=([nodejs]=node [npm]=npm)

# Prints the packages of PACKAGES that are not installed, one per line.
missing_packages() {
  local pkg status
  for pkg in "${PACKAGES[@]}"; do
    if [[ -n "${PROVIDED_BY_COMMAND[$pkg]:-}" ]] && command -v "${PROVIDED_BY_COMMAND[$pkg]}" >/dev/null 2>&1; then
      continue
    fi
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    if [[ "$status" != "install ok installed" ]]; then
      echo "$pkg"
    fi
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    return
  fi
  echo "setup: installing ${missing[*]}" >&2
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}

# Configures once; afterwards `cmake --build` re-runs CMake itself when a CMakeLists.txt changes.
# A cache left by an earlier, failed configure keeps its generator, so -G is given only the first time.
configure() {
  if [[ -f "$BUILD_DIR/build.ninja" ]]; then
    return
  fi
  local generator=(-G Ninja)
  if [[ -f "$BUILD_DIR/CMakeCache.txt" ]]; then
    generator=()
  fi
  cmake -S "$ROOT" -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release
}

build() {
  cmake --build "$BUILD_DIR" -j"$(nproc)"
}

# The browser tests' npm packages (tests/console/package-lock.json) into tests/console/node_modules,
# when they are not there yet or the lock file changed since.
install_console_test_packages() {
  local dir="$ROOT/tests/console"
  if [[ -f "$dir/node_modules/.package-lock.json" && "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]]; then
    return
  fi
  (cd "$dir" && npm_config_update_notifier=false npm ci --no-audit --no-fund --loglevel=error)
}

install_packages
install_console_test_packages
configure
build
