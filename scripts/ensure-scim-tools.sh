#!/usr/bin/env bash
# Installs scim2-tester and scim2-client at the versions in tools/scim/requirements.txt into the
# project-local virtual environment .tools/scim-venv, only when it is missing or the pins changed,
# and prints the path of its python. (A venv of its own: its pins need not agree with schemathesis'.)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.tools/scim-venv"
req="$root/tools/scim/requirements.txt"
stamp="$venv/.scim-tools-installed"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$stamp" ] || ! cmp -s "$req" "$stamp"; then
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2 || {
      echo "ensure-scim-tools: python3 -m venv failed; on Debian install python3-venv" >&2
      exit 1
    }
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req" >&2
  cp "$req" "$stamp"
fi
echo "$venv/bin/python"
