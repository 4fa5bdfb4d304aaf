#!/usr/bin/env bash
# Installs AgentDojo (bench/agentdojo) at the versions pinned, with hashes, in
# bench/agentdojo/requirements.txt into the project-local virtual environment
# .tools/agentdojo-venv, only when it is missing or the pins changed, and prints the path of its
# python. Apart from .tools/venv (schemathesis) so neither pin set constrains the other.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.tools/agentdojo-venv"
req="$root/bench/agentdojo/requirements.txt"
stamp="$venv/.agentdojo-installed"
if [ ! -x "$venv/bin/python" ] || [ ! -f "$stamp" ] || ! cmp -s "$req" "$stamp"; then
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2 || {
      echo "ensure-agentdojo: python3 -m venv failed; on Debian install python3-venv" >&2
      exit 1
    }
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --require-hashes -r "$req" >&2
  cp "$req" "$stamp"
fi
echo "$venv/bin/python"
