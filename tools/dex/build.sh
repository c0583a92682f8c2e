#!/usr/bin/env bash
# build.sh builds Dex (the OpenID Connect provider the identity/sso end-to-end
# test signs in against) from this wrapper module and prints the binary's path.
#
# The binary goes to $PORTICO_DEX_BIN when that is set, otherwise to
# ${XDG_CACHE_HOME:-$HOME/.cache}/portico/dex/<dex version>/dex, the path the
# test looks at. An existing binary is kept (a cold build takes about 2 min on
# 2 cores); pass -f to rebuild it.
#
# Dex cannot be installed with `go install`: its go.mod has a replace
# directive. Building it from this module also keeps Dex's dependencies out of
# Portico's go.mod.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
force=0
if [[ "${1:-}" == "-f" ]]; then
	force=1
fi

version=$(awk '$1 == "require" && $2 == "github.com/dexidp/dex" { print $3 }' "$here/go.mod")
if [[ -z "$version" ]]; then
	echo "build.sh: no github.com/dexidp/dex requirement in $here/go.mod" >&2
	exit 1
fi
out=${PORTICO_DEX_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/portico/dex/$version/dex}

if [[ -x "$out" && $force -eq 0 ]]; then
	echo "$out"
	exit 0
fi

mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
# -mod=mod: the wrapper's go.mod lists only Dex; go.sum pins the rest.
(cd "$here" && GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$tmp" github.com/dexidp/dex/cmd/dex) >&2
mv "$tmp" "$out"
echo "$out"
