# shellcheck shell=bash disable=SC2034  # py, jars and dir are used by the sourcing script
# tests/spark/lib.sh — sourced by the Spark tier scripts after tests/lib/tier.sh.
# Installs (or finds cached) Spark via scripts/peers/spark and sets
#   py    the venv's python (pyspark, delta-spark)
#   jars  the local jars directory (spark.jars; nothing is downloaded later)
#   dir   a scratch directory removed on exit
# A failed install is tier_skip (a failure under CI=true).
spark_log=$(mktemp)
if ! out=$("$SMELT_SOURCE_DIR/scripts/peers/spark" 2>"$spark_log"); then
  why=$(tail -1 "$spark_log")
  rm -f "$spark_log"
  tier_skip "Spark peer could not be installed: $why"
fi
rm -f "$spark_log"
py=$(sed -n 1p <<<"$out")
jars=$(sed -n 2p <<<"$out")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Spark's own logs go to a file; shown only when a check fails.
spark() {
  local desc=$1
  shift
  if timeout 150 "$py" "$SMELT_SOURCE_DIR/tests/spark/spark_interop.py" "$@" >"$dir/spark.out" 2>"$dir/spark.err"; then
    grep -v '^ok ' "$dir/spark.out" || true
    grep '^ok ' "$dir/spark.out" | sed 's/^/  /'
    tier_passed=$((tier_passed + 1))
  else
    echo "FAIL: $desc" >&2
    cat "$dir/spark.out" >&2
    grep -v 'WARN\|^Using Spark\|^Setting default\|^To adjust' "$dir/spark.err" | tail -40 >&2
    tier_failed=$((tier_failed + 1))
  fi
}
