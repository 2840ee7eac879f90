# The Debian packages the project needs to build, test and run: one list, read by
# scripts/install-deps (which installs what is missing) and scripts/sbom (which inventories them).
# Sourced by bash, never run; keep it a plain array so both can read it.
# shellcheck shell=bash disable=SC2034
packages=(
  # toolchain
  g++ cmake make pkg-config git
  # compiler cache (cmake/CompilerCache.cmake)
  ccache
  # libraries (DESIGN.md section 9)
  libboost-dev libssl-dev libpq-dev libcurl4-openssl-dev nlohmann-json3-dev libre2-dev
  libcli11-dev libtomlplusplus-dev libfmt-dev libsimdjson-dev
  # tests, benchmarks and fuzzing (clang's libFuzzer); the openssl tool makes the TLS tests' certificates
  libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev openssl
  # make lint
  clang-tidy-14 cppcheck
  # the embedded and the test PostgreSQL; runuser comes with util-linux
  postgresql util-linux
  # fakes and browser tests
  nodejs npm chromium
  # load generator for the HTTP benchmarks
  wrk
  # make test: promtool checks deploy/prometheus
  prometheus
)
