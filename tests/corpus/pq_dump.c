/*
 * pq_dump — prints every row of a Parquet file read by smelt's reader as
 * one JSON object per line, in the canonical rendering that
 * tests/corpus/pq_compare.py also produces from pyarrow:
 *   null, true/false, integers as numbers, floats with %.17g (NaN,
 *   Infinity, -Infinity as strings), decimals as exact strings, dates as
 *   day numbers, timestamps as microseconds, strings as JSON strings,
 *   binary as hex strings, lists as arrays, structs as objects, maps as
 *   arrays of [key, value].
 *
 *   pq_dump [--batch N] [--no-crc] [--columns a,b] FILE
 * Exit status 0 on success; 1 with "error: <message>" on stderr.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/mem.h"
#include "parquet/reader.h"

static void put_str(const uint8_t *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void put_double(double d)
{
    if (isnan(d))
        printf("\"NaN\"");
    else if (isinf(d))
        printf(d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else
        printf("%.17g", d);
}

static void put_decimal(sm_i128 v, int scale)
{
    char digits[64];
    int n = 0;
    bool neg = v < 0;
    sm_u128 u = neg ? (sm_u128)0 - (sm_u128)v : (sm_u128)v;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    while (n <= scale)
        digits[n++] = '0';
    putchar('"');
    if (neg)
        putchar('-');
    for (int i = n - 1; i >= 0; i--) {
        putchar(digits[i]);
        if (i == scale && scale > 0)
            putchar('.');
    }
    putchar('"');
}

static void put_value(const sm_vector_t *v, size_t i)
{
    if (sm_vector_is_null(v, i)) {
        printf("null");
        return;
    }
    size_t len, a, b;
    const uint8_t *p;
    switch (v->type->kind) {
    case SM_TYPE_NULL:
        printf("null");
        break;
    case SM_TYPE_BOOL:
        printf(sm_vector_get_bool(v, i) ? "true" : "false");
        break;
    case SM_TYPE_INT8:
        printf("%d", sm_vector_get_i8(v, i));
        break;
    case SM_TYPE_INT16:
        printf("%d", sm_vector_get_i16(v, i));
        break;
    case SM_TYPE_INT32:
    case SM_TYPE_DATE:
        printf("%" PRId32, sm_vector_get_i32(v, i));
        break;
    case SM_TYPE_INT64:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        printf("%" PRId64, sm_vector_get_i64(v, i));
        break;
    case SM_TYPE_FLOAT32:
        put_double(sm_vector_get_f32(v, i));
        break;
    case SM_TYPE_FLOAT64:
        put_double(sm_vector_get_f64(v, i));
        break;
    case SM_TYPE_DECIMAL:
        put_decimal(sm_vector_get_i128(v, i), v->type->scale);
        break;
    case SM_TYPE_STRING:
        p = sm_vector_get_bytes(v, i, &len);
        put_str(p, len);
        break;
    case SM_TYPE_BINARY:
        p = sm_vector_get_bytes(v, i, &len);
        putchar('"');
        for (size_t k = 0; k < len; k++)
            printf("%02x", p[k]);
        putchar('"');
        break;
    case SM_TYPE_STRUCT:
        putchar('{');
        for (uint32_t k = 0; k < v->nchildren; k++) {
            if (k)
                putchar(',');
            const char *name = v->type->fields[k].name;
            put_str((const uint8_t *)name, strlen(name));
            putchar(':');
            put_value(v->children[k], i);
        }
        putchar('}');
        break;
    case SM_TYPE_LIST:
        sm_vector_list_range(v, i, &a, &b);
        putchar('[');
        for (size_t k = a; k < b; k++) {
            if (k > a)
                putchar(',');
            put_value(v->children[0], k);
        }
        putchar(']');
        break;
    case SM_TYPE_MAP: {
        sm_vector_list_range(v, i, &a, &b);
        const sm_vector_t *ent = v->children[0];
        putchar('[');
        for (size_t k = a; k < b; k++) {
            if (k > a)
                putchar(',');
            putchar('[');
            put_value(ent->children[0], k);
            putchar(',');
            put_value(ent->children[1], k);
            putchar(']');
        }
        putchar(']');
        break;
    }
    default:
        printf("\"?\"");
        break;
    }
}

int main(int argc, char **argv)
{
    sm_pq_reader_opts_t o = {.verify_crc = true};
    const char *path = NULL;
    char *cols[256];
    size_t ncols = 0;
    char *colbuf = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--batch") && i + 1 < argc) {
            o.batch_rows = (size_t)strtoul(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--no-crc")) {
            o.verify_crc = false;
        } else if (!strcmp(argv[i], "--columns") && i + 1 < argc) {
            colbuf = strdup(argv[++i]);
            for (char *t = strtok(colbuf, ","); t && ncols < 256; t = strtok(NULL, ","))
                cols[ncols++] = t;
            o.columns = (const char *const *)cols;
            o.ncolumns = ncols;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        fprintf(stderr, "usage: pq_dump [--batch N] [--no-crc] [--columns a,b] FILE\n");
        return 2;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "error: cannot open %s\n", path);
        return 1;
    }
    struct stat stt;
    fstat(fileno(f), &stt);
    size_t size = (size_t)stt.st_size;
    uint8_t *data = malloc(size ? size : 1);
    if (!data || fread(data, 1, size, f) != size) {
        fprintf(stderr, "error: cannot read %s\n", path);
        return 1;
    }
    fclose(f);
    sm_error_t e = {0};
    sm_pq_reader_t *r = NULL;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    sm_err_t rc = sm_pq_reader_open_mem(data, size, base, &o, &r, &e);
    int status = 0;
    while (!rc) {
        sm_batch_t *b = NULL;
        rc = sm_pq_reader_next(r, &b, &e);
        if (rc || !b)
            break;
        for (size_t i = 0; i < b->nrows; i++) {
            putchar('{');
            for (size_t c = 0; c < b->ncols; c++) {
                if (c)
                    putchar(',');
                const char *name = b->schema->fields[c].name;
                put_str((const uint8_t *)name, strlen(name));
                putchar(':');
                put_value(b->cols[c], i);
            }
            printf("}\n");
        }
        sm_batch_free(b);
    }
    if (rc) {
        fflush(stdout);
        fprintf(stderr, "error: %s\n", e.msg);
        status = 1;
    }
    sm_pq_reader_close(r);
    free(data);
    free(colbuf);
    return status;
}
