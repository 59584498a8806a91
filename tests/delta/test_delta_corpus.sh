#!/usr/bin/env bash
# Corpus tier: every Delta table of shared/data/delta-tables read by smelt
# (tests/delta/delta_dump: snapshot, checkpoints, scan) and compared with
# delta-rs, against the outcomes listed in delta_expected.txt.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib/tier.sh"

shared=$(shared_dir) || tier_skip "no shared data folder (../shared/data)"
corpus="$shared/data/delta-tables"
[[ -d $corpus ]] || tier_skip "no $corpus"
dump=${DELTA_DUMP:-${SMELT_BUILD_DIR:-.}/tests/delta_dump}
[[ -x $dump ]] || tier_skip "delta_dump not built ($dump)"
py=$("$SMELT_SOURCE_DIR/scripts/peers/python" 2>/dev/null | tail -n 1) || py=""
[[ -n $py && -x $py ]] && "$py" -c "import deltalake, pyarrow" 2>/dev/null ||
  tier_skip "no python with deltalake and pyarrow"

check "delta-tables corpus against delta-rs" "$py" "$here/delta_compare.py" "$dump" "$corpus" \
  "$here/delta_expected.txt"

# smelt's maintenance commits read back in delta-rs: copies of a few corpus
# tables, optimized (one of them sorted) and vacuumed down to the newest
# checkpoint, compared again.
work=$(mktemp -d "${TMPDIR:-/tmp}/smelt-delta-maint.XXXXXX")
trap 'rm -rf "$work"' EXIT
: > "$work/expected.txt"
for t in simple_table delta-0.8.0-partitioned delta-0.8.0-special-partition \
         simple_table_with_checkpoint delta-0.2.0; do
  cp -r "$corpus/$t" "$work/$t" && chmod -R u+w "$work/$t"
  sort=; [[ $t == simple_table ]] && sort="--sort-by id"
  check "optimize + vacuum $t" bash -c "'$dump' --optimize $sort --vacuum --count '$work/$t' >/dev/null"
  echo "$t ok" >> "$work/expected.txt"
done
check "optimized and vacuumed tables against delta-rs" "$py" "$here/delta_compare.py" "$dump" \
  "$work" "$work/expected.txt"
tier_done
