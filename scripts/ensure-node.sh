#!/usr/bin/env bash
# Prints the directory of a Node.js >= 22 binary, installing Node 24 LTS from the npm registry
# (package node-linux-<arch>) into .tools/node when the system Node is older or missing.
# Why: the build machines carry Node 20 (end of life); the project targets Node 24 LTS and only
# registry downloads are allowed.
set -euo pipefail
NODE_VERSION="${REGENT_NODE_VERSION:-24.21.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if command -v node >/dev/null 2>&1 && [ "$(major node)" -ge 22 ]; then
  dirname "$(command -v node)"
  exit 0
fi
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "ensure-node: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
dir="$root/.tools/node"
bin="$dir/node_modules/node-linux-$arch/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$NODE_VERSION" ]; then
  mkdir -p "$dir"
  npm install --silent --no-save --no-package-lock --prefix "$dir" "node-linux-$arch@$NODE_VERSION" >&2
fi
echo "$bin"
