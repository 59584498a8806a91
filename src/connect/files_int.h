/*
 * connect/files_int — private pieces shared by files.c, csv_*.c and
 * jsonl_*.c: the chunked input window over a store object (or memory),
 * the reader vtable behind sm_file_source_t, and message helpers.
 *
 * The input window: bytes [pos, len) of buf are read but not consumed;
 * they came from object offsets [base + pos, base + len).  A parser looks
 * for one whole record in the window; when the record is incomplete it
 * calls sm_file_in_fill, which moves the unconsumed bytes to the start of
 * the buffer (pointers into the window become stale then: parsers
 * restart the record) and reads one more chunk.  The window never holds
 * more than max_record + chunk bytes.  Not for use outside these files.
 */
#ifndef SM_CONNECT_FILES_INT_H
#define SM_CONNECT_FILES_INT_H

#include "connect/files.h"

typedef struct sm_file_in {
    sm_store_t *store; /* borrowed; NULL for memory input */
    char *key;         /* owned */
    const uint8_t *mem;
    size_t mem_len;
    uint64_t next_off; /* object offset of the next read */
    uint64_t base;     /* object offset of buf[0] */
    uint8_t *buf;      /* owned */
    size_t cap, pos, len;
    size_t chunk, max_record;
    bool eof; /* no more bytes after buf[len) */
    uint64_t bytes_read;
    char name[256]; /* for messages */
} sm_file_in_t;

/* Resolved options (defaults applied). */
typedef struct sm_file_ropts {
    sm_file_opts_t o; /* copy; o.schema and o.name not used */
    char *null_value; /* owned */
    size_t null_len;
} sm_file_ropts_t;

/* A format reader: the vtable behind sm_file_source_t. */
typedef struct sm_file_reader {
    sm_err_t (*next)(void *self, sm_batch_t **out, sm_error_t *e);
    void (*close)(void *self);
    void *self;
    sm_type_t *schema; /* borrowed from self */
    uint64_t *bad_rows;
} sm_file_reader_t;

/* ---- input window ---- */
sm_err_t sm_file_in_open_store(sm_file_in_t *in, sm_store_t *st, const char *key, const char *name,
                               size_t chunk, size_t max_record, sm_error_t *e);
sm_err_t sm_file_in_open_mem(sm_file_in_t *in, const void *data, size_t len, const char *name,
                             size_t chunk, size_t max_record, sm_error_t *e);
/* Reads one more chunk (after compacting).  Returns SM_OK with nothing
 * added once eof is set.  SM_ERR_LIMIT when the unconsumed bytes already
 * exceed max_record (the caller names the record). */
sm_err_t sm_file_in_fill(sm_file_in_t *in, sm_error_t *e);
/* Back to offset 0 (for the pass after inference). */
void sm_file_in_rewind(sm_file_in_t *in);
void sm_file_in_free(sm_file_in_t *in);

/* ---- messages ---- */
/* Appends `"text"` (at most 40 bytes, non-printable bytes as \xNN) to a
 * char array of cap bytes at *len. */
void sm_file_quote(char *out, size_t cap, const uint8_t *p, size_t n);
/* Checks p[0..n) is UTF-8; on failure sets *bad to the offset. */
bool sm_file_utf8_ok(const uint8_t *p, size_t n, size_t *bad);
/* Line and column (1-based) of p + off, given that p is at line/col. */
void sm_file_linecol(const uint8_t *p, size_t off, uint64_t line, uint64_t col, uint64_t *oline,
                     uint64_t *ocol);

/* ---- readers ----
 * Both take over *in (zeroing the caller's struct), also when they fail
 * (then they free it).  Their state struct starts with the sm_file_in_t,
 * so out->self may be read as one (bytes_read). */
sm_err_t sm_csv_reader_open(sm_file_in_t *in, const sm_file_ropts_t *ro, sm_type_t *schema,
                            sm_file_reader_t *out, sm_error_t *e);
sm_err_t sm_jsonl_reader_open(sm_file_in_t *in, const sm_file_ropts_t *ro, sm_type_t *schema,
                              bool array, sm_file_reader_t *out, sm_error_t *e);

#endif
