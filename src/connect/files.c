/*
 * connect/files — the chunked input window, format detection, the common
 * batch source over CSV / JSON / Parquet readers, and Parquet conversion
 * (see files.h).
 */
#include <stdio.h>
#include <string.h>

#include "connect/files_int.h"
#include "core/mem.h"
#include "core/str.h"
#include "parquet/reader.h"

struct sm_file_source {
    sm_file_format_t format;
    sm_file_in_t in;
    bool has_in;
    sm_file_reader_t rd;
    sm_pq_reader_t *pq;
    uint64_t rows, bad_rows;
    sm_err_t failed;
    sm_error_t err;
};

/* ---- input window ------------------------------------------------------- */

static void set_name(sm_file_in_t *in, const char *name, const char *key)
{
    if (!name) {
        const char *slash = key ? strrchr(key, '/') : NULL;
        name = slash ? slash + 1 : (key ? key : "input");
    }
    snprintf(in->name, sizeof in->name, "%s", name);
}

static void in_init(sm_file_in_t *in, const char *name, const char *key, size_t chunk,
                    size_t max_record)
{
    memset(in, 0, sizeof *in);
    in->chunk = chunk ? chunk : SM_FILE_DEFAULT_CHUNK;
    in->max_record = max_record ? max_record : SM_FILE_DEFAULT_MAX_RECORD;
    set_name(in, name, key);
}

sm_err_t sm_file_in_open_store(sm_file_in_t *in, sm_store_t *st, const char *key, const char *name,
                               size_t chunk, size_t max_record, sm_error_t *e)
{
    in_init(in, name, key, chunk, max_record);
    in->store = st;
    in->key = sm_strdup(key);
    if (!in->key)
        return sm_error_nomem(e, "file key");
    return SM_OK;
}

sm_err_t sm_file_in_open_mem(sm_file_in_t *in, const void *data, size_t len, const char *name,
                             size_t chunk, size_t max_record, sm_error_t *e)
{
    in_init(in, name ? name : "input", NULL, chunk, max_record);
    in->mem = data;
    in->mem_len = len;
    return SM_OK;
}

sm_err_t sm_file_in_fill(sm_file_in_t *in, sm_error_t *e)
{
    if (in->eof)
        return SM_OK;
    size_t live = in->len - in->pos;
    if (live > in->max_record) /* a record may need one byte of lookahead */
        return SM_ERR_LIMIT;
    if (in->pos > 0) {
        memmove(in->buf, in->buf + in->pos, live);
        in->base += in->pos;
        in->len = live;
        in->pos = 0;
    }
    if (in->cap - in->len < in->chunk) {
        size_t ncap = in->cap ? in->cap * 2 : in->chunk;
        if (ncap < in->len + in->chunk)
            ncap = in->len + in->chunk;
        uint8_t *nb = sm_realloc(in->buf, ncap);
        if (!nb)
            return sm_error_nomem(e, "file read buffer");
        in->buf = nb;
        in->cap = ncap;
    }
    size_t got = 0;
    if (in->store) {
        sm_err_t rc = sm_store_get_range(in->store, in->key, in->next_off, in->chunk,
                                         in->buf + in->len, SM_STORE_SHORT_OK, &got, e);
        if (rc) {
            sm_error_wrap(e, "%s", in->name);
            return rc;
        }
    } else {
        if (in->next_off < in->mem_len) {
            got = in->mem_len - (size_t)in->next_off;
            if (got > in->chunk)
                got = in->chunk;
            memcpy(in->buf + in->len, in->mem + in->next_off, got);
        }
    }
    in->len += got;
    in->next_off += got;
    in->bytes_read += got;
    if (got < in->chunk)
        in->eof = true;
    return SM_OK;
}

void sm_file_in_rewind(sm_file_in_t *in)
{
    in->next_off = 0;
    in->base = 0;
    in->pos = in->len = 0;
    in->eof = false;
}

void sm_file_in_free(sm_file_in_t *in)
{
    sm_free(in->buf);
    sm_free(in->key);
    memset(in, 0, sizeof *in);
}

/* ---- message helpers ---------------------------------------------------- */

void sm_file_quote(char *out, size_t cap, const uint8_t *p, size_t n)
{
    size_t k = 0;
    if (cap < 8)
        return;
    out[k++] = '"';
    size_t show = n > 40 ? 40 : n;
    for (size_t i = 0; i < show && k + 6 < cap; i++) {
        uint8_t c = p[i];
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
            if (c == '"' || c == '\\') {
                out[k++] = '\\';
                out[k++] = (char)c;
            } else {
                k += (size_t)snprintf(out + k, cap - k, "\\x%02x", c);
            }
        } else {
            out[k++] = (char)c;
        }
    }
    if (show < n && k + 5 < cap) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k++] = '"';
    out[k] = 0;
}

bool sm_file_utf8_ok(const uint8_t *p, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n) {
        /* fast path: 8 ASCII bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        while (i < n && p[i] < 0x80)
            i++;
        if (i >= n)
            break;
        size_t len;
        if (sm_str_utf8_decode((const char *)p + i, n - i, &len) < 0) {
            *bad = i;
            return false;
        }
        i += len;
    }
    return true;
}

void sm_file_linecol(const uint8_t *p, size_t off, uint64_t line, uint64_t col, uint64_t *oline,
                     uint64_t *ocol)
{
    for (size_t i = 0; i < off; i++) {
        if (p[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    *oline = line;
    *ocol = col;
}

/* ---- formats ------------------------------------------------------------ */

const char *sm_file_format_name(sm_file_format_t f)
{
    switch (f) {
    case SM_FILE_CSV:
        return "csv";
    case SM_FILE_JSONL:
        return "jsonl";
    case SM_FILE_JSON_ARRAY:
        return "json";
    case SM_FILE_PARQUET:
        return "parquet";
    default:
        return "auto";
    }
}

sm_err_t sm_file_format_parse(const char *name, sm_file_format_t *out, sm_error_t *e)
{
    static const struct {
        const char *n;
        sm_file_format_t f;
    } names[] = {{"auto", SM_FILE_AUTO},
                 {"csv", SM_FILE_CSV},
                 {"tsv", SM_FILE_CSV},
                 {"jsonl", SM_FILE_JSONL},
                 {"ndjson", SM_FILE_JSONL},
                 {"json", SM_FILE_JSON_ARRAY},
                 {"json_array", SM_FILE_JSON_ARRAY},
                 {"parquet", SM_FILE_PARQUET}};
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++) {
        if (sm_str_eq_nocase(sm_str_c(name), sm_str_c(names[i].n))) {
            *out = names[i].f;
            return SM_OK;
        }
    }
    return sm_error_set(e, SM_ERR_INVALID,
                        "unknown file format \"%s\" (expected csv, jsonl, json or parquet)",
                        name ? name : "");
}

static bool ends_with(const char *key, const char *ext)
{
    return sm_str_ends_with_nocase(sm_str_c(key), sm_str_c(ext));
}

sm_err_t sm_file_format_detect(sm_store_t *st, const char *key, sm_file_format_t *out,
                               sm_error_t *e)
{
    if (ends_with(key, ".csv") || ends_with(key, ".tsv") || ends_with(key, ".txt")) {
        *out = SM_FILE_CSV;
    } else if (ends_with(key, ".jsonl") || ends_with(key, ".ndjson")) {
        *out = SM_FILE_JSONL;
    } else if (ends_with(key, ".parquet") || ends_with(key, ".parq")) {
        *out = SM_FILE_PARQUET;
    } else if (ends_with(key, ".json")) {
        *out = SM_FILE_JSONL;
        if (st) {
            uint8_t head[256];
            size_t got = 0;
            sm_err_t rc =
                sm_store_get_range(st, key, 0, sizeof head, head, SM_STORE_SHORT_OK, &got, e);
            if (rc)
                return rc;
            size_t i = got >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
            while (i < got && sm_str_isspace_ascii(head[i]))
                i++;
            if (i < got && head[i] == '[')
                *out = SM_FILE_JSON_ARRAY;
        }
    } else {
        return sm_error_set(e, SM_ERR_UNSUPPORTED,
                            "%s: unknown file type (expected .csv, .tsv, .jsonl, .ndjson, .json "
                            "or .parquet)",
                            key);
    }
    return SM_OK;
}

/* ---- the source --------------------------------------------------------- */

static sm_err_t resolve_opts(const sm_file_opts_t *opts, const char *key, sm_file_ropts_t *ro,
                             sm_error_t *e)
{
    memset(ro, 0, sizeof *ro);
    if (opts)
        ro->o = *opts;
    sm_file_opts_t *o = &ro->o;
    if (!o->infer_rows)
        o->infer_rows = SM_FILE_DEFAULT_INFER_ROWS;
    if (!o->batch_rows)
        o->batch_rows = SM_BATCH_ROWS;
    if (!o->chunk_bytes)
        o->chunk_bytes = SM_FILE_DEFAULT_CHUNK;
    if (!o->max_record_bytes)
        o->max_record_bytes = SM_FILE_DEFAULT_MAX_RECORD;
    if (!o->max_field_bytes || o->max_field_bytes > o->max_record_bytes)
        o->max_field_bytes = o->max_record_bytes;
    if (!o->max_columns)
        o->max_columns = SM_FILE_DEFAULT_MAX_COLUMNS;
    if (!o->delimiter)
        o->delimiter = key && ends_with(key, ".tsv") ? '\t' : ',';
    if (!o->quote)
        o->quote = '"';
    if (o->no_quote)
        o->quote = 0;
    const char *nv = o->null_value ? o->null_value : "";
    ro->null_value = sm_strdup(nv);
    if (!ro->null_value)
        return sm_error_nomem(e, "file options");
    ro->null_len = strlen(nv);
    o->null_value = NULL;
    o->schema = NULL;
    o->name = NULL;
    char d = o->delimiter;
    if (d == '\n' || d == '\r' || (o->quote && d == o->quote) || (o->escape && d == o->escape) ||
        (o->comment && d == o->comment))
        return sm_error_set(e, SM_ERR_INVALID,
                            "CSV delimiter must differ from line breaks, quote, escape and "
                            "comment characters");
    if (o->quote == '\n' || o->quote == '\r' || o->escape == '\n' || o->escape == '\r')
        return sm_error_set(e, SM_ERR_INVALID, "CSV quote and escape cannot be line breaks");
    if (opts && opts->schema && opts->schema->kind != SM_TYPE_STRUCT)
        return sm_error_set(e, SM_ERR_INVALID, "file schema must be a STRUCT type");
    return SM_OK;
}

static sm_err_t open_text(sm_file_source_t *src, const sm_file_opts_t *opts, const char *key,
                          sm_error_t *e)
{
    sm_file_ropts_t ro;
    sm_err_t rc = resolve_opts(opts, key, &ro, e);
    if (rc)
        goto out;
    sm_type_t *schema = opts ? opts->schema : NULL;
    if (src->format == SM_FILE_CSV)
        rc = sm_csv_reader_open(&src->in, &ro, schema, &src->rd, e);
    else
        rc = sm_jsonl_reader_open(&src->in, &ro, schema, src->format == SM_FILE_JSON_ARRAY,
                                  &src->rd, e);
    src->has_in = false; /* the reader took it over (and freed it on failure) */
out:
    sm_free(ro.null_value);
    return rc;
}

static sm_err_t source_new(sm_file_format_t format, sm_file_source_t **out, sm_error_t *e)
{
    *out = sm_calloc(1, sizeof **out);
    if (!*out)
        return sm_error_nomem(e, "file source");
    (*out)->format = format;
    return SM_OK;
}

sm_err_t sm_file_source_open(sm_store_t *st, const char *key, sm_file_format_t format,
                             const sm_file_opts_t *opts, sm_file_source_t **out, sm_error_t *e)
{
    sm_file_source_t *src = NULL;
    sm_err_t rc;
    *out = NULL;
    if (format == SM_FILE_AUTO && (rc = sm_file_format_detect(st, key, &format, e)))
        return rc;
    if ((rc = source_new(format, &src, e)))
        return rc;
    if (format == SM_FILE_PARQUET) {
        rc = sm_pq_reader_open(st, key, NULL, &src->pq, e);
        goto out;
    }
    size_t chunk = opts && opts->chunk_bytes ? opts->chunk_bytes : 0;
    size_t maxr = opts && opts->max_record_bytes ? opts->max_record_bytes : 0;
    rc = sm_file_in_open_store(&src->in, st, key, opts ? opts->name : NULL, chunk, maxr, e);
    src->has_in = true;
    if (!rc)
        rc = open_text(src, opts, key, e);
out:
    if (rc) {
        sm_file_source_close(src);
        return rc;
    }
    *out = src;
    return SM_OK;
}

sm_err_t sm_file_source_open_mem(const void *data, size_t len, const char *name,
                                 sm_file_format_t format, const sm_file_opts_t *opts,
                                 sm_file_source_t **out, sm_error_t *e)
{
    sm_file_source_t *src = NULL;
    sm_err_t rc;
    *out = NULL;
    if (format != SM_FILE_CSV && format != SM_FILE_JSONL && format != SM_FILE_JSON_ARRAY)
        return sm_error_set(e, SM_ERR_INVALID, "in-memory sources are CSV or JSON only");
    if ((rc = source_new(format, &src, e)))
        return rc;
    size_t chunk = opts && opts->chunk_bytes ? opts->chunk_bytes : 0;
    size_t maxr = opts && opts->max_record_bytes ? opts->max_record_bytes : 0;
    const char *nm = opts && opts->name ? opts->name : name;
    rc = sm_file_in_open_mem(&src->in, data, len, nm, chunk, maxr, e);
    src->has_in = true;
    if (!rc)
        rc = open_text(src, opts, nm, e);
    if (rc) {
        sm_file_source_close(src);
        return rc;
    }
    *out = src;
    return SM_OK;
}

sm_type_t *sm_file_source_schema(const sm_file_source_t *src)
{
    return src->pq ? sm_pq_reader_schema(src->pq) : src->rd.schema;
}

sm_err_t sm_file_source_next(sm_file_source_t *src, sm_batch_t **out, sm_error_t *e)
{
    *out = NULL;
    if (src->failed) {
        if (e)
            *e = src->err;
        return src->failed;
    }
    sm_err_t rc = src->pq ? sm_pq_reader_next(src->pq, out, &src->err)
                          : src->rd.next(src->rd.self, out, &src->err);
    if (rc) {
        src->failed = rc;
        if (e)
            *e = src->err;
        return rc;
    }
    if (*out)
        src->rows += (*out)->nrows;
    return SM_OK;
}

uint64_t sm_file_source_rows(const sm_file_source_t *src)
{
    return src->rows;
}

uint64_t sm_file_source_bad_rows(const sm_file_source_t *src)
{
    return src->rd.bad_rows ? *src->rd.bad_rows : 0;
}

uint64_t sm_file_source_bytes_read(const sm_file_source_t *src)
{
    if (src->pq)
        return sm_pq_reader_bytes_read(src->pq);
    return src->rd.self ? ((const sm_file_in_t *)src->rd.self)->bytes_read : 0;
}

sm_file_format_t sm_file_source_format(const sm_file_source_t *src)
{
    return src->format;
}

void sm_file_source_close(sm_file_source_t *src)
{
    if (!src)
        return;
    if (src->pq)
        sm_pq_reader_close(src->pq);
    if (src->rd.close)
        src->rd.close(src->rd.self);
    if (src->has_in)
        sm_file_in_free(&src->in);
    sm_free(src);
}

/* ---- conversion --------------------------------------------------------- */

sm_err_t sm_file_convert_ex(sm_store_t *in_store, const char *in_key, sm_file_format_t format,
                            const sm_file_opts_t *opts, sm_store_t *out_store, const char *out_key,
                            const sm_pq_writer_opts_t *wopts, uint64_t *rows, sm_error_t *e)
{
    sm_file_source_t *src = NULL;
    sm_pq_writer_t *w = NULL;
    sm_batch_t *b = NULL;
    sm_err_t rc = sm_file_source_open(in_store, in_key, format, opts, &src, e);
    if (rc)
        goto out;
    rc = sm_pq_writer_open(out_store, out_key, sm_file_source_schema(src), wopts, &w, e);
    if (rc) {
        sm_error_wrap(e, "%s", out_key);
        goto out;
    }
    for (;;) {
        if ((rc = sm_file_source_next(src, &b, e)) || !b)
            break;
        rc = sm_pq_writer_write(w, b, e);
        sm_batch_free(b);
        b = NULL;
        if (rc) {
            sm_error_wrap(e, "%s", out_key);
            break;
        }
    }
    if (!rc && (rc = sm_pq_writer_close(w, NULL, e)))
        sm_error_wrap(e, "%s", out_key);
    if (!rc && rows)
        *rows = sm_file_source_rows(src);
out:
    sm_pq_writer_free(w);
    sm_file_source_close(src);
    return rc;
}

sm_err_t sm_file_convert(sm_store_t *in_store, const char *in_key, sm_store_t *out_store,
                         const char *out_key, const sm_pq_writer_opts_t *wopts, sm_error_t *e)
{
    return sm_file_convert_ex(in_store, in_key, SM_FILE_AUTO, NULL, out_store, out_key, wopts, NULL,
                              e);
}
