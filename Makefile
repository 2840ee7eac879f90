# The two commands a newcomer needs: `make run` and `make test` (see README.md).
.PHONY: deps deps-run build run demo test test-fast bench bench-e2e bench-http soak fuzz format lint clean

JOBS ?= $(shell nproc)
CONFIG ?= config/dev.toml

# Everything: building, running and testing (make test and the tools around it).
deps:
	@scripts/install-deps

# Only what building and running the service need (make run, make build).
deps-run:
	@scripts/install-deps --run

# The release executable: build/release/teamcity-jira.
build: deps-run
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

# Brings the schema up to date, then serves until Ctrl-C. On an installation with no Jira site
# yet it makes a trial site and prints a token to sign in to the admin pages with.
run: build
	build/release/teamcity-jira migrate --config $(CONFIG)
	build/release/teamcity-jira serve --config $(CONFIG) --trial-site

# `make run` with a fake Jira site and a fake TeamCity full of builds to connect (see README).
demo: deps build
	node scripts/demo.js

# The sanitized debug build and every test (unit, pg, e2e, browser) against a throwaway
# PostgreSQL. Most of the end-to-end tests' time is waiting (retries, backoff, fakes that hang on
# purpose), so they run TEST_JOBS at a time, twice as many as there are cores; the slow ones are
# scheduled first (COST in tests/e2e/CMakeLists.txt).
TEST_JOBS ?= $(shell echo $$(( $(JOBS) * 2 )))
test: deps
	cmake --preset debug >/dev/null
	cmake --build --preset debug -j $(JOBS)
	scripts/with-test-postgres ctest --preset debug -j $(TEST_JOBS)

# The unit tests only (no database, no browser): the quick loop while changing code.
test-fast: deps
	cmake --preset debug >/dev/null
	cmake --build --preset debug -j $(JOBS)
	ctest --preset debug -L unit -j $(JOBS)

# Micro-benchmarks on the release build (not part of make test).
bench: deps
	cmake --preset release -DTCJ_BUILD_BENCHMARKS=ON >/dev/null
	cmake --build build/release -j $(JOBS)
	@for b in build/release/*_benchmark; do echo "== $$b"; scripts/with-test-postgres $$b || exit 1; done

# End-to-end sync runs against the fakes (release build): initial sync of 20 000 builds, then
# 1 000 servers polled every 30 s. Each prints one JSON line of results.
bench-e2e: deps build
	node bench/sync-e2e.js initial --builds 20000
	node bench/sync-e2e.js many --servers 1000 --seconds 120

# The read path with wrk: /healthz, the authenticated API and the issue panel, at 20 000 and
# 200 000 stored builds (each synced through the real sync first).
bench-http: deps build
	node bench/http.js --builds 20000
	node bench/http.js --builds 200000

# The failure budget: SOAK_MINUTES (30) of steady sync and admin API load through the balancer fake
# onto two serve processes and a primary with a synchronous standby, with a fault every few
# minutes (primary lost, serve killed, Jira 429/5xx, TeamCity hanging). Prints one JSON line and
# writes build/soak/report.json; exits 1 when a build never reached Jira.
SOAK_MINUTES ?= 30
soak: deps build
	node bench/soak.js --minutes $(SOAK_MINUTES)

# Every libFuzzer target for FUZZ_SECONDS each (default 60), with a corpus kept under build/fuzz.
# Only the fuzzers and what they link are built (with clang).
FUZZ_SECONDS ?= 60
FUZZERS := $(sort $(basename $(notdir $(wildcard src/*/*_fuzz.cpp))))
fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS) --target $(FUZZERS)
	@for f in build/fuzz/*_fuzz; do \
	  name=$$(basename $$f); mkdir -p build/fuzz/corpus/$$name; \
	  echo "== $$name for $(FUZZ_SECONDS) s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -print_final_stats=1 build/fuzz/corpus/$$name || exit 1; \
	done

format:
	find src tests/support tests/e2e -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

# clang-tidy (.clang-tidy) and cppcheck over the production sources; any finding fails (scripts/lint).
lint: deps
	JOBS=$(JOBS) scripts/lint

clean:
	rm -rf build
