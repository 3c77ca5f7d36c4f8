#!/usr/bin/env bash
# Builds the examples that need a build step. Offline, except npm for the Node example.
#   go    examples/go-x-oauth2/bin/go-x-oauth2, against Debian's golang-golang-x-oauth2-dev
#         (GOPATH mode on /usr/share/gocode: no module download, no go.sum)
#   node  examples/node-oauth4webapi/node_modules, from its package-lock.json (npm ci)
# The Python and Ruby examples run as they are, on Debian's packages.
#
# Usage: examples/build.sh [go] [node]      (no argument: both)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(go node)

for target in "${targets[@]}"; do
  case "$target" in
    go)
      [ -d /usr/share/gocode/src/golang.org/x/oauth2 ] || { echo "build.sh: golang.org/x/oauth2 missing: apt-get install -y golang-go golang-golang-x-oauth2-dev" >&2; exit 1; }
      # Go's build cache lives under $HOME; a bare environment without HOME gets one in /tmp.
      [ -n "${HOME:-}${GOCACHE:-}${XDG_CACHE_HOME:-}" ] || export GOCACHE=/tmp/go-build-cache
      (cd "$here/go-x-oauth2" && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOPROXY=off go build -o bin/go-x-oauth2 .)
      ;;
    node)
      (cd "$here/node-oauth4webapi" && npm ci --no-audit --no-fund --loglevel=error)
      ;;
    *)
      echo "build.sh: unknown target '$target' (go, node)" >&2
      exit 2
      ;;
  esac
done
