/* pipeline/gen_bronze — generated tables straight into bronze Delta
 * tables, shaped as pipeline/bronze.c writes them (see gen.h). */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/mem.h"
#include "delta/write.h"
#include "pipeline/gen.h"

typedef struct sink {
    sm_delta_write_t *w;
    sm_type_t *schema;           /* generated columns + the three added */
    sm_vector_t *ts, *src, *day; /* constant columns, grown to a batch */
    int64_t now_us;
    int32_t today;
} sink_t;

static sm_err_t grow_constants(sink_t *s, size_t n, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    while (!rc && s->ts->len < n) {
        if (!(rc = sm_vector_append_i64(s->ts, s->now_us, e)) &&
            !(rc = sm_vector_append_str(s->src, "postgresql", e)))
            rc = sm_vector_append_i32(s->day, s->today, e);
    }
    return rc;
}

static sm_err_t on_batch(void *ud, const sm_batch_t *b, sm_error_t *e)
{
    sink_t *s = ud;
    sm_err_t rc = grow_constants(s, b->nrows, e);
    if (rc)
        return rc;
    size_t n = b->ncols + 3;
    sm_vector_t **cols = sm_calloc(n, sizeof *cols);
    if (!cols)
        return sm_error_nomem(e, "bronze batch");
    for (size_t i = 0; !rc && i < b->ncols; i++)
        rc = sm_vector_view(b->cols[i], &cols[i], e);
    if (!rc)
        rc = sm_vector_slice(s->ts, 0, b->nrows, &cols[b->ncols], e);
    if (!rc)
        rc = sm_vector_slice(s->src, 0, b->nrows, &cols[b->ncols + 1], e);
    if (!rc)
        rc = sm_vector_slice(s->day, 0, b->nrows, &cols[b->ncols + 2], e);
    sm_batch_t *out = NULL;
    if (!rc) {
        rc = sm_batch_from_vectors(s->schema, cols, n, &out, e);
    } else {
        for (size_t i = 0; i < n; i++)
            sm_vector_free(cols[i]);
    }
    sm_free(cols);
    if (!rc)
        rc = sm_delta_write_batch(s->w, out, e);
    sm_batch_free(out);
    return rc;
}

/* The generated schema plus _ingestion_timestamp, _source, _ingestion_date. */
static sm_type_t *bronze_schema(const sm_type_t *t)
{
    sm_field_t fs[40];
    size_t n = t->nfields;
    for (size_t i = 0; i < n; i++)
        fs[i] = (sm_field_t){t->fields[i].name, sm_type_ref(t->fields[i].type), true};
    fs[n] = (sm_field_t){"_ingestion_timestamp", sm_type_timestamp_tz(), true};
    fs[n + 1] = (sm_field_t){"_source", sm_type_string(), true};
    fs[n + 2] = (sm_field_t){"_ingestion_date", sm_type_date(), true};
    return sm_type_struct(fs, n + 3);
}

static sm_err_t write_table(sm_lake_t *lake, sm_gen_table_t tab, const sm_gen_opts_t *o,
                            int64_t now_ms, int64_t *rows, uint64_t *bytes, sm_error_t *e)
{
    const char *name = sm_gen_table_name(tab);
    char bname[64];
    snprintf(bname, sizeof bname, "bronze.%s", name);
    sink_t s = {.now_us = now_ms * 1000, .today = (int32_t)(now_ms / 86400000)};
    sm_lake_table_t t = {0};
    sm_type_t *gs = NULL;
    sm_err_t rc = sm_lake_resolve(lake, bname, &t, e);
    if (!rc)
        rc = sm_gen_schema(tab, o->scale, &gs, e);
    if (!rc && !(s.schema = bronze_schema(gs)))
        rc = sm_error_nomem(e, "bronze schema");
    if (!rc && !(rc = sm_vector_new(sm_type_timestamp_tz(), 0, &s.ts, e)) &&
        !(rc = sm_vector_new(sm_type_string(), 0, &s.src, e)))
        rc = sm_vector_new(sm_type_date(), 0, &s.day, e);
    if (!rc) {
        const char *pby[] = {"_ingestion_date"};
        sm_delta_write_opts_t wo = {
            .mode = SM_DELTA_OVERWRITE_PARTITIONS,
            .partition_by = pby,
            .npartition_by = 1,
            .operation = "WRITE",
            .table_name = name,
            .now_ms = now_ms,
            .parquet = {.codec = SM_PQ_CODEC_SNAPPY},
        };
        rc = sm_delta_write_open(t.store, t.prefix, s.schema, &wo, &s.w, e);
    }
    if (!rc)
        rc = sm_gen_table(tab, o, on_batch, &s, rows, e);
    if (!rc) {
        sm_delta_write_result_t wr;
        sm_delta_write_t *w = s.w;
        s.w = NULL;
        if (!(rc = sm_delta_write_commit(w, &wr, e)))
            *bytes = wr.bytes_added;
    }
    if (rc)
        sm_error_wrap(e, "generating %s", bname);
    sm_delta_write_abort(s.w);
    sm_vector_free(s.ts);
    sm_vector_free(s.src);
    sm_vector_free(s.day);
    sm_type_free(s.schema);
    sm_type_free(gs);
    sm_lake_table_free(&t);
    return rc;
}

sm_err_t sm_gen_to_bronze(sm_lake_t *lake, const sm_gen_opts_t *o, int64_t now_ms,
                          sm_gen_result_t *res, sm_error_t *e)
{
    sm_gen_result_t r;
    memset(&r, 0, sizeof r);
    if (now_ms <= 0)
        now_ms = sm_clock_wall_ms();
    sm_err_t rc = SM_OK;
    for (int t = 0; !rc && t < SM_GEN_NTABLES; t++) {
        int64_t t0 = sm_clock_mono_ns();
        rc = write_table(lake, (sm_gen_table_t)t, o, now_ms, &r.rows[t], &r.bytes[t], e);
        r.seconds[t] = (double)(sm_clock_mono_ns() - t0) / 1e9;
    }
    if (res)
        *res = r;
    return rc;
}
