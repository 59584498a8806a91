#!/usr/bin/env bash
# smelt parquet convert | cat | inspect, as a user runs them.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=$SMELT_BIN
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'id,name,amount,day\n1,alice,10.5,2026-01-02\n2,"bob, jr",,2026-01-03\n3,"say ""hi""",-2,2026-01-04\n' >"$dir/t.csv"
err=$("$smelt" parquet convert --compression zstd "$dir/t.csv" "$dir/t.parquet" 2>&1); rc=$?
expect_eq "convert exits 0" "$rc" 0
check "convert says how many rows" grep -q "3 rows written" <<<"$err"
out=$("$smelt" parquet cat --format json "$dir/t.parquet")
expect_eq "cat prints the CSV's rows with inferred types" "$out" '{"id":1,"name":"alice","amount":10.5,"day":"2026-01-02"}
{"id":2,"name":"bob, jr","amount":null,"day":"2026-01-03"}
{"id":3,"name":"say \"hi\"","amount":-2.0,"day":"2026-01-04"}'
out=$("$smelt" parquet cat --format csv --columns name --limit 1 "$dir/t.parquet")
expect_eq "cat projects and limits" "$out" 'name
alice'
out=$("$smelt" parquet inspect --format csv "$dir/t.parquet" | cut -d, -f2,3,5 | tail -n +2 | tr '\n' ' ')
expect_eq "inspect shows columns, types and codec" "$out" "id,INT32,zstd name,BYTE_ARRAY,zstd amount,DOUBLE,zstd day,INT32,zstd "
printf 'id,amount\n1,2\n2\n' >"$dir/bad.csv"
err=$("$smelt" parquet convert "$dir/bad.csv" "$dir/bad.parquet" 2>&1); rc=$?
expect_eq "a bad row fails the conversion" "$rc" 1
check "the error names file, line and column" grep -q 'bad.csv:3:1: row has 1 fields, expected 2' <<<"$err"
check "no partial file is left" test ! -e "$dir/bad.parquet"
err=$("$smelt" parquet cat "$dir/t.csv" 2>&1); rc=$?
expect_eq "cat of a non-Parquet file exits 1" "$rc" 1
tier_done
