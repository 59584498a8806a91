#!/usr/bin/env bash
# `make install` (cmake --install) puts the binary, its commands library,
# the man page and the service scripts under a prefix, and the installed smelt finds its scripts.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
prefix=$(mktemp -d)
alone=$(mktemp -d)
trap 'rm -rf "$prefix" "$alone"' EXIT
check "install succeeds" cmake --install "$SMELT_BUILD_DIR" --prefix "$prefix" >/dev/null
check "the binary is installed" test -x "$prefix/bin/smelt"
check "the man page is installed" test -f "$prefix/share/man/man1/smelt.1"
check "the service scripts are installed" test -x "$prefix/share/smelt/services/postgres"
check "the commands library is installed" test -f "$prefix/lib/smelt/libsmelt-cli.so"
out=$("$prefix/bin/smelt" --version)
check "the installed binary runs" grep -Eq '^smelt [0-9]+\.[0-9]+\.[0-9]+$' <<<"$out"
out=$(SMELT_SERVICES_DIR= "$prefix/bin/smelt" services status --state "$prefix/none")
check "the installed binary finds its service scripts" grep -q "^PostgreSQL *stopped" <<<"$out"
# The launcher answers --help alone; a command without its library is a
# one-line error naming what is missing.
mkdir "$alone/bin" && cp "$prefix/bin/smelt" "$alone/bin/smelt"
check "--help needs no commands library" "$alone/bin/smelt" --help
err=$("$alone/bin/smelt" tables 2>&1) && rc=0 || rc=$?
check "a missing commands library fails" test "$rc" -eq 1
check "the error names the library" grep -q "cannot load libsmelt-cli.so" <<<"$err"
tier_done
