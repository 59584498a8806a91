/* smelt parquet — look inside Parquet files: inspect (schema, row groups,
 * encodings, codecs, statistics) and cat (the rows); convert CSV, JSON or
 * Parquet into Parquet. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/output.h"
#include "connect/files.h"
#include "core/mem.h"
#include "parquet/meta.h"
#include "parquet/reader.h"
#include "parquet/schema.h"

/* Splits PATH into a store (its directory) and a key. */
static sm_err_t open_file(const char *path, sm_store_t **st, const char **key, sm_error_t *e)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    *key = slash ? strrchr(path, '/') + 1 : path;
    if (slash == dir)
        snprintf(dir, sizeof dir, "/");
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    return sm_store_open(dir, st, e);
}

static void stat_text(const sm_pq_leaf_t *leaf, const sm_pq_bytes_t *b, char *out, size_t cap)
{
    if (!b->ptr) {
        snprintf(out, cap, "-");
        return;
    }
    int64_t v = 0;
    switch (leaf->physical) {
    case SM_PQ_INT32:
        if (b->len == 4) {
            int32_t x;
            memcpy(&x, b->ptr, 4);
            v = x;
        }
        snprintf(out, cap, "%" PRId64, v);
        return;
    case SM_PQ_INT64:
        if (b->len == 8)
            memcpy(&v, b->ptr, 8);
        snprintf(out, cap, "%" PRId64, v);
        return;
    case SM_PQ_DOUBLE:
    case SM_PQ_FLOAT: {
        double d = 0;
        if (b->len == 8)
            memcpy(&d, b->ptr, 8);
        else if (b->len == 4) {
            float f;
            memcpy(&f, b->ptr, 4);
            d = f;
        }
        snprintf(out, cap, "%.17g", d);
        return;
    }
    case SM_PQ_BYTE_ARRAY:
        if (leaf->type->kind == SM_TYPE_STRING) {
            snprintf(out, cap, "%.*s", (int)(b->len > 40 ? 40 : b->len), (const char *)b->ptr);
            return;
        }
        /* fall through */
    default: {
        size_t n = 0;
        for (size_t i = 0; i < b->len && i < 16 && n + 3 < cap; i++)
            n += (size_t)snprintf(out + n, cap - n, "%02x", b->ptr[i]);
        if (n == 0)
            snprintf(out, cap, "''");
        return;
    }
    }
}

static int inspect(const char *path, int format)
{
    sm_error_t e;
    sm_store_t *st = NULL;
    const char *key;
    sm_pq_reader_t *r = NULL;
    sm_batch_t *b = NULL;
    int status = SM_EXIT_OK;
    if (open_file(path, &st, &key, &e) || sm_pq_reader_open(st, key, NULL, &r, &e)) {
        status = sm_cli_fail("parquet inspect", &e);
        goto out;
    }
    const sm_pq_file_meta_t *fm = sm_pq_reader_meta(r);
    const sm_pq_schema_t *ps = sm_pq_reader_file_schema(r);
    if (format == SM_PRINT_TABLE) {
        char type[512];
        sm_type_name(ps->type, type, sizeof type);
        printf("%s\n  rows %" PRId64 ", %u row groups, created by %s\n  schema %s\n", path,
               fm->num_rows, fm->num_row_groups, fm->created_by ? fm->created_by : "(unknown)",
               type);
        for (uint32_t i = 0; i < fm->num_kv; i++)
            printf("  metadata %s = %.60s%s\n", fm->kv[i].key,
                   fm->kv[i].value ? fm->kv[i].value : "",
                   fm->kv[i].value && fm->kv[i].value_len > 60 ? "..." : "");
    }
    b = sm_cli_batch("parquet inspect",
                     "struct<row_group:int,column:string,physical:string,logical:string,"
                     "codec:string,encodings:string,values:bigint,nulls:bigint,"
                     "compressed:bigint,uncompressed:bigint,min:string,max:string>");
    if (!b) {
        status = SM_EXIT_FAIL;
        goto out;
    }
    for (uint32_t g = 0; g < fm->num_row_groups; g++) {
        const sm_pq_row_group_t *rg = &fm->row_groups[g];
        for (uint32_t c = 0; c < rg->num_columns && c < ps->nleaves; c++) {
            const sm_pq_column_meta_t *m = &rg->columns[c].meta_data;
            const sm_pq_leaf_t *leaf = &ps->leaves[c];
            char rgs[16], logical[64], encs[128] = "", vals[32], nulls[32] = "", comp[32], unc[32];
            char mn[128], mx[128];
            snprintf(rgs, sizeof rgs, "%u", g);
            sm_pq_logical_format(&leaf->elem->logical, logical, sizeof logical);
            size_t n = 0;
            for (uint32_t k = 0; k < m->num_encodings && n + 2 < sizeof encs; k++)
                n += (size_t)snprintf(encs + n, sizeof encs - n, "%s%s", k ? " " : "",
                                      sm_pq_encoding_name(m->encodings[k]));
            snprintf(vals, sizeof vals, "%" PRId64, m->num_values);
            bool has_nulls = m->has_statistics && m->statistics.has_null_count;
            if (has_nulls)
                snprintf(nulls, sizeof nulls, "%" PRId64, m->statistics.null_count);
            snprintf(comp, sizeof comp, "%" PRId64, m->total_compressed_size);
            snprintf(unc, sizeof unc, "%" PRId64, m->total_uncompressed_size);
            const sm_pq_stats_t *s = &m->statistics;
            sm_pq_bytes_t none = {0};
            stat_text(leaf, m->has_statistics && s->has_min_value ? &s->min_value : &none, mn,
                      sizeof mn);
            stat_text(leaf, m->has_statistics && s->has_max_value ? &s->max_value : &none, mx,
                      sizeof mx);
            const char *cells[] = {rgs,
                                   leaf->path,
                                   sm_pq_type_name(leaf->physical),
                                   logical,
                                   sm_pq_codec_name(m->codec),
                                   encs,
                                   vals,
                                   has_nulls ? nulls : NULL,
                                   comp,
                                   unc,
                                   mn,
                                   mx};
            if (sm_batch_append_row(b, cells, &e)) {
                status = sm_cli_fail("parquet inspect", &e);
                goto out;
            }
        }
    }
    status = sm_cli_print("parquet inspect", format, b->schema, (const sm_batch_t *const *)&b, 1);
out:
    sm_batch_free(b);
    sm_pq_reader_close(r);
    sm_store_close(st);
    return status;
}

static int cat(const char *path, int format, const char *columns, long limit)
{
    sm_error_t e;
    sm_store_t *st = NULL;
    const char *key;
    sm_pq_reader_t *r = NULL;
    int status = SM_EXIT_OK;
    const char *names[256];
    size_t ncols = 0;
    char *cols = columns ? sm_strdup(columns) : NULL;
    for (char *tok = cols ? strtok(cols, ",") : NULL; tok && ncols < 256; tok = strtok(NULL, ","))
        names[ncols++] = tok;
    sm_pq_reader_opts_t ro = {.columns = ncols ? names : NULL, .ncolumns = ncols};
    sm_batch_t **batches = NULL;
    size_t nb = 0;
    long rows = 0;
    sm_batch_t *whole = NULL; /* the batch the last (limited) slice borrows from */
    if (open_file(path, &st, &key, &e) || sm_pq_reader_open(st, key, &ro, &r, &e)) {
        status = sm_cli_fail("parquet cat", &e);
        goto out;
    }
    for (;;) {
        sm_batch_t *b = NULL;
        if (sm_pq_reader_next(r, &b, &e)) {
            status = sm_cli_fail("parquet cat", &e);
            goto out;
        }
        if (!b)
            break;
        if (limit >= 0 && rows + (long)b->nrows > limit) {
            sm_batch_t *s = NULL;
            if (sm_batch_slice(b, 0, (size_t)(limit - rows), &s, &e)) {
                sm_batch_free(b);
                status = sm_cli_fail("parquet cat", &e);
                goto out;
            }
            whole = b; /* freed after the slice is printed */
            b = s;
        }
        rows += (long)b->nrows;
        if (format != SM_PRINT_TABLE) { /* stream csv/json */
            bool first = nb == 0 && rows == (long)b->nrows;
            sm_buf_t buf = SM_BUF_INIT;
            sm_err_t rc = format == SM_PRINT_CSV
                              ? ((first ? sm_print_csv_header(b->schema, &buf, &e) : SM_OK) ||
                                 sm_print_csv_rows(b, &buf, &e))
                              : sm_print_json_rows(b, &buf, &e);
            if (!rc)
                fwrite(buf.data ? (void *)buf.data : "", 1, buf.len, stdout);
            sm_buf_free(&buf);
            sm_batch_free(b);
            if (rc) {
                status = sm_cli_fail("parquet cat", &e);
                goto out;
            }
        } else {
            sm_batch_t **nbs = sm_realloc(batches, (nb + 1) * sizeof *nbs);
            if (!nbs) {
                sm_batch_free(b);
                sm_error_nomem(&e, "batches");
                status = sm_cli_fail("parquet cat", &e);
                goto out;
            }
            batches = nbs;
            batches[nb++] = b;
        }
        if (limit >= 0 && rows >= limit)
            break;
    }
    if (format == SM_PRINT_TABLE)
        status = sm_cli_print("parquet cat", format, sm_pq_reader_schema(r),
                              (const sm_batch_t *const *)batches, nb);
out:
    for (size_t i = 0; i < nb; i++)
        sm_batch_free(batches[i]);
    sm_batch_free(whole);
    sm_free(batches);
    sm_free(cols);
    sm_pq_reader_close(r);
    sm_store_close(st);
    return status;
}

static int convert(const char *in, const char *out, const char *codec)
{
    sm_error_t e;
    sm_store_t *ist = NULL, *ost = NULL;
    const char *ikey, *okey;
    sm_pq_writer_opts_t wo = {.codec = SM_PQ_CODEC_SNAPPY};
    uint64_t rows = 0;
    int status = SM_EXIT_OK;
    if ((codec && sm_pq_codec_from_name(codec, &wo.codec, &e)) || open_file(in, &ist, &ikey, &e) ||
        open_file(out, &ost, &okey, &e) ||
        sm_file_convert_ex(ist, ikey, 0, NULL, ost, okey, &wo, &rows, &e))
        status = sm_cli_fail("parquet convert", &e);
    else
        fprintf(stderr, "smelt parquet convert: %llu rows written to %s\n",
                (unsigned long long)rows, out);
    sm_store_close(ist);
    sm_store_close(ost);
    return status;
}

int sm_cmd_parquet(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"columns", required_argument, NULL, 'c'},
                                         {"limit", required_argument, NULL, 'n'},
                                         {"compression", required_argument, NULL, 'z'},
                                         {NULL, 0, NULL, 0}};
    int c, format = SM_PRINT_TABLE;
    const char *columns = NULL, *codec = NULL;
    long limit = -1;
    (void)ctx;
    while ((c = sm_cli_getopt("parquet", argc, argv, "hf:c:n:z:", opts)) != -1) {
        if (c == 'h') {
            printf("usage: smelt parquet inspect [--format table|csv|json] FILE\n"
                   "       smelt parquet cat [--format table|csv|json] [--columns a,b] [--limit N] "
                   "FILE\n"
                   "       smelt parquet convert [--compression snappy|zstd|gzip|none] IN OUT\n\n"
                   "inspect shows a file's schema, row groups and per-column encodings, codec,\n"
                   "sizes and statistics; cat prints its rows (table by default; csv and json\n"
                   "stream); convert writes IN (CSV, JSON lines, a JSON array or Parquet, by\n"
                   "extension; schema inferred) as the Parquet file OUT, streaming.\n");
            return SM_EXIT_OK;
        }
        if (c == 'f' && (format = sm_cli_format("parquet", optarg)) >= 0)
            continue;
        if (c == 'c') {
            columns = optarg;
            continue;
        }
        if (c == 'z') {
            codec = optarg;
            continue;
        }
        if (c == 'n') {
            char *end;
            limit = strtol(optarg, &end, 10);
            if (*end || limit < 0)
                return sm_cli_usage_error("parquet", "--limit takes a number, not \"%s\"", optarg);
            continue;
        }
        return SM_EXIT_USAGE;
    }
    if (argc - optind == 3 && strcmp(argv[optind], "convert") == 0)
        return convert(argv[optind + 1], argv[optind + 2], codec);
    if (argc - optind != 2)
        return sm_cli_usage_error("parquet", "expected inspect FILE, cat FILE or convert IN OUT");
    const char *sub = argv[optind], *path = argv[optind + 1];
    if (strcmp(sub, "inspect") == 0)
        return inspect(path, format);
    if (strcmp(sub, "cat") == 0)
        return cat(path, format, columns, limit);
    return sm_cli_usage_error("parquet", "unknown subcommand \"%s\" (inspect, cat, convert)", sub);
}
