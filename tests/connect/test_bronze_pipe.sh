#!/usr/bin/env bash
# The pipelined PostgreSQL → bronze write (pipeline/bronze.c: the connection's
# thread decodes, a writer thread encodes) against a real PostgreSQL: a table
# of many batches lands whole (every row, summed by PostgreSQL and by
# smelt); a decode error deep in the stream (after batches went to the
# writer) and a writer error (the partition's path is a file) each fail the
# run with a clear message and commit nothing: the table keeps its version.
source "$SMELT_SOURCE_DIR/tests/lib/tier.sh"
smelt=$SMELT_BIN
svc=$SMELT_SOURCE_DIR/scripts/services/postgres
dir=$(mktemp -d /tmp/smelt-bronze-pipe-XXXXXX)
chmod 755 "$dir" # the server runs as its own user
cleanup() { "$svc" stop "$dir/state" >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT
tier_pg_start "$dir"
export PGCONNECT_TIMEOUT=10
q() { timeout 120 psql -X -w -q -v ON_ERROR_STOP=1 "$@"; }

# 50,000 rows: a dozen batches of every kind of column the queue carries
q -c "CREATE TABLE t AS
        SELECT i AS id, ((i * 7 % 1000)::numeric / 4)::numeric(10,2) AS amount, md5(i::text) AS s,
               CASE WHEN i % 11 = 0 THEN NULL ELSE DATE '2020-01-01' + i % 700 END AS d,
               i % 3 = 0 AS flag, ARRAY[i, i + 1] AS pair
        FROM generate_series(1, 50000) AS i"
expect_eq "table created" "$?" 0
mkdir -p "$dir/project"
cat >"$dir/project/smelt.yaml" <<YAML
lake: $dir/lake
sources:
  pg:
    type: postgres
    tables: [t]
YAML
for jobs in 1 2; do
  out=$(timeout 300 "$smelt" --project "$dir/project" run --jobs "$jobs" --format csv); rc=$?
  expect_eq "run --jobs $jobs exits 0" "$rc" 0
  expect_eq "run --jobs $jobs: every row" "$(grep '^bronze.t,' <<<"$out" | cut -d, -f2,4,5)" \
    "50000,$((jobs - 1)),ok"
done
want=$(q -At -c "SELECT count(*), sum(id), sum(amount), count(d), sum(length(s)), count(*) FILTER (WHERE flag),
                        count(pair) FROM t" | tr '|' ',')
got=$(timeout 120 "$smelt" --lake "$dir/lake" sql --format csv \
  "SELECT count(*), sum(id), sum(amount), count(d), sum(length(s)), count(*) FILTER (WHERE flag),
          count(pair) FROM bronze.t" | tail -1)
expect_eq "bronze.t holds what PostgreSQL holds" "$got" "$want"
version() { timeout 60 "$smelt" --lake "$dir/lake" history --format csv --limit 1 bronze.t | tail -1 | cut -d, -f1; }
expect_eq "version 1 after two runs" "$(version)" 1

# a decode error at row 40,000 (NaN cannot be a decimal): batches before it
# were handed to the writer; nothing is committed
q -c "UPDATE t SET amount = 'NaN' WHERE id = 40000; CREATE INDEX t_id ON t (id)" &&
  q -c "CLUSTER t USING t_id" # back in id order: the NaN is row 40,000 of the stream
expect_eq "NaN row set" "$?" 0
err=$(timeout 300 "$smelt" --project "$dir/project" run --jobs 1 2>&1 >/dev/null); rc=$?
expect_eq "a decode error mid-table fails the run" "$rc" 1
check "the error names the column, the row and the value" grep -q 'amount" row 40,000.*NaN' <<<"$err"
expect_eq "the decode error committed nothing" "$(version)" 1
q -c "UPDATE t SET amount = 1 WHERE id = 40000"

# a writer error: today's partition path is a file, so the writer thread
# cannot create its Parquet file while the reader goes on decoding
part=$(ls -d "$dir/lake/bronze/t/_ingestion_date="*)
mv "$part" "$dir/saved-part"
echo "not a directory" >"$part"
err=$(timeout 300 "$smelt" --project "$dir/project" run --jobs 1 2>&1 >/dev/null); rc=$?
expect_eq "a writer error fails the run" "$rc" 1
check "the error names the table" grep -q 'bronze.t' <<<"$err"
rm -f "$part"
mv "$dir/saved-part" "$part"
expect_eq "the writer error committed nothing" "$(version)" 1
got=$(timeout 120 "$smelt" --lake "$dir/lake" sql --format csv "SELECT count(*) FROM bronze.t" | tail -1)
expect_eq "bronze.t still reads whole" "$got" 50000
tier_done
