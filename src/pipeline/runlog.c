#include "pipeline/runlog.h"

#include <string.h>

#include "columnar/batch.h"
#include "delta/write.h"

static const char *SCHEMA = "struct<run_id:string,model:string,started_at:timestamp,seconds:double,"
                            "status:string,rows:bigint,output_version:bigint,inputs:array<string>,"
                            "input_versions:array<bigint>,error:string,checks:string>";

static sm_err_t opt_i64(sm_vector_t *v, int64_t x, sm_error_t *e)
{
    return x < 0 ? sm_vector_append_null(v, e) : sm_vector_append_i64(v, x, e);
}

static sm_err_t opt_str(sm_vector_t *v, const char *s, sm_error_t *e)
{
    return s ? sm_vector_append_str(v, s, e) : sm_vector_append_null(v, e);
}

static sm_err_t append(sm_batch_t *b, const char *run_id, const sm_run_record_t *r, sm_error_t *e)
{
    sm_vector_t **c = b->cols;
    sm_err_t rc;
    if ((rc = sm_vector_append_str(c[0], run_id, e)) ||
        (rc = sm_vector_append_str(c[1], r->model, e)) ||
        (rc = sm_vector_append_i64(c[2], r->started_ms * 1000, e)) ||
        (rc = sm_vector_append_f64(c[3], r->seconds, e)) ||
        (rc = sm_vector_append_str(c[4], r->status, e)) || (rc = opt_i64(c[5], r->rows, e)) ||
        (rc = opt_i64(c[6], r->output_version, e)))
        return rc;
    for (size_t i = 0; i < r->ninputs && !rc; i++)
        rc = sm_vector_append_str(sm_vector_child(c[7], 0), r->inputs[i], e);
    if (rc || (rc = sm_vector_append_list(c[7], e)))
        return rc;
    for (size_t i = 0; i < r->ninputs && !rc; i++)
        rc = opt_i64(sm_vector_child(c[8], 0), r->input_versions ? r->input_versions[i] : -1, e);
    if (rc || (rc = sm_vector_append_list(c[8], e)))
        return rc;
    if ((rc = opt_str(c[9], r->error, e)))
        return rc;
    return opt_str(c[10], r->checks, e);
}

sm_err_t sm_runlog_append(sm_lake_t *lake, const char *run_id, const sm_run_record_t *recs,
                          size_t n, sm_error_t *e)
{
    if (n == 0)
        return SM_OK;
    sm_type_t *schema = NULL;
    sm_batch_t *b = NULL;
    sm_lake_table_t t = {0};
    sm_delta_write_t *w = NULL;
    sm_err_t rc = sm_type_parse(SCHEMA, strlen(SCHEMA), &schema, e);
    if (!rc)
        rc = sm_batch_new(schema, n, &b, e);
    for (size_t i = 0; !rc && i < n; i++)
        rc = append(b, run_id, &recs[i], e);
    if (!rc)
        rc = sm_batch_sync(b, e);
    if (!rc)
        rc = sm_lake_resolve(lake, "_smelt.runs", &t, e);
    if (!rc) {
        sm_delta_write_opts_t o = {.mode = SM_DELTA_APPEND,
                                   .operation = "WRITE",
                                   .table_name = "runs",
                                   .merge_schema = true, /* logs from before `checks` */
                                   .parquet = {.codec = SM_PQ_CODEC_SNAPPY}};
        rc = sm_delta_write_open(t.store, t.prefix, schema, &o, &w, e);
    }
    if (!rc)
        rc = sm_delta_write_batch(w, b, e);
    if (!rc) {
        sm_delta_write_result_t res;
        rc = sm_delta_write_commit(w, &res, e);
        w = NULL;
    }
    if (rc)
        sm_error_wrap(e, "recording the run in _smelt.runs");
    sm_delta_write_abort(w);
    sm_lake_table_free(&t);
    sm_batch_free(b);
    sm_type_free(schema);
    return rc;
}
