# The Debian packages the project needs: one list, read by scripts/install-deps (which installs
# what is missing) and scripts/sbom (which inventories them). Sourced by bash, never run; keep
# them plain arrays so both can read them.
# shellcheck shell=bash disable=SC2034

# Building and running the service (`make run`, `make build`).
run_packages=(
  # toolchain
  g++ cmake make pkg-config git
  # compiler cache (cmake/CompilerCache.cmake) and a faster linker (cmake/Linker.cmake)
  ccache lld
  # libraries (DESIGN.md section 9)
  libboost-dev libssl-dev libpq-dev libcurl4-openssl-dev nlohmann-json3-dev libre2-dev
  libcli11-dev libtomlplusplus-dev libfmt-dev libsimdjson-dev
  # the embedded PostgreSQL; runuser comes with util-linux
  postgresql util-linux
)

# Testing, benchmarking and checking it (`make test`, `make demo`, `make bench`, `make lint`).
test_packages=(
  # tests, benchmarks and fuzzing (clang's libFuzzer); the openssl tool makes the TLS tests' certificates
  libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev openssl
  # make lint
  clang-tidy-14 cppcheck
  # fakes and browser tests
  nodejs npm chromium
  # load generator for the HTTP benchmarks
  wrk
  # promtool checks deploy/prometheus
  prometheus
)

packages=("${run_packages[@]}" "${test_packages[@]}")
