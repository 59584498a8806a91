/*
 * connect/pg — the PostgreSQL source: tables and queries read with libpq's
 * `COPY (SELECT …) TO STDOUT (FORMAT binary)` and decoded straight into
 * columnar batches (no text in between).
 *
 * Flow: sm_pg_connect() → sm_pg_read_table() / sm_pg_read_query() /
 * sm_pg_query_batches() → the caller's on_batch callback receives batches
 * of up to SM_BATCH_ROWS rows (fewer when a batch reaches
 * SM_PG_BATCH_MAX_BYTES of string data) → sm_pg_close().  Memory stays
 * bounded by about one batch plus one row, whatever the table's size.
 *
 * Type mapping (PostgreSQL → columnar / Spark):
 *   bool                 → boolean
 *   int2 / int4 / int8   → smallint / int / bigint;  oid → bigint
 *   float4 / float8      → float / double
 *   numeric(p,s)         → decimal(p,s) when p <= 38; decimal(38,s) when
 *                          p > 38 (values that do not fit are an error);
 *                          a negative scale s gives decimal(min(p-s,38),0).
 *                          Unconstrained numeric → decimal(38,18), Spark's
 *                          JDBC default (sm_pg_types_t changes it).  Extra
 *                          fractional digits are rounded half away from
 *                          zero; values with too many integer digits, NaN
 *                          and ±Infinity are errors naming column and row.
 *   text, varchar, bpchar, name, json → string (bytes as sent: bpchar
 *                          keeps its padding, as PostgreSQL sends it)
 *   "char"               → string as PostgreSQL prints it: "" for the zero
 *                          byte, "\ooo" (octal) for bytes >= 0x80
 *   jsonb                → string (its text form; version byte 1 dropped)
 *   enum types           → string (the label)
 *   uuid                 → string, canonical lower-case 8-4-4-4-12 text
 *   bytea                → binary
 *   date                 → date (±infinity is an error)
 *   time                 → string "HH:MM:SS[.ffffff]" as PostgreSQL prints
 *                          it (trailing fraction zeros dropped; 24:00:00 ok)
 *   timestamp            → timestamp: the naive value taken as UTC (Delta
 *                          reader 1 / writer 2 cannot store timestamp_ntz);
 *                          with sm_pg_types_t.timestamp_ntz → timestamp_ntz
 *   timestamptz          → timestamp (UTC instant)
 *   T[] (any T above)    → array<T>; one-dimensional only (a multi-
 *                          dimensional value is an SM_ERR_UNSUPPORTED error
 *                          naming column and row); lower bounds are dropped
 *   domains              → their base type (recursively)
 *   anything else        → SM_ERR_UNSUPPORTED naming column and type
 *                          (cast it in a query: col::text)
 * Columns of a table read keep NOT NULL from pg_attribute; columns of a
 * query are all nullable.
 *
 * COPY binary stream (decoded by sm_pg_decoder_*; all integers are
 * big-endian):
 *   OFFSET  SIZE  FIELD
 *   0       11    signature "PGCOPY\n\377\r\n\0"
 *   11      4     flags (bit 16: OIDs included → unsupported; bits 17..31
 *                 must be 0; bits 0..15 ignored)
 *   15      4     header extension length N, then N bytes (skipped)
 *   then per tuple: int16 field count (must equal the schema's; -1 is the
 *   trailer, after which nothing may follow), and per field: int32 length
 *   (-1 = NULL, else 0..SM_PG_MAX_FIELD_BYTES) + that many bytes.
 * Every length is checked against what is there; a corrupt stream is an
 * SM_ERR_CORRUPT error naming the byte offset and row, never a crash.
 *
 * Errors name the table (or "query"), column and 1-based row.  Connection
 * errors name host:port/database and libpq's message, never a password
 * (passwords are masked in everything echoed).
 *
 * Ownership: sm_pg_conn_t, sm_pg_schema_t and sm_pg_decoder_t are owned by
 * their creator and freed with their _close/_free.  A batch passed to
 * on_batch is borrowed: valid only during the call (it is reset and reused
 * afterwards), so the callback copies or writes out what it keeps.
 *
 * Threads: one connection belongs to one thread at a time (libpq's rule);
 * callbacks run on the calling thread.  To ingest several tables in
 * parallel, open one connection per thread, or take them from an
 * sm_pg_pool_t (which hands each connection to one thread at a time).
 * Decoders and schemas are likewise single-threaded; nothing here has
 * global state.
 */
#ifndef SM_CONNECT_PG_H
#define SM_CONNECT_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "columnar/batch.h"
#include "columnar/types.h"
#include "core/err.h"

/* Largest field value accepted (PostgreSQL's own limit, 1 GiB - 1). */
#define SM_PG_MAX_FIELD_BYTES ((size_t)0x3fffffff)
/* Largest tuple kept across chunk boundaries (one row, PostgreSQL's
 * MaxAllocSize as well). */
#define SM_PG_MAX_TUPLE_BYTES ((size_t)0x3fffffff)
/* A batch is handed out early once its string/binary data reaches this. */
#define SM_PG_BATCH_MAX_BYTES ((size_t)64 << 20)
/* Most columns a schema may have (PostgreSQL's MaxTupleAttributeNumber). */
#define SM_PG_MAX_COLUMNS 1664
/* Default connect timeout in seconds. */
#define SM_PG_CONNECT_TIMEOUT 10

typedef struct sm_pg_conn sm_pg_conn_t;

/* Called with each full batch (and the last, partial one).  The batch is
 * borrowed for the call; the callback may take its rows away by exchanging
 * its column vectors for empty builders of the same types (the decoder
 * resets the batch after the call and looks its columns up anew for every
 * row).  Return SM_OK to go on, or an error code (with e filled) to stop:
 * the read then fails with that error. */
typedef sm_err_t (*sm_pg_batch_fn)(void *ud, sm_batch_t *batch, sm_error_t *e);

/* Type-mapping choices. */
typedef struct sm_pg_types {
    bool timestamp_ntz;    /* timestamp → timestamp_ntz instead of timestamp */
    int numeric_precision; /* unconstrained numeric: 0 = 38 */
    int numeric_scale;     /* unconstrained numeric: -1 = 18 (0 is a valid choice) */
} sm_pg_types_t;
#define SM_PG_TYPES_DEFAULT                                                                        \
    {                                                                                              \
        false, 0, -1                                                                               \
    }

/* ---- schema ------------------------------------------------------------ */

/* How the decoder reads one value (the base type after domains/enums). */
typedef enum sm_pg_kind {
    SM_PG_BOOL = 1,
    SM_PG_INT2,
    SM_PG_INT4,
    SM_PG_INT8,
    SM_PG_OID,
    SM_PG_FLOAT4,
    SM_PG_FLOAT8,
    SM_PG_NUMERIC,
    SM_PG_TEXT, /* text, varchar, bpchar, name, json, enums */
    SM_PG_CHAR, /* "char": one byte, shown as PostgreSQL prints it */
    SM_PG_JSONB,
    SM_PG_BYTEA,
    SM_PG_UUID,
    SM_PG_DATE,
    SM_PG_TIME,
    SM_PG_TIMESTAMP,
    SM_PG_TIMESTAMPTZ,
    SM_PG_ARRAY,
} sm_pg_kind_t;

typedef struct sm_pg_column {
    char *name;             /* owned */
    char *type_name;        /* owned: PostgreSQL's name, e.g. "numeric(10,2)" */
    uint32_t oid;           /* declared type (may be a domain) */
    int32_t typmod;         /* declared typmod, -1 = none */
    sm_pg_kind_t kind;      /* of the base type */
    sm_pg_kind_t elem_kind; /* SM_PG_ARRAY: of the elements */
    uint32_t elem_oid;      /* SM_PG_ARRAY: element oid the stream must carry */
    bool nullable;
} sm_pg_column_t;

typedef struct sm_pg_schema {
    size_t ncols;
    sm_pg_column_t *cols; /* owned */
    sm_type_t *type;      /* STRUCT of the columnar types; a reference */
} sm_pg_schema_t;

/* A schema from built-in type OIDs only, without a server (tests, fuzzing,
 * tools): n columns named names[i] (NULL = "cN") of type oids[i] with
 * typmods[i] (typmods may be NULL = all -1), all nullable.  Unknown OIDs
 * (enums, domains, other types) are SM_ERR_UNSUPPORTED naming the column.
 * types may be NULL (defaults).  *out is NULL on failure. */
sm_err_t sm_pg_schema_builtin(size_t n, const char *const *names, const uint32_t *oids,
                              const int32_t *typmods, const sm_pg_types_t *types,
                              sm_pg_schema_t **out, sm_error_t *e);
void sm_pg_schema_free(sm_pg_schema_t *s);

/* ---- the COPY binary decoder (no server needed) ------------------------ */

typedef struct sm_pg_decoder sm_pg_decoder_t;

/* A decoder for a stream of rows of `schema` (borrowed: must outlive the
 * decoder).  what names the source in messages ("orders", "query").
 * batch_rows 0 = SM_BATCH_ROWS.  *out is NULL on failure (SM_ERR_NOMEM). */
sm_err_t sm_pg_decoder_new(const sm_pg_schema_t *schema, const char *what, size_t batch_rows,
                           sm_pg_batch_fn on_batch, void *ud, sm_pg_decoder_t **out, sm_error_t *e);
/* Feeds the next n bytes of the stream, split anywhere.  Full batches are
 * handed to on_batch as they fill.  After an error the decoder refuses
 * further input (returns the same code). */
sm_err_t sm_pg_decoder_feed(sm_pg_decoder_t *d, const void *p, size_t n, sm_error_t *e);
/* The end of the stream: hands out the last partial batch.  SM_ERR_CORRUPT
 * when the stream stopped before its trailer (truncated). */
sm_err_t sm_pg_decoder_finish(sm_pg_decoder_t *d, sm_error_t *e);
/* Rows decoded so far (including rows of batches not yet handed out). */
uint64_t sm_pg_decoder_rows(const sm_pg_decoder_t *d);
void sm_pg_decoder_free(sm_pg_decoder_t *d);

/* ---- connections -------------------------------------------------------- */

typedef struct sm_pg_conn_opts {
    int connect_timeout_s; /* 0 = SM_PG_CONNECT_TIMEOUT */
    sm_pg_types_t types;   /* mapping used by every read on the connection */
} sm_pg_conn_opts_t;

/* Opens a connection from a libpq conninfo string or URI (NULL or "" =
 * libpq's PG* environment defaults), then sets application_name=smelt,
 * client_encoding=UTF8, DateStyle=ISO, TimeZone=UTC, extra_float_digits=3
 * (the conninfo may set application_name).  The connect timeout is
 * opts->connect_timeout_s when > 0, else the conninfo's connect_timeout,
 * else SM_PG_CONNECT_TIMEOUT (PGCONNECT_TIMEOUT is not consulted).  opts
 * may be NULL.  Failure: SM_ERR_NETWORK naming host:port/database and
 * libpq's message (retriable unless authentication failed or the database
 * does not exist), SM_ERR_INVALID for a malformed conninfo; the password
 * in use never appears in a message (it is masked as "***", in this and in
 * every later message of the connection).  *out is NULL then. */
sm_err_t sm_pg_connect(const char *conninfo, const sm_pg_conn_opts_t *opts, sm_pg_conn_t **out,
                       sm_error_t *e);
/* Closes the connection.  NULL ok. */
void sm_pg_close(sm_pg_conn_t *c);
/* "host:port/database" of the connection (for messages); borrowed. */
const char *sm_pg_where(const sm_pg_conn_t *c);
/* The server process id of the connection (for pg_terminate_backend). */
int sm_pg_backend_pid(const sm_pg_conn_t *c);

/* Whether the connection can serve another read: true when it is open
 * and idle, after rolling back a transaction a failed statement left open
 * (one round trip then); false when it is lost, busy (mid-COPY) or the
 * rollback failed: close it then.  A connection whose server went away
 * while it sat idle (the server closed the socket) is seen as lost without
 * a round trip.  Same thread rule as every call on the connection. */
bool sm_pg_reusable(sm_pg_conn_t *c);

/* Runs SQL that returns no rows we want (DDL, SET, INSERT...).  Several
 * statements separated by ';' are allowed (simple protocol).  Fails with
 * SM_ERR_INVALID carrying the server's message (or SM_ERR_NETWORK when the
 * connection is lost). */
sm_err_t sm_pg_exec(sm_pg_conn_t *c, const char *sql, sm_error_t *e);

/* Copies conninfo into out (cap bytes, NUL-terminated, truncated) with
 * every password masked as "***": password=... (quoted or not) in key/value
 * form and user:password@ or ?password= in URIs. */
void sm_pg_scrub_conninfo(const char *conninfo, char *out, size_t cap);

/* Describes a single SELECT (no trailing ';') without running it: column
 * names and types, resolved through domains/enums/arrays in pg_type.
 * SM_ERR_UNSUPPORTED names the first column of an unsupported type;
 * SM_ERR_INVALID carries the server's message for bad SQL.  *out is NULL
 * on failure; free with sm_pg_schema_free. */
sm_err_t sm_pg_describe(sm_pg_conn_t *c, const char *sql, sm_pg_schema_t **out, sm_error_t *e);

/* ---- a pool of connections ----------------------------------------------
 *
 * Connections kept open across the tables of one run, so that each source
 * pays its connection and authentication once instead of once per table.
 * Connections are keyed by conninfo (NULL = "") and connect options; a
 * connection is handed to one caller at a time (sm_pg_pool_get takes it
 * out of the pool, sm_pg_pool_put gives it back), so it is never used by
 * two threads at once.  At most max_per_key connections of one key exist
 * at a time: a get beyond that waits for a put of that key.  A connection
 * given back is kept only when sm_pg_reusable() says so (a lost or busy
 * one is closed, so the next get opens a fresh one); a failure of one
 * read therefore never poisons the next.
 *
 * Ownership: the pool owns the idle connections; a connection from get is
 * the caller's until it gives it back with put (never sm_pg_close: the
 * pool counts it as out until put; put with broken = true closes it).
 * Threads: every pool function may be called from any thread. */

typedef struct sm_pg_pool sm_pg_pool_t;

/* A pool holding at most max_per_key (0 = 1) connections per key.
 * SM_ERR_NOMEM; *out is NULL then. */
sm_err_t sm_pg_pool_new(size_t max_per_key, sm_pg_pool_t **out, sm_error_t *e);
/* Closes the idle connections and frees the pool; every connection got
 * must have been given back.  NULL ok. */
void sm_pg_pool_free(sm_pg_pool_t *p);
/* An idle connection of (conninfo, opts) from the pool, else a new one
 * (sm_pg_connect: same failures, *out NULL then).  An idle connection the
 * server has dropped meanwhile is closed and passed over when that shows
 * without a round trip (sm_pg_reusable); *reused (may be NULL) tells
 * whether the connection served an earlier caller, who may retry on the
 * next one when its first statement still finds the connection lost.
 * Waits while max_per_key connections of the key are out. */
sm_err_t sm_pg_pool_get(sm_pg_pool_t *p, const char *conninfo, const sm_pg_conn_opts_t *opts,
                        sm_pg_conn_t **out, bool *reused, sm_error_t *e);
/* Gives c (NULL ok: nothing happens) back: kept idle when !broken and
 * sm_pg_reusable(c), else closed. */
void sm_pg_pool_put(sm_pg_pool_t *p, sm_pg_conn_t *c, bool broken);
/* How many connections the pool has opened so far (for tests and stats). */
size_t sm_pg_pool_opened(sm_pg_pool_t *p);

/* ---- reads -------------------------------------------------------------- */

typedef struct sm_pg_read_opts {
    /* Incremental reads: rows with filter_column > filter_value only
     * (filter_value is a literal in PostgreSQL's text form, escaped with
     * PQescapeLiteral; NULL = no filter).  Identifiers are quoted with
     * PQescapeIdentifier. */
    const char *filter_column;
    const char *filter_value;
    /* The high-water mark: the max of this column over the rows read (may
     * be filter_column), computed by PostgreSQL in the same snapshot
     * (REPEATABLE READ) with the same filter, in its text form.  NULL = not
     * wanted. */
    const char *max_column;
    size_t batch_rows; /* 0 = SM_BATCH_ROWS */
    /* Called once with the columns read (inside the read's transaction,
     * after they are known and before the COPY starts), with on_batch's
     * ud; the schema is borrowed for the call (res->schema keeps it).  An
     * error stops the read before any row.  NULL = not wanted. */
    sm_err_t (*on_schema)(void *ud, const sm_pg_schema_t *schema, sm_error_t *e);
} sm_pg_read_opts_t;

typedef struct sm_pg_read_result {
    uint64_t rows;
    char *max_value;        /* owned (sm_free); NULL when not asked or no rows */
    sm_pg_schema_t *schema; /* owned (sm_pg_schema_free) */
} sm_pg_read_result_t;

/* Frees what a result owns and zeroes it.  NULL ok. */
void sm_pg_read_result_free(sm_pg_read_result_t *r);

/* Reads every row of table `table` ("name" or "schema.name", each part
 * quoted as an identifier) in one REPEATABLE READ READ ONLY transaction,
 * handing batches to on_batch.  opts may be NULL.  On success *res (may
 * be NULL) holds the row count, the schema and the high-water mark.  On
 * failure the read is void (the caller must discard batches already
 * received: there is no partial success) and *res is zeroed.  A
 * connection lost mid-COPY is SM_ERR_NETWORK: "PostgreSQL connection lost
 * during COPY of orders after 1,234 rows: <libpq message>". */
sm_err_t sm_pg_read_table(sm_pg_conn_t *c, const char *table, const sm_pg_read_opts_t *opts,
                          sm_pg_batch_fn on_batch, void *ud, sm_pg_read_result_t *res,
                          sm_error_t *e);
/* The same for one SELECT (no trailing ';'; the filter wraps it as
 * SELECT * FROM (sql) AS q WHERE ...); `what` names it in messages (NULL
 * = "query"). */
sm_err_t sm_pg_read_query(sm_pg_conn_t *c, const char *sql, const char *what,
                          const sm_pg_read_opts_t *opts, sm_pg_batch_fn on_batch, void *ud,
                          sm_pg_read_result_t *res, sm_error_t *e);
/* For the SQL console: runs one statement (trailing ';' and blanks
 * trimmed) in a READ ONLY transaction through the extended protocol (so a
 * second statement cannot be smuggled in) and streams its rows; writes
 * fail with the server's message.  max_rows > 0 stops after that many rows
 * (a success; res->rows says how many were handed out). */
sm_err_t sm_pg_query_batches(sm_pg_conn_t *c, const char *sql, uint64_t max_rows,
                             sm_pg_batch_fn on_batch, void *ud, sm_pg_read_result_t *res,
                             sm_error_t *e);

#endif
