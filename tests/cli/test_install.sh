#!/usr/bin/env bash
# `make install` (cmake --install) puts the binary, the man page and the
# service scripts under a prefix, and the installed smelt finds its scripts.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
check "install succeeds" cmake --install "$SMELT_BUILD_DIR" --prefix "$prefix" >/dev/null
check "the binary is installed" test -x "$prefix/bin/smelt"
check "the man page is installed" test -f "$prefix/share/man/man1/smelt.1"
check "the service scripts are installed" test -x "$prefix/share/smelt/services/postgres"
out=$("$prefix/bin/smelt" --version)
check "the installed binary runs" grep -Eq '^smelt [0-9]+\.[0-9]+\.[0-9]+$' <<<"$out"
out=$(SMELT_SERVICES_DIR= "$prefix/bin/smelt" services status --state "$prefix/none")
check "the installed binary finds its service scripts" grep -q "^PostgreSQL *stopped" <<<"$out"
tier_done
