#!/usr/bin/env bash
# HTTP JSON API sources (a local python3 server on a free port): pagination
# by next field, Link header and page parameter ingests exactly the served
# rows; a 500 is retried; max_bytes and timeouts fail without a commit.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=$SMELT_BIN
dir=$(mktemp -d /tmp/smelt-http-XXXXXX)
python3 "$SMELT_SOURCE_DIR/tests/pipeline/http_api.py" "$dir/port" &
srv=$!
trap 'kill $srv 2>/dev/null; wait $srv 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do [[ -s $dir/port ]] && break; sleep 0.1; done
[[ -s $dir/port ]] || { echo "FAIL: the test server did not start" >&2; echo "1 failed"; exit 1; }
base=http://127.0.0.1:$(cat "$dir/port")
p=$dir/project
mkdir -p "$p"
export SHOP_TOKEN=s3cret SMELT_HTTP_BACKOFF_MS=20
cat >"$p/smelt.yaml" <<YAML
lake: $dir/lake
sources:
  by_next:
    type: http
    url: $base/next?p=1
    records: data
    next: next
    headers: {Authorization: "Bearer \${SHOP_TOKEN}"}
  by_link:
    type: http
    url: $base/link
    next: link
  by_page:
    type: http
    url: $base/pages
    page_param: page
  flaky:
    type: http
    url: $base/flaky
    retries: 2
  big:
    type: http
    url: $base/big
    max_bytes: 1MB
  slow:
    type: http
    url: $base/slow
    timeout: 500ms
    retries: 0
YAML
out=$("$smelt" --project "$p" run --format csv 2>"$dir/err"); rc=$?
expect_eq "the run fails (two sources are bad)" "$rc" 1
expect_eq "the summary" "$(cut -d, -f1,2,5 <<<"$out")" "table,rows,status
bronze.by_next,7,ok
bronze.by_link,7,ok
bronze.by_page,7,ok
bronze.flaky,7,ok
bronze.big,,failed
bronze.slow,,failed"
check "the size limit is named" grep -q "bronze.big from big: $base/big page 1: the responses exceed max_bytes (1000000 bytes)" "$dir/err"
check "the timeout is named" grep -q "bronze.slow from slow: $base/slow page 1: Timeout was reached after 1 attempt" "$dir/err"
printf '%s\n' "$out" >"$dir/out"
check "the secret is never printed" bash -c "! grep -q s3cret '$dir/err' '$dir/out'"
check "no table for the failed sources" test ! -e "$dir/lake/bronze/big/_delta_log"
# the oracle: python3 computes the served rows itself
want=$(python3 - <<'PY'
rows = [{"id": i, "name": f"n{i}", "price": i * 1.5} for i in range(1, 8)]
print(len(rows), sum(r["id"] for r in rows), round(sum(r["price"] for r in rows), 2))
PY
)
for t in by_next by_link by_page flaky; do
  got=$("$smelt" --lake "$dir/lake" sql --format csv "SELECT count(*), sum(id), round(sum(price), 2) FROM bronze.$t" | tail -1 | tr , ' ')
  expect_eq "bronze.$t holds exactly the served rows" "$got" "$want"
done
out=$("$smelt" --lake "$dir/lake" sql --format csv "SELECT min(_source) AS s, count(DISTINCT _ingestion_date) AS d FROM bronze.by_next")
expect_eq "the technical columns are added" "$out" "s,d
http,1"
out=$("$smelt" --lake "$dir/lake" describe --format csv bronze.by_next | cut -d, -f1,2 | head -6)
expect_eq "types are inferred as for JSON lines" "$out" "column,type
id,bigint
name,string
price,double
tags,array<string>
_ingestion_timestamp,timestamp"
# lineage names the URL (delta-rs is not needed: the log's Parquet file is read back by smelt)
out=$("$smelt" --lake "$dir/lake" sql --format json "SELECT inputs FROM _smelt.runs WHERE model = 'bronze.by_next'")
check "lineage names the URL" grep -qF "http:$base/next?p=1" <<<"$out"
# a same-day re-run replaces the day
"$smelt" --project "$p" run --format csv bronze.by_page >/dev/null 2>&1
out=$("$smelt" --lake "$dir/lake" sql --format csv "SELECT count(*) FROM bronze.by_page" | tail -1)
expect_eq "a re-run replaces today's rows" "$out" 7
tier_done
