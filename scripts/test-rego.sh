#!/usr/bin/env bash
# Runs regent's Rego checks and tests on a policy directory (default: rego/), in two parts:
#   1. the core's tests: every module outside <dir>/org/, on the core's own fixture data
#      (test/rego/fixture/regent/config/data.json, loaded as data.regent.config) and never on the
#      directory's data.json, so a company that replaces data.json keeps a green core;
#   2. the organisation's tests: <dir>/org/** (packages org.*), on the directory as it is, with
#      its own data.json.
# `opa check --strict` runs first, on the directory with its own data.json.
# Usage: scripts/test-rego.sh [policy-dir]   (OPA_BIN overrides .tools/bin/opa)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(cd "${1:-$root/rego}" && pwd)"
opa="${OPA_BIN:-$root/.tools/bin/opa}"
fixture="$root/test/rego/fixture"

"$opa" check --strict "$dir"

mapfile -t core < <(find "$dir" -name '*.rego' -not -path "$dir/org/*" | sort)
echo "core tests (${#core[@]} modules) on $fixture/regent/config/data.json"
"$opa" test --timeout 120s --count 1 "${core[@]}" "$fixture"

if find "$dir/org" -name '*_test.rego' 2>/dev/null | grep -q .; then
  echo "organisation tests ($dir/org) on $dir/regent/config/data.json"
  "$opa" test --timeout 120s --count 1 --run '^data\.org\.' "$dir"
fi
