/*
 * columnar/print — batches as text for people and for other programs.
 *
 * Three formats, all appended to an sm_buf_t so the caller picks the
 * destination (a terminal, a file, an HTTP body):
 *
 *   table  an aligned grid with ASCII borders (psql/DuckDB style), header
 *          row of column names, numbers right-aligned, other values left,
 *          NULL shown as NULL, display widths counted in terminal columns
 *          (UTF-8 aware: wide CJK/emoji count 2, combining marks 0),
 *          cells longer than max_width cut with "…", control characters
 *          shown as \n \t \r \xNN, and a "(N rows)" footer:
 *              +----+-------+
 *              | id | name  |
 *              +----+-------+
 *              |  1 | alice |
 *              |  2 | NULL  |
 *              +----+-------+
 *              (2 rows)
 *          Widths need every row first, so the table takes an array of
 *          batches (the caller decides how many rows to buffer).
 *   csv    RFC 4180 quoting (a field with , " CR LF, leading or trailing
 *          space, or an empty string is quoted, quotes doubled), a header
 *          row, LF line ends, NULL as an empty field (so "" is the empty
 *          string).  Streams batch by batch.
 *   json   JSON lines: one object per row, keys in column order, NULL as
 *          null.  Streams batch by batch.
 *
 * Value forms (sm_print_value):
 *   kind          TEXT (table; Spark show())   CSV            JSON
 *   boolean       true                          true           true
 *   integers      42                            42             42
 *   float/double  0.1, 1.0E10, NaN              same           0.1, "NaN"
 *   decimal       123.45 (exact scale)          same           123.45
 *   date          2024-01-31                    same           "2024-01-31"
 *   timestamp     2024-01-31 10:00:00.5         2024-01-31T10:00:00.5Z (both)
 *   timestamp_ntz 2024-01-31 10:00:00.5         2024-01-31T10:00:00.5 (both)
 *   string        as is                         as is          "escaped"
 *   binary        [48 69] (hex)                 base64         "base64"
 *   struct        {1, a}                        JSON           {"x":1,"y":"a"}
 *   array         [1, 2]                        JSON           [1,2]
 *   map           {a -> 1, b -> 2}              JSON           {"a":1,"b":2}
 *   NULL          NULL (null inside nested)     empty          null
 * JSON strings escape " \ and control characters (\n, \u001f...); invalid
 * UTF-8 becomes U+FFFD.  Map keys in JSON are the keys' TEXT form.
 *
 * Threads: reentrant; the batches are only read.
 */
#ifndef SM_COLUMNAR_PRINT_H
#define SM_COLUMNAR_PRINT_H

#include <stdbool.h>
#include <stddef.h>

#include "columnar/batch.h"
#include "core/buf.h"
#include "core/err.h"

#define SM_PRINT_DEFAULT_WIDTH 40

typedef enum sm_print_format {
    SM_PRINT_TABLE,
    SM_PRINT_CSV,
    SM_PRINT_JSON,
} sm_print_format_t;

typedef enum sm_print_style {
    SM_PRINT_STYLE_TEXT, /* table cells: Spark's show() forms */
    SM_PRINT_STYLE_CSV,  /* a CSV field before quoting */
    SM_PRINT_STYLE_JSON, /* a JSON value */
} sm_print_style_t;

typedef struct sm_print_opts {
    size_t max_width; /* table: widest cell, in columns (>= 2); 0 = default */
    bool no_header;   /* table, csv: leave out the header row */
    bool no_footer;   /* table: leave out the "(N rows)" line */
} sm_print_opts_t;

/* The rows of nbatches batches (all with schema `schema`, a STRUCT) as a
 * table.  opts may be NULL.  SM_ERR_INVALID when a batch's column count
 * differs from the schema; buffer errors (SM_ERR_NOMEM, SM_ERR_LIMIT).
 * On failure out may hold part of the table. */
sm_err_t sm_print_table(const sm_type_t *schema, const sm_batch_t *const *batches, size_t nbatches,
                        const sm_print_opts_t *opts, sm_buf_t *out, sm_error_t *e);

/* The CSV header line of schema's column names. */
sm_err_t sm_print_csv_header(const sm_type_t *schema, sm_buf_t *out, sm_error_t *e);
/* The rows of b as CSV lines (no header). */
sm_err_t sm_print_csv_rows(const sm_batch_t *b, sm_buf_t *out, sm_error_t *e);
/* The rows of b as JSON lines. */
sm_err_t sm_print_json_rows(const sm_batch_t *b, sm_buf_t *out, sm_error_t *e);

/* Any format at once: the table, or the CSV header (unless
 * opts->no_header) and rows, or the JSON lines of every batch. */
sm_err_t sm_print_batches(sm_print_format_t format, const sm_type_t *schema,
                          const sm_batch_t *const *batches, size_t nbatches,
                          const sm_print_opts_t *opts, sm_buf_t *out, sm_error_t *e);

/* Appends row i of v in a style (see the table above). */
sm_err_t sm_print_value(const sm_vector_t *v, size_t i, sm_print_style_t style, sm_buf_t *out,
                        sm_error_t *e);

/* Appends s (n bytes) as a JSON string literal with quotes. */
sm_err_t sm_print_json_string(const void *s, size_t n, sm_buf_t *out, sm_error_t *e);
/* Appends n bytes as base64 (RFC 4648, padded). */
sm_err_t sm_print_base64(const void *p, size_t n, sm_buf_t *out, sm_error_t *e);

/* Terminal columns taken by n bytes of UTF-8 (invalid bytes count 1). */
size_t sm_print_display_width(const char *s, size_t n);

#endif
