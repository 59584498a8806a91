/*
 * connect/jsonl_int — the JSON record parser shared by the JSON lines and
 * JSON array readers (jsonl_parse.c, jsonl.c).  Private to those files.
 *
 * A parsed record is a tree of sm_jnode_t in one array; node 0 is the
 * root.  Children are linked by index: `first` is the first child (when
 * n > 0), `next` the next sibling (when not the last).  String bytes
 * (str) point into the record or into the parser's scratch buffer: both
 * valid until the next parse.
 */
#ifndef SM_CONNECT_JSONL_INT_H
#define SM_CONNECT_JSONL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

enum { SM_J_NULL, SM_J_FALSE, SM_J_TRUE, SM_J_NUM, SM_J_STR, SM_J_OBJ, SM_J_ARR };

typedef struct sm_jstr {
    const uint8_t *p;
    size_t n;
} sm_jstr_t;

typedef struct sm_jnode {
    uint8_t kind;    /* SM_J_* */
    bool is_int;     /* NUM: no fraction and no exponent */
    size_t off, end; /* the value's bytes in the record */
    size_t n;        /* OBJ/ARR: members / elements */
    size_t first, next;
    sm_jstr_t key; /* member of an OBJ: its key (decoded) */
    sm_jstr_t str; /* STR: decoded bytes; NUM: its text */
} sm_jnode_t;

typedef struct sm_jp {
    const uint8_t *s;
    size_t n, p;
    sm_jnode_t *nodes; /* owned */
    size_t nn, ncap;
    sm_buf_t *scratch; /* borrowed */
    int depth;
    const char *why; /* syntax error: reason and byte offset */
    size_t at;
} sm_jp_t;

/* Parses s[0..n) as one JSON value.  Returns 0, -1 on a syntax error
 * (j->why, j->at) or -2 when out of memory (e set). */
int sm_jsonl_parse(sm_jp_t *j, const uint8_t *s, size_t n, sm_error_t *e);

#endif
