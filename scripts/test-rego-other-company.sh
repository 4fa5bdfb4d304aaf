#!/usr/bin/env bash
# Proves the core's Rego tests do not depend on the example organisation: copies rego/ to a
# temporary folder, replaces its data.json and its org tests (rego/org/) with another company's
# (test/fixtures/other-company: a small fintech with other agents, tools, labels and audiences),
# and runs the same checks and tests as `make test-rego`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
other="$root/test/fixtures/other-company"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/regent-other-company-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

cp -R "$root/rego" "$tmp/rego"
cp "$other/data.json" "$tmp/rego/regent/config/data.json"
rm -rf "$tmp/rego/org"
cp -R "$other/org" "$tmp/rego/org"
"$root/scripts/test-rego.sh" "$tmp/rego"
