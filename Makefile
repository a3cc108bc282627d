# Slipway — developer entry points. `make run` and `make test` work as root on a fresh Debian machine that has
# only the Swift toolchain: they install the missing -dev packages first.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= Config/slipway.example.json
DEMO_PORT ?= 8080
APT_PACKAGES := libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libsqlite3-dev libpq-dev libwebsockets-dev pkg-config git
TEST_PACKAGES := postgresql python3-pip prometheus

.PHONY: run demo test deps test-deps build lint format bench soak fuzz fuzz-smoke faults clean

deps:
	@scripts/ensure-packages.sh $(APT_PACKAGES)

test-deps: deps
	@scripts/ensure-packages.sh $(TEST_PACKAGES)
	@scripts/ensure-kubectl.sh
	@scripts/ensure-kubernetes-validate.sh

build: deps
	$(SWIFT) build --product slipway

run: build
	@scripts/demo-gitops.sh var/gitops-remote.git
	@export SLACK_SIGNING_SECRET=$${SLACK_SIGNING_SECRET:-dev-signing-secret} \
	        SLACK_BOT_TOKEN=$${SLACK_BOT_TOKEN:-xoxb-dev-token} \
	        SLIPWAY_WEBHOOK_SECRET=$${SLIPWAY_WEBHOOK_SECRET:-dev-webhook-secret} \
	        FLUX_WEBHOOK_TOKEN=$${FLUX_WEBHOOK_TOKEN:-dev-flux-token} \
	        PAGERDUTY_ROUTING_KEY=$${PAGERDUTY_ROUTING_KEY:-dev-routing-key}; \
	  echo "Slipway on http://127.0.0.1:8080 — in another shell: SLACK_SIGNING_SECRET=dev-signing-secret .build/debug/slipway try --config $(CONFIG) '/deploy-status'"; \
	  exec .build/debug/slipway serve --config $(CONFIG)

# The real server with the test fakes for Slack, Kubernetes/Flux and PagerDuty: type /deploy, approve, fail …
demo: deps
	$(SWIFT) build --product slipway-demo
	@exec .build/debug/slipway-demo --port $(DEMO_PORT)

lint:
	$(SWIFT) format lint --recursive --strict Sources Tests Fuzz Package.swift

format:
	$(SWIFT) format --in-place --recursive Sources Tests Fuzz Package.swift

FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 3

# libFuzzer targets (Fuzz/): built with -sanitize=fuzzer,address in .build-fuzz, each run for FUZZ_SECONDS from its
# seed corpus in Fuzz/corpus/<target>/. A crash leaves its input in .build-fuzz/artifacts/<target>/.
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh

# What `make test` runs: every fuzz target for FUZZ_SMOKE_SECONDS.
fuzz-smoke: deps
	FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) Fuzz/run.sh

# The fault suite alone: a replica killed, PostgreSQL restarted, Slack storms, the GitOps remote gone (also part of
# `make test`).
faults: test-deps
	@tmp=$$(mktemp -d); \
	  source scripts/test-postgres.sh && TMPDIR=$$tmp $(SWIFT) test --no-parallel --filter 'SlipwayAppTests\.Faults'; \
	  status=$$?; left=$$(ls -A "$$tmp" | grep '^slipway-'); rm -rf "$$tmp"; \
	  if [ -n "$$left" ]; then echo "make faults: tests left temporary files behind:" $$left >&2; exit 1; fi; \
	  exit $$status

# The tests get a temporary folder of their own; a `slipway-*` file or directory left in it afterwards (a harness
# not stopped, a fixture not removed) fails the run.
# The fault suite is part of the tests; each fuzz target then runs for a short smoke.
test: test-deps lint
	@tmp=$$(mktemp -d); \
	  source scripts/test-postgres.sh && TMPDIR=$$tmp $(SWIFT) test --no-parallel; status=$$?; \
	  left=$$(ls -A "$$tmp" | grep '^slipway-'); rm -rf "$$tmp"; \
	  if [ -n "$$left" ]; then echo "make test: tests left temporary files behind:" $$left >&2; exit 1; fi; \
	  exit $$status
	@$(MAKE) --no-print-directory fuzz-smoke

# ack.sh: the release `slipway` against nginx; deploy.sh (and Benchmarks/watch.sh): the `slipway-bench` binary.
bench: deps
	Benchmarks/ack.sh
	Benchmarks/deploy.sh

# A real `slipway serve` under a steady mix of commands, webhooks and deploys for SOAK_SECONDS (600): RSS, file
# descriptors and outbox depth over time.
soak: deps
	Benchmarks/soak.sh

clean:
	rm -rf .build .build-fuzz var
