/* delta/vacuum, delta/optimize and schema evolution (merge-schema) over the
 * local store. */
#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/mem.h"
#include "delta/commit.h"
#include "delta/log.h"
#include "delta/optimize.h"
#include "delta/scan.h"
#include "delta/snapshot.h"
#include "delta/vacuum.h"
#include "delta/write.h"

static char dir[256];
static sm_store_t *st;

#define DAY_MS (86400000LL)

/* Writes rows (cells of `ncols` columns each) with the given schema text. */
static sm_err_t write_rows(const char *table, const char *schema_text, const char *const *cells,
                           size_t nrows, size_t ncols, const sm_delta_write_opts_t *o,
                           int64_t *version, sm_error_t *e)
{
    sm_type_t *schema = NULL;
    sm_delta_write_t *w = NULL;
    sm_batch_t *b = NULL;
    sm_delta_write_result_t res = {.version = -1};
    sm_err_t rc = sm_type_parse(schema_text, strlen(schema_text), &schema, e);
    if (!rc)
        rc = sm_delta_write_open(st, table, schema, o, &w, e);
    if (!rc)
        rc = sm_batch_new(schema, 0, &b, e);
    for (size_t i = 0; !rc && i < nrows; i++)
        rc = sm_batch_append_row(b, cells + i * ncols, e);
    if (!rc)
        rc = sm_delta_write_batch(w, b, e);
    if (!rc) {
        rc = sm_delta_write_commit(w, &res, e);
        w = NULL;
    }
    sm_delta_write_abort(w);
    sm_batch_free(b);
    sm_type_free(schema);
    if (version)
        *version = res.version;
    return rc;
}

/* Appends ids [first, first+n) in descending order into partition p. */
static int64_t append(const char *table, int first, int n, const char *p)
{
    char ids[64][16];
    const char *cells[128];
    for (int i = 0; i < n && i < 64; i++) {
        snprintf(ids[i], sizeof ids[i], "%d", first + n - 1 - i);
        cells[2 * i] = ids[i];
        cells[2 * i + 1] = p;
    }
    const char *pby[] = {"p"};
    sm_delta_write_opts_t o = {
        .partition_by = pby, .npartition_by = 1, .parquet = {.codec = SM_PQ_CODEC_SNAPPY}};
    sm_error_t e;
    int64_t v = -1;
    CHECK_OK(write_rows(table, "struct<id:bigint,p:string>", cells, (size_t)n, 2, &o, &v, &e), &e);
    return v;
}

static sm_delta_snapshot_t *load(const char *table, int64_t version)
{
    sm_delta_at_t at = {.kind = version < 0 ? SM_DELTA_AT_LATEST : SM_DELTA_AT_VERSION,
                        .version = version};
    sm_delta_snapshot_t *s = NULL;
    sm_error_t e;
    CHECK_OK(sm_delta_snapshot_load(st, table, &at, &s, &e), &e);
    return s;
}

/* Every row of a table: the sum of ids and the count; -1 on error. */
static int64_t scan_sum(const char *table, int64_t *count)
{
    sm_delta_snapshot_t *s = load(table, -1);
    sm_delta_scan_t *sc = NULL;
    sm_error_t e;
    int64_t sum = 0;
    *count = 0;
    if (!s)
        return -1;
    CHECK_OK(sm_delta_scan_open(st, s, NULL, &sc, &e), &e);
    for (sm_batch_t *b = NULL; sc && sm_delta_scan_next(sc, &b, &e) == SM_OK && b;) {
        for (size_t i = 0; i < b->nrows; i++)
            sum += sm_vector_get_i64(b->cols[0], i);
        *count += (int64_t)b->nrows;
        sm_batch_free(b);
    }
    sm_delta_scan_close(sc);
    sm_delta_snapshot_free(s);
    return sum;
}

static bool exists(const char *rel)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    return access(path, F_OK) == 0;
}

static void touch(const char *rel)
{
    sm_error_t e;
    CHECK_OK(sm_store_put(st, rel, "x", 1, &e), &e);
}

static bool listed(const sm_delta_vacuum_result_t *r, const char *suffix, bool log)
{
    char **a = log ? r->log_files : r->files;
    size_t n = log ? r->nlog_files : r->nfiles;
    for (size_t i = 0; i < n; i++) {
        size_t la = strlen(a[i]), ls = strlen(suffix);
        if (la >= ls && strcmp(a[i] + la - ls, suffix) == 0)
            return true;
    }
    return false;
}

static void test_vacuum(void)
{
    for (int v = 0; v < 3; v++)
        append("v", v * 10, 3, "a");
    sm_delta_snapshot_t *old = load("v", 2);
    const char *cells[] = {"100", "a"};
    const char *pby[] = {"p"};
    sm_delta_write_opts_t o = {.mode = SM_DELTA_OVERWRITE, .partition_by = pby, .npartition_by = 1};
    sm_error_t e;
    CHECK_OK(write_rows("v", "struct<id:bigint,p:string>", cells, 1, 2, &o, NULL, &e), &e);
    touch("v/p=a/orphan.parquet");
    touch("v/_hidden/keep.parquet");
    touch("v/p=a/.part.crc");
    sm_delta_snapshot_t *now = load("v", -1);
    if (!old || !now)
        goto out;
    CHECK_EQ_INT(now->nfiles, 1);
    CHECK_EQ_INT(now->ntombstones, 3);

    /* the default retention keeps everything recent */
    sm_delta_vacuum_result_t r;
    sm_delta_vacuum_opts_t vo = {.retain_hours = -1, .log_retain_hours = -1};
    CHECK_OK(sm_delta_vacuum(st, "v", &vo, &r, &e), &e);
    CHECK_EQ_INT(r.nfiles, 0);
    CHECK(r.retain_hours == 168.0);
    sm_delta_vacuum_result_free(&r);
    /* below the safety threshold without force */
    vo.retain_hours = 1;
    CHECK(sm_delta_vacuum(st, "v", &vo, &r, &e) == SM_ERR_INVALID);
    CHECK(strstr(e.msg, "a retention of 1 hours is below the table's 168 hours"));
    sm_delta_vacuum_result_free(&r);
    /* forced, one hour, at now: the tombstones are too recent, the orphan too */
    vo.force = true;
    CHECK_OK(sm_delta_vacuum(st, "v", &vo, &r, &e), &e);
    CHECK_EQ_INT(r.nfiles, 0);
    sm_delta_vacuum_result_free(&r);
    /* eight days later, dry run: three tombstoned files and the orphan */
    vo = (sm_delta_vacuum_opts_t){.retain_hours = -1,
                                  .log_retain_hours = -1,
                                  .dry_run = true,
                                  .now_ms = sm_delta_now_ms() + 8 * DAY_MS};
    CHECK_OK(sm_delta_vacuum(st, "v", &vo, &r, &e), &e);
    CHECK_EQ_INT(r.nfiles, 4);
    CHECK(listed(&r, "orphan.parquet", false));
    CHECK(!listed(&r, now->files[0].path, false));
    CHECK(r.bytes > 0);
    for (size_t i = 0; i < old->nfiles; i++) {
        char rel[600];
        snprintf(rel, sizeof rel, "v/%s", old->files[i].path);
        CHECK(exists(rel)); /* dry run */
    }
    sm_delta_vacuum_result_free(&r);
    vo.dry_run = false;
    CHECK_OK(sm_delta_vacuum(st, "v", &vo, &r, &e), &e);
    CHECK_EQ_INT(r.nfiles, 4);
    sm_delta_vacuum_result_free(&r);
    for (size_t i = 0; i < old->nfiles; i++) {
        char rel[600];
        snprintf(rel, sizeof rel, "v/%s", old->files[i].path);
        CHECK(!exists(rel));
    }
    CHECK(!exists("v/p=a/orphan.parquet"));
    CHECK(exists("v/_hidden/keep.parquet"));
    CHECK(exists("v/p=a/.part.crc"));
    CHECK(exists("v/_delta_log/00000000000000000000.json"));
    int64_t n;
    CHECK_EQ_INT(scan_sum("v", &n), 100);
    CHECK_EQ_INT(n, 1);
    /* a file newer than the horizon that the log does not know stays */
    touch("v/p=a/in-flight.parquet");
    vo.retain_hours = 0;
    vo.force = true;
    vo.now_ms = sm_delta_now_ms() - 60000;
    CHECK_OK(sm_delta_vacuum(st, "v", &vo, &r, &e), &e);
    CHECK_EQ_INT(r.nfiles, 0);
    CHECK(exists("v/p=a/in-flight.parquet"));
    sm_delta_vacuum_result_free(&r);
out:
    sm_delta_snapshot_free(old);
    sm_delta_snapshot_free(now);
}

static void test_vacuum_log(void)
{
    for (int v = 0; v < 25; v++)
        append("l", v, 1, "a");
    sm_error_t e;
    sm_delta_vacuum_result_t r;
    sm_delta_vacuum_opts_t vo = {.retain_hours = -1, .log_retain_hours = -1, .clean_log = true};
    CHECK_OK(sm_delta_vacuum(st, "l", &vo, &r, &e), &e);
    CHECK_EQ_INT(r.nlog_files, 0); /* everything is within 30 days */
    CHECK_EQ_INT(r.log_checkpoint, -1);
    sm_delta_vacuum_result_free(&r);
    vo.now_ms = sm_delta_now_ms() + 31 * DAY_MS;
    vo.dry_run = true;
    CHECK_OK(sm_delta_vacuum(st, "l", &vo, &r, &e), &e);
    CHECK_EQ_INT(r.log_checkpoint, 20);
    CHECK_EQ_INT(r.nlog_files, 21); /* commits 0..19 and checkpoint 10 */
    CHECK(listed(&r, "_delta_log/00000000000000000010.checkpoint.parquet", true));
    CHECK(!listed(&r, "_delta_log/00000000000000000020.json", true));
    CHECK(exists("l/_delta_log/00000000000000000000.json"));
    sm_delta_vacuum_result_free(&r);
    vo.dry_run = false;
    CHECK_OK(sm_delta_vacuum(st, "l", &vo, &r, &e), &e);
    sm_delta_vacuum_result_free(&r);
    CHECK(!exists("l/_delta_log/00000000000000000019.json"));
    CHECK(exists("l/_delta_log/00000000000000000020.json"));
    CHECK(exists("l/_delta_log/00000000000000000020.checkpoint.parquet"));
    CHECK(exists("l/_delta_log/_last_checkpoint"));
    int64_t n;
    CHECK_EQ_INT(scan_sum("l", &n), 24 * 25 / 2);
    CHECK_EQ_INT(n, 25);
    sm_delta_snapshot_t *s = load("l", 20); /* retained versions still read */
    if (s)
        CHECK_EQ_INT(s->nfiles, 21);
    sm_delta_snapshot_free(s);
    sm_delta_at_t at = {.kind = SM_DELTA_AT_VERSION, .version = 19};
    CHECK(sm_delta_snapshot_load(st, "l", &at, &s, &e) == SM_ERR_NOT_FOUND);
    /* intervals */
    int64_t ms = 0;
    CHECK(sm_delta_parse_interval("interval 7 days", &ms) && ms == 7 * DAY_MS);
    CHECK(sm_delta_parse_interval("1 week", &ms) && ms == 7 * DAY_MS);
    CHECK(sm_delta_parse_interval("interval 36 HOURS", &ms) && ms == 36 * 3600000LL);
    CHECK(!sm_delta_parse_interval("interval seven days", &ms));
    CHECK(!sm_delta_parse_interval("7 fortnights", &ms));
    CHECK(!sm_delta_parse_interval("", &ms));
}

/* before_commit hooks */
static sm_err_t concurrent_append(void *arg, sm_error_t *e)
{
    (void)e;
    append(arg, 1000, 2, "a");
    return SM_OK;
}

static sm_err_t concurrent_overwrite(void *arg, sm_error_t *e)
{
    const char *cells[] = {"7", "a"};
    const char *pby[] = {"p"};
    sm_delta_write_opts_t o = {.mode = SM_DELTA_OVERWRITE, .partition_by = pby, .npartition_by = 1};
    return write_rows(arg, "struct<id:bigint,p:string>", cells, 1, 2, &o, NULL, e);
}

static bool read_commit(const char *table, int64_t v, sm_buf_t *out)
{
    char name[26], key[600];
    sm_delta_commit_name(v, name);
    snprintf(key, sizeof key, "%s/_delta_log/%s", table, name);
    return sm_store_get(st, key, 0, out, NULL) == SM_OK;
}

static void test_optimize(void)
{
    for (int v = 0; v < 6; v++) {
        append("o", v * 10, 5, "a");
        append("o", 500 + v * 10, 5, "b");
    }
    int64_t n0, sum0 = scan_sum("o", &n0);
    sm_error_t e;
    sm_delta_optimize_result_t r;
    sm_delta_optimize_opts_t oo = {
        .parquet = {.codec = SM_PQ_CODEC_SNAPPY}, .before_commit = concurrent_append, .arg = "o"};
    /* a concurrent append between reading and committing does not conflict */
    CHECK_OK(sm_delta_optimize(st, "o", &oo, &r, &e), &e);
    CHECK_EQ_INT(r.version, 13); /* read 11, the append took 12 */
    CHECK_EQ_INT(r.files_removed, 12);
    CHECK_EQ_INT(r.files_added, 2);
    CHECK_EQ_INT(r.partitions, 2);
    CHECK_EQ_INT(r.rows, 60);
    sm_delta_snapshot_t *s = load("o", -1);
    if (s)
        CHECK_EQ_INT(s->nfiles, 3); /* one per partition + the concurrent file */
    sm_delta_snapshot_free(s);
    int64_t n1, sum1 = scan_sum("o", &n1);
    CHECK_EQ_INT(n1, n0 + 2);
    CHECK_EQ_INT(sum1, sum0 + 1000 + 1001);
    sm_buf_t c = SM_BUF_INIT;
    CHECK(read_commit("o", 13, &c));
    CHECK(c.data && strstr((char *)c.data, "\"operation\":\"OPTIMIZE\""));
    CHECK(c.data && strstr((char *)c.data, "\"dataChange\":false"));
    CHECK(c.data && !strstr((char *)c.data, "\"dataChange\":true"));
    sm_buf_free(&c);
    /* again: partition b has one file, a has two (compacted + concurrent) */
    oo.before_commit = NULL;
    CHECK_OK(sm_delta_optimize(st, "o", &oo, &r, &e), &e);
    CHECK_EQ_INT(r.files_removed, 2);
    CHECK_EQ_INT(r.files_added, 1);
    CHECK_OK(sm_delta_optimize(st, "o", &oo, &r, &e), &e);
    CHECK_EQ_INT(r.version, -1); /* nothing left to do */
    /* a target smaller than every file: nothing to do either */
    for (int v = 0; v < 3; v++)
        append("t", v * 10, 5, "a");
    oo.target_bytes = 10;
    CHECK_OK(sm_delta_optimize(st, "t", &oo, &r, &e), &e);
    CHECK_EQ_INT(r.version, -1);
    oo.target_bytes = 0;

    /* sorted rewrite: ids come out ascending */
    const char *by[] = {"id"};
    oo.sort_by = by;
    oo.nsort_by = 1;
    CHECK_OK(sm_delta_optimize(st, "t", &oo, &r, &e), &e);
    CHECK_EQ_INT(r.files_added, 1);
    s = load("t", -1);
    sm_delta_scan_t *sc = NULL;
    int64_t prev = -1, rows = 0;
    bool sorted = true;
    if (s && sm_delta_scan_open(st, s, NULL, &sc, &e) == SM_OK) {
        for (sm_batch_t *b = NULL; sm_delta_scan_next(sc, &b, &e) == SM_OK && b;) {
            for (size_t i = 0; i < b->nrows; i++, rows++) {
                sorted &= sm_vector_get_i64(b->cols[0], i) > prev;
                prev = sm_vector_get_i64(b->cols[0], i);
            }
            sm_batch_free(b);
        }
    }
    CHECK(sorted);
    CHECK_EQ_INT(rows, 15);
    sm_delta_scan_close(sc);
    sm_delta_snapshot_free(s);
    const char *bad[] = {"nope"};
    oo.sort_by = bad;
    CHECK(sm_delta_optimize(st, "t", &oo, &r, &e) == SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "no column \"nope\""));
    oo.sort_by = NULL;
    oo.nsort_by = 0;

    /* a concurrent overwrite removed the files being compacted: conflict,
     * nothing committed, the new file deleted */
    for (int v = 0; v < 3; v++)
        append("c", v * 10, 5, "a");
    oo.before_commit = concurrent_overwrite;
    oo.arg = "c";
    CHECK(sm_delta_optimize(st, "c", &oo, &r, &e) == SM_ERR_CONFLICT);
    CHECK(strstr(e.msg, "removed a file this commit removes"));
    CHECK_EQ_INT(r.version, -1);
    s = load("c", -1);
    if (s) {
        CHECK_EQ_INT(s->version, 3);
        CHECK_EQ_INT(s->nfiles, 1);
    }
    sm_delta_snapshot_free(s);
}

static void test_schema_evolution(void)
{
    const char *v0[] = {"1", "2"};
    sm_error_t e;
    int64_t ver;
    CHECK_OK(write_rows("s", "struct<id:bigint>", v0, 2, 1, NULL, &ver, &e), &e);
    const char *v1[] = {"3", "three", "4", NULL};
    /* a new column is refused without merge-schema */
    CHECK(write_rows("s", "struct<id:bigint,note:string>", v1, 2, 2, NULL, &ver, &e) ==
          SM_ERR_INVALID);
    CHECK(strstr(e.msg, "the data has new column \"note\"; write with merge-schema to add it"));
    /* a new NOT NULL column is refused even with it */
    sm_delta_write_opts_t o = {.merge_schema = true};
    CHECK(write_rows("s", "struct<id:bigint,note:string not null>", v1, 1, 2, &o, &ver, &e) ==
          SM_ERR_INVALID);
    CHECK(strstr(e.msg, "new column \"note\" must be nullable"));
    CHECK_OK(write_rows("s", "struct<id:bigint,note:string>", v1, 2, 2, &o, &ver, &e), &e);
    CHECK_EQ_INT(ver, 1);
    /* the metaData is in the same commit as the data */
    sm_buf_t c = SM_BUF_INIT;
    CHECK(read_commit("s", 1, &c));
    CHECK(c.data && strstr((char *)c.data, "{\"metaData\":"));
    CHECK(c.data && strstr((char *)c.data, "{\"add\":"));
    CHECK(c.data && strstr((char *)c.data, "note"));
    sm_buf_free(&c);
    sm_delta_snapshot_t *s = load("s", -1);
    if (!s)
        return;
    CHECK_EQ_INT(s->schema->nfields, 2);
    /* old files read with NULL in the new column */
    sm_delta_scan_t *sc = NULL;
    int nulls = 0, values = 0;
    CHECK_OK(sm_delta_scan_open(st, s, NULL, &sc, &e), &e);
    for (sm_batch_t *b = NULL; sc && sm_delta_scan_next(sc, &b, &e) == SM_OK && b;) {
        CHECK_EQ_INT(b->ncols, 2);
        for (size_t i = 0; i < b->nrows; i++) {
            int64_t id = sm_vector_get_i64(b->cols[0], i);
            bool null = sm_vector_is_null(b->cols[1], i);
            nulls += null;
            values += !null;
            CHECK(null == (id != 3));
        }
        sm_batch_free(b);
    }
    CHECK_EQ_INT(nulls, 3);
    CHECK_EQ_INT(values, 1);
    sm_delta_scan_close(sc);
    /* a projection of the new column only, and an unknown column */
    sm_type_t *only = NULL;
    CHECK_OK(sm_type_parse("struct<note:string>", 19, &only, &e), &e);
    sm_delta_scan_opts_t so = {.schema = only};
    CHECK_OK(sm_delta_scan_open(st, s, &so, &sc, &e), &e);
    sm_delta_scan_close(sc);
    sm_type_free(only);
    CHECK_OK(sm_type_parse("struct<zz:string>", 17, &only, &e), &e);
    so.schema = only;
    CHECK(sm_delta_scan_open(st, s, &so, &sc, &e) == SM_ERR_NOT_FOUND);
    sm_type_free(only);
    /* the old version still has the old schema */
    sm_delta_snapshot_t *s0 = load("s", 0);
    if (s0)
        CHECK_EQ_INT(s0->schema->nfields, 1);
    sm_delta_snapshot_free(s0);
    sm_delta_snapshot_free(s);
    /* optimize reads the old files with NULLs too */
    sm_delta_optimize_result_t r;
    CHECK_OK(sm_delta_optimize(st, "s", NULL, &r, &e), &e);
    CHECK_EQ_INT(r.files_removed, 2);
    int64_t n;
    CHECK_EQ_INT(scan_sum("s", &n), 10);
    CHECK_EQ_INT(n, 4);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/smelt-test-maint-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    sm_error_t e;
    if (sm_store_open(dir, &st, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    RUN(test_vacuum);
    RUN(test_vacuum_log);
    RUN(test_optimize);
    RUN(test_schema_evolution);
    sm_store_close(st);
    if (!check_rm_tree(dir))
        return 1;
    return check_summary();
}
