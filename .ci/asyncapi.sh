#!/usr/bin/env bash
# Validates schemas/asyncapi.yaml with the AsyncAPI CLI. Installs Debian's nodejs and npm when node or npm is
# missing, and @asyncapi/cli from the npm registry into a cache directory when it is not there yet (once: about
# four minutes and 1.5 GB; later runs reuse it). 4.x is the last line that runs on Debian's Node.js (5.x and 6.x
# need Node 24).
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.1.1
prefix="${TOKENWARDEN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tokenwarden-tools}/asyncapi-cli-$version"
asyncapi="$prefix/node_modules/.bin/asyncapi"

fail() { echo ".ci/asyncapi.sh: FAILED: $*" >&2; exit 1; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || fail "node/npm are missing and there is no apt-get to install them"
  echo "installing Debian packages: nodejs npm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null \
    || fail "apt-get install nodejs npm failed"
fi

if [ ! -x "$asyncapi" ]; then
  echo "installing @asyncapi/cli@$version into $prefix"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "@asyncapi/cli@$version" >/dev/null \
    || fail "npm install @asyncapi/cli@$version failed"
fi

# No usage metrics: this machine reaches no host but the package registries.
"$asyncapi" config analytics --disable >/dev/null 2>&1 || true
echo "asyncapi validate schemas/asyncapi.yaml ($("$asyncapi" --version | head -1))"
"$asyncapi" validate schemas/asyncapi.yaml || fail "schemas/asyncapi.yaml is not a valid AsyncAPI document"
