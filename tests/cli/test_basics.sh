#!/usr/bin/env bash
# The smelt binary as a user meets it: help, version, exit codes.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=$SMELT_BIN

out=$("$smelt" --help); rc=$?
expect_eq "--help exits 0" "$rc" 0
check "--help lists commands" grep -q "^commands:" <<<"$out"
check "--help lists version" grep -q "^  version " <<<"$out"

out=$("$smelt" --version); rc=$?
expect_eq "--version exits 0" "$rc" 0
check "--version prints a version" grep -Eq '^smelt [0-9]+\.[0-9]+\.[0-9]+$' <<<"$out"

"$smelt" >/dev/null 2>&1; expect_eq "no command is a usage error" "$?" 2
err=$("$smelt" frobnicate 2>&1); rc=$?
expect_eq "unknown command exits 2" "$rc" 2
check "unknown command names it" grep -q 'unknown command "frobnicate"' <<<"$err"
"$smelt" --bogus >/dev/null 2>&1; expect_eq "unknown global option exits 2" "$?" 2

# Every listed command answers --help with exit 0 and a usage line.
for cmd in $("$smelt" --help | awk '/^commands:/{on=1;next} on&&/^  [a-z]/{print $1} /^$/{if(on)exit}'); do
  out=$("$smelt" "$cmd" --help); rc=$?
  expect_eq "$cmd --help exits 0" "$rc" 0
  check "$cmd --help shows usage" grep -q "^usage: smelt $cmd" <<<"$out"
  "$smelt" "$cmd" --no-such-option >/dev/null 2>&1
  expect_eq "$cmd with a bad option exits 2" "$?" 2
done
tier_done
