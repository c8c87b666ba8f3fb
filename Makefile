# ListeningPost: `make run` serves the example channels.yaml; `make test` runs every test.
# Both install what they need first (system packages via apt when missing).

SWIFT ?= swift
CONFIG ?= channels.yaml
# System packages the build and tests need. libcurl's headers are for the IMAP channel,
# libphonenumber's for phone numbers, libstemmer's for themes, PostgreSQL 15's server for the shared-log tests
# (scripts/postgres-fixture.sh runs its own throwaway cluster, never the system one), espeak-ng and sox to
# speak a voicemail for the offline transcriber test.
APT_PACKAGES ?= libcurl4-openssl-dev libphonenumber-dev libstemmer-dev python3-venv dovecot-imapd openssl jq python3-aiosmtpd chromium chromium-driver postgresql-15 espeak-ng sox

.PHONY: deps build run test lint format docs check-docs bench fuzz fuzz-smoke clean

deps:
	@scripts/install-packages.sh $(APT_PACKAGES)

build: deps
	$(SWIFT) build -c release --product listening-post

run: build
	.build/release/listening-post serve --config $(CONFIG)

test: deps lint
	@scripts/setup-interop.sh
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest --skip SharedLogFailoverTests
	@# The failover suite keeps three gateway processes under load for two minutes; run alone,
	@# so the other process tests' timing bounds (shutdown within 10 s, a breach's lateness)
	@# are not measured on cores it holds.
	$(SWIFT) test --skip-build --disable-xctest --filter SharedLogFailoverTests
	@$(MAKE) --no-print-directory check-docs
	scripts/api-contract.sh
	scripts/console-check.sh
	@$(MAKE) --no-print-directory fuzz-smoke

# 150 columns and the rest of .swift-format (Hummingbird's), checked before the build;
# `make format` applies it. Generated files carry `// swift-format-ignore-file`.
SWIFT_SOURCES = Sources Plugins Tests bench Fuzz Package.swift
lint:
	$(SWIFT) format lint --strict --parallel --recursive $(SWIFT_SOURCES)

format:
	$(SWIFT) format format --in-place --parallel --recursive $(SWIFT_SOURCES)

# docs/channels.md and docs/channels.schema.json are generated from the adapters' config
# specs; CI fails if they drift.
docs:
	$(SWIFT) build --product listening-post
	.build/debug/listening-post plugins --markdown > docs/channels.md
	.build/debug/listening-post plugins --json-schema > docs/channels.schema.json

check-docs:
	@.build/debug/listening-post plugins --markdown | diff -u docs/channels.md - \
		|| { echo "docs/channels.md is out of date: run 'make docs'"; exit 1; }
	@.build/debug/listening-post plugins --json-schema | diff -u docs/channels.schema.json - \
		|| { echo "docs/channels.schema.json is out of date: run 'make docs'"; exit 1; }
	@echo "docs/channels.md and docs/channels.schema.json match the adapters' specs"
	@python3 scripts/openapi.py --check
	@python3 scripts/embed-console.py --check
	@scripts/check-unit.sh

bench:
	bench/ingest.sh

# libFuzzer over every parser fed by outside bytes (docs/fuzzing.md): FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

# Every fuzz target for FUZZ_SMOKE_SECONDS (default 10), built in .build so the ordinary
# build's dependencies are reused (about a minute); the last step of `make test`.
fuzz-smoke:
	FUZZ_BUILD_PATH=.build scripts/fuzz.sh $(or $(FUZZ_SMOKE_SECONDS),10)

clean:
	rm -rf .build
