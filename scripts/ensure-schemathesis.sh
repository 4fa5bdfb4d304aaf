#!/usr/bin/env bash
# Installs schemathesis at the versions in tools/schemathesis-requirements.txt into the
# project-local virtual environment .tools/venv, only when it is missing or the pins changed,
# and prints the path of its `st` command.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.tools/venv"
req="$root/tools/schemathesis-requirements.txt"
stamp="$venv/.schemathesis-installed"
if [ ! -x "$venv/bin/st" ] || [ ! -f "$stamp" ] || ! cmp -s "$req" "$stamp"; then
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2 || {
      echo "ensure-schemathesis: python3 -m venv failed; on Debian install python3-venv" >&2
      exit 1
    }
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req" >&2
  cp "$req" "$stamp"
fi
echo "$venv/bin/st"
