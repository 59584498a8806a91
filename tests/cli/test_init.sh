#!/usr/bin/env bash
# smelt init makes a project that runs; it never overwrites.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=$SMELT_BIN
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
check "init creates a project" "$smelt" init "$dir/p"
out=$(cd "$dir/p" && "$smelt" run --format csv | cut -d, -f1,2,5)
expect_eq "its models run" "$out" "table,rows,status
silver.sales,4,ok
gold.sales_by_country,3,ok"
out=$(cd "$dir/p" && "$smelt" sql --format csv "SELECT country, revenue FROM gold.sales_by_country ORDER BY country")
expect_eq "its gold table holds the sums" "$out" "country,revenue
FRANCE,19.75
GERMANY,30.00
USA,99.99"
echo "# mine" >"$dir/p/smelt.yaml"
"$smelt" init "$dir/p" >/dev/null 2>&1; rc=$?
expect_eq "init into an existing project fails" "$rc" 1
expect_eq "and leaves the file alone" "$(cat "$dir/p/smelt.yaml")" "# mine"
tier_done
