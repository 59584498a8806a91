/*
 * connect/files — file sources: CSV, JSON lines, JSON arrays and Parquet
 * objects as one stream of columnar batches, and `smelt parquet convert`.
 *
 * What it is for: the SQL table functions read_csv / read_json /
 * read_parquet, bronze ingestion of files, and converting any of them to
 * Parquet.  Files are objects of an sm_store_t (local disk or S3) read in
 * chunks (default 1 MiB) through sm_store_get_range, so memory stays about
 * one chunk + the longest record + one batch, whatever the file's size.
 *
 * Formats (sm_file_format_t; SM_FILE_AUTO picks by the key's extension:
 * .csv .tsv(tab) .txt → CSV, .jsonl .ndjson → JSON lines, .json → a JSON
 * array when its first non-blank byte is '[' else JSON lines, .parquet
 * .parq → Parquet; anything else is SM_ERR_UNSUPPORTED):
 *
 * CSV (RFC 4180, csv_*.c): records end at LF, CRLF or a lone CR; fields
 *   are split on `delimiter`; a field that starts with `quote` runs to the
 *   closing quote and may hold delimiters, quotes (doubled, or preceded by
 *   `escape` when set) and line breaks; a quote inside an unquoted field is
 *   an ordinary byte.  After a closing quote only a delimiter or the end of
 *   the record may follow (else an error).  A UTF-8 byte order mark at the
 *   start is skipped; empty lines and lines starting with `comment` (when
 *   set) are skipped; the last record may lack its line break.  An unquoted
 *   field equal to null_value (default "": an empty unquoted field) is
 *   NULL; a quoted field never is ("" is the empty string), except that an
 *   empty field is NULL for every non-string column.  Header (default on):
 *   the first record names the columns (an empty name becomes _c<i>, a
 *   repeated one gets _<i> appended); without it columns are _c0, _c1, ...
 *   as in Spark.  A trailing delimiter on the header (last name empty)
 *   drops that column, and then data rows may carry one extra empty field.
 *   Every row must have as many fields as there are columns.  The bytes
 *   must be UTF-8 (checked for every record).
 *
 *   Schema inference (no explicit schema): the first infer_rows records
 *   (default 10,000; the whole file if smaller) are sampled and each
 *   column gets the narrowest type of this list that holds all of its
 *   non-NULL values, following Spark's CSV inference:
 *     boolean    true / false (any case) only
 *     int        [+-]digits within int32
 *     bigint     [+-]digits within int64
 *     double     other decimal numbers ("1.5", "1e3", "-.5"); NaN/Infinity
 *                stay strings
 *     date       yyyy-MM-dd exactly (4-digit year)
 *     timestamp  yyyy-MM-dd[T ]HH:MM[:SS[.f]][zone] (ISO-8601; a value
 *                without a zone is taken as UTC, Spark's session zone here)
 *     string     anything else
 *   Widening: int → bigint → double; date + timestamp → timestamp; any
 *   other mix (boolean + int, number + date) → string; a column whose
 *   sampled values are all NULL → string.  Rows after the sample that do
 *   not fit the inferred type are errors (or bad rows, below).
 *
 * JSON lines (jsonl_*.c): one JSON object per line (RFC 8259, UTF-8,
 *   nesting up to SM_FILE_JSON_MAX_DEPTH); blank lines are skipped.
 *   JSON array: one top-level array of objects, which may span lines.
 *   Inference (first infer_rows objects): the union of keys in first-seen
 *   order; integers → bigint (Spark's JSON rule), other numbers → double,
 *   bigint + double → double, true/false → boolean, strings → string,
 *   objects → struct (recursively, same rules), arrays → array of the
 *   widened element type, null → (no information), any other mix →
 *   string; what stays unknown (only nulls, empty arrays) → string.
 *   Reading: a missing key or null gives NULL; keys match field names
 *   exactly, else ignoring ASCII case; unknown keys are ignored; a string
 *   column takes any value (non-strings as their JSON text, as Spark
 *   does); date and timestamp columns take ISO strings; decimal columns
 *   take numbers; map<string,T> columns take objects.
 *
 * Errors name the file, line and column (1-based, in bytes):
 *   sales.csv:1234:17: expected a number for column "amount", got "12,5"
 *   sales.csv:88:1: row has 4 fields, expected 3
 *   ev.jsonl:12:9: invalid JSON: expected ',' or '}' in object
 * Bad rows: by default the first bad row fails the read (SM_ERR_PARSE).
 * With opts.skip_bad_rows, rows with the wrong field count, values that do
 * not parse or invalid JSON are left out, counted (sm_file_source_bad_rows)
 * and handed to opts.on_bad_row when set (routing to a dead-letter sink).
 * Invalid UTF-8 and size limits always fail.  Limits: max_record_bytes
 * per record/line/array element (SM_ERR_LIMIT), max_field_bytes per CSV
 * field, max_columns columns (CSV fields per row, JSON keys in the
 * inferred schema).
 *
 * Ownership: a source borrows the store (which must outlive it) and copies
 * key, options and strings it needs; an explicit schema gets a new
 * reference.  Batches returned by sm_file_source_next belong to the caller
 * (sm_batch_free) and borrow nothing from the source.
 * Threads: a source belongs to one thread at a time; distinct sources may
 * run in parallel.
 */
#ifndef SM_CONNECT_FILES_H
#define SM_CONNECT_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "columnar/types.h"
#include "core/err.h"
#include "parquet/writer.h"
#include "store/store.h"

#define SM_FILE_DEFAULT_CHUNK (1024 * 1024)
#define SM_FILE_DEFAULT_INFER_ROWS 10000
#define SM_FILE_DEFAULT_MAX_RECORD (16 * 1024 * 1024)
#define SM_FILE_DEFAULT_MAX_COLUMNS 16384
#define SM_FILE_JSON_MAX_DEPTH 64

typedef enum sm_file_format {
    SM_FILE_AUTO = 0,   /* by extension (see above) */
    SM_FILE_CSV,        /* CSV / TSV */
    SM_FILE_JSONL,      /* JSON lines */
    SM_FILE_JSON_ARRAY, /* one JSON array of objects */
    SM_FILE_PARQUET,
} sm_file_format_t;

/* Called for each skipped bad row (opts.skip_bad_rows): where it starts
 * (1-based line), why (one line, "file:line:col: ..."), and its raw bytes
 * (a CSV record or JSON line/element, at most the record limit).  The
 * pointers are valid during the call only. */
typedef void (*sm_file_bad_row_fn)(void *ctx, uint64_t line, const char *reason, const uint8_t *raw,
                                   size_t len);

/* Options; a zeroed struct means "all defaults".  Strings and the schema
 * are borrowed for the open call only (copied / referenced). */
typedef struct sm_file_opts {
    sm_type_t *schema;       /* explicit STRUCT schema; NULL = infer */
    size_t infer_rows;       /* records sampled for inference: 0 = 10,000 */
    size_t batch_rows;       /* rows per batch: 0 = SM_BATCH_ROWS */
    size_t chunk_bytes;      /* bytes per store read: 0 = 1 MiB */
    size_t max_record_bytes; /* one CSV record / JSON line or element: 0 = 16 MiB */
    size_t max_field_bytes;  /* one CSV field: 0 = max_record_bytes */
    size_t max_columns;      /* 0 = 16384 */
    bool skip_bad_rows;      /* leave out bad rows instead of failing */
    sm_file_bad_row_fn on_bad_row;
    void *bad_row_ctx;
    const char *name; /* the file's name in messages: NULL = the key's last segment */
    /* CSV only */
    bool no_header;         /* the first record is data */
    char delimiter;         /* 0 = ',' ('\t' for .tsv with SM_FILE_AUTO) */
    char quote;             /* 0 = '"' */
    bool no_quote;          /* no quoting at all */
    char escape;            /* 0 = quotes are doubled; e.g. '\\' */
    char comment;           /* 0 = none; lines starting with it are skipped */
    const char *null_value; /* NULL = "" */
} sm_file_opts_t;

typedef struct sm_file_source sm_file_source_t;

/* Which format `key` has by its extension (and, for .json, by its first
 * non-blank byte, which needs the store: st may be NULL, then .json means
 * JSON lines).  SM_ERR_UNSUPPORTED naming the key when unknown. */
sm_err_t sm_file_format_detect(sm_store_t *st, const char *key, sm_file_format_t *out,
                               sm_error_t *e);
/* "csv", "jsonl", "json", "parquet", "auto". */
const char *sm_file_format_name(sm_file_format_t f);
/* The inverse of sm_file_format_name ("ndjson" and "json_array" too);
 * SM_ERR_INVALID for an unknown name. */
sm_err_t sm_file_format_parse(const char *name, sm_file_format_t *out, sm_error_t *e);

/* Opens `key` of `st` (borrowed; must outlive the source) as `format`.
 * opts may be NULL.  Reads the header and, without an explicit schema,
 * samples rows to infer one (those rows are read again by _next).  For
 * Parquet, opts are ignored except name.  On failure *out is NULL and e
 * names the file (SM_ERR_NOT_FOUND, SM_ERR_PARSE with line:column,
 * SM_ERR_LIMIT, SM_ERR_UNSUPPORTED, SM_ERR_IO, SM_ERR_NOMEM). */
sm_err_t sm_file_source_open(sm_store_t *st, const char *key, sm_file_format_t format,
                             const sm_file_opts_t *opts, sm_file_source_t **out, sm_error_t *e);

/* The same over bytes in memory (borrowed; must outlive the source), for
 * HTTP bodies and tests.  name is used in messages (NULL = "input");
 * SM_FILE_AUTO and SM_FILE_PARQUET are SM_ERR_INVALID here (text formats
 * only). */
sm_err_t sm_file_source_open_mem(const void *data, size_t len, const char *name,
                                 sm_file_format_t format, const sm_file_opts_t *opts,
                                 sm_file_source_t **out, sm_error_t *e);

/* The schema of the batches (a STRUCT; borrowed, valid while src lives). */
sm_type_t *sm_file_source_schema(const sm_file_source_t *src);

/* The next batch in *out (owned by the caller), or SM_OK with *out NULL at
 * the end.  Batches hold at most batch_rows rows.  After a failure the
 * source reports that failure again. */
sm_err_t sm_file_source_next(sm_file_source_t *src, sm_batch_t **out, sm_error_t *e);

/* Rows returned so far and bad rows skipped so far. */
uint64_t sm_file_source_rows(const sm_file_source_t *src);
uint64_t sm_file_source_bad_rows(const sm_file_source_t *src);
/* Bytes read from the store so far (all passes). */
uint64_t sm_file_source_bytes_read(const sm_file_source_t *src);
sm_file_format_t sm_file_source_format(const sm_file_source_t *src);

/* Releases everything.  NULL is allowed. */
void sm_file_source_close(sm_file_source_t *src);

/* Streams every row of in_key (any format, detected by extension) into a
 * Parquet file out_key, batch by batch (memory: one input batch plus the
 * writer's row group).  wopts may be NULL.  The output appears only when
 * everything succeeded.  Errors as sm_file_source_open/_next and the
 * Parquet writer's, prefixed with the input or output name. */
sm_err_t sm_file_convert(sm_store_t *in_store, const char *in_key, sm_store_t *out_store,
                         const char *out_key, const sm_pq_writer_opts_t *wopts, sm_error_t *e);

/* The same with an explicit input format and options (both may be 0 /
 * NULL); *rows (may be NULL) receives the number of rows written. */
sm_err_t sm_file_convert_ex(sm_store_t *in_store, const char *in_key, sm_file_format_t format,
                            const sm_file_opts_t *opts, sm_store_t *out_store, const char *out_key,
                            const sm_pq_writer_opts_t *wopts, uint64_t *rows, sm_error_t *e);

#endif
