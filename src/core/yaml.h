/*
 * core/yaml — YAML documents as a tree of positioned nodes.
 *
 * smelt.yaml (and any other YAML smelt reads) is parsed with libyaml's
 * event API into a small tree: scalars, sequences and mappings.  Every node
 * remembers the file name and the 1-based line and column where it starts,
 * so any module can report "smelt.yaml:12:5: unknown key ..." with
 * sm_yaml_error().  The typed accessors (sm_yaml_get_*) put the position in
 * front of their own messages.
 *
 * What is accepted, and what is refused (always with file:line:column):
 *   - one document per input; an empty input gives a NULL root;
 *   - mapping keys must be scalars; duplicate keys are an error naming both
 *     positions; the YAML 1.1 merge key "<<" is refused;
 *   - anchors and aliases are resolved by sharing: an alias points at the
 *     very node its anchor named (so a node can be reached twice, and the
 *     position it reports is the anchor's).  Nodes are counted as if every
 *     alias were expanded, and the total is capped at SM_YAML_MAX_NODES, so
 *     a "billion laughs" document is refused and any walk of the tree is
 *     bounded.  An alias to an anchor that is not complete yet (a cycle) is
 *     "undefined";
 *   - tags: "!!str" (and the non-specific "!") make a scalar a string as if
 *     it were quoted; any other tag is refused;
 *   - at most SM_YAML_MAX_INPUT bytes of input, nesting at most
 *     SM_YAML_MAX_DEPTH containers deep, at most SM_YAML_MAX_ANCHORS anchors;
 *   - a scalar containing a NUL character (a "\0" escape) is refused.
 *
 * Scalars keep their text exactly as libyaml decoded it (escapes resolved,
 * no type guessing): "0x10", "yes" and "~" are all text until an accessor
 * reads them as a number, a bool or a null.
 *
 * Ownership: a document owns every node, string and array in its arena;
 * sm_yaml_free releases them all at once.  Nodes are read-only to callers.
 * Threads: a document is immutable after parsing, so any number of threads
 * may read it at once; parsing and freeing belong to one thread.
 */
#ifndef SM_CORE_YAML_H
#define SM_CORE_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

#define SM_YAML_MAX_INPUT (16u * 1024u * 1024u) /* bytes */
#define SM_YAML_MAX_DEPTH 64                    /* nested sequences/mappings */
#define SM_YAML_MAX_NODES 100000                /* nodes, aliases expanded */
#define SM_YAML_MAX_ANCHORS 1000

typedef enum sm_yaml_kind {
    SM_YAML_SCALAR,
    SM_YAML_SEQUENCE,
    SM_YAML_MAPPING,
} sm_yaml_kind_t;

typedef struct sm_yaml_node sm_yaml_node_t;

typedef struct sm_yaml_pair {
    const sm_yaml_node_t *key; /* always a scalar */
    const sm_yaml_node_t *value;
} sm_yaml_pair_t;

struct sm_yaml_node {
    sm_yaml_kind_t kind;
    const char *file; /* the name given to the parser; owned by the document */
    uint32_t line;    /* 1-based */
    uint32_t column;  /* 1-based, in characters */
    size_t weight;    /* nodes in this subtree, aliases expanded (>= 1) */
    union {
        struct {
            const char *text; /* NUL-terminated, no NUL inside */
            size_t len;
            bool quoted; /* any non-plain style: '..', "..", | or >, or !!str */
        } scalar;
        struct {
            const sm_yaml_node_t *const *items;
            size_t count;
        } seq;
        struct {
            const sm_yaml_pair_t *pairs; /* in document order */
            size_t count;
        } map;
    } u;
};

typedef struct sm_yaml_doc {
    sm_arena_t arena;           /* owns everything below */
    const char *file;           /* copy of the name given to the parser */
    const sm_yaml_node_t *root; /* NULL for an empty document */
} sm_yaml_doc_t;

/* Parses len bytes of YAML.  `name` (e.g. "smelt.yaml") is used in every
 * position and error message; NULL means "<input>".  On success *out is a
 * new document (free it with sm_yaml_free).  On failure returns
 * SM_ERR_PARSE (bad YAML), SM_ERR_LIMIT (a limit above),
 * SM_ERR_UNSUPPORTED (tags, merge keys) or SM_ERR_NOMEM, fills e with
 * "name:line:column: problem", and leaves *out NULL. */
sm_err_t sm_yaml_parse(const char *name, const void *data, size_t len, sm_yaml_doc_t **out,
                       sm_error_t *e);

/* Reads and parses a file; the path is the name in positions.  A missing
 * file is SM_ERR_NOT_FOUND, a file over SM_YAML_MAX_INPUT is SM_ERR_LIMIT,
 * other read failures SM_ERR_IO; otherwise as sm_yaml_parse. */
sm_err_t sm_yaml_load_file(const char *path, sm_yaml_doc_t **out, sm_error_t *e);

/* Frees the document and every node in it.  NULL is allowed. */
void sm_yaml_free(sm_yaml_doc_t *doc);

/* --- Looking around a tree.  All accept NULL and return NULL/0 then. --- */

/* "scalar", "sequence" or "mapping" (for messages); "nothing" for NULL. */
const char *sm_yaml_kind_name(const sm_yaml_node_t *node);

/* True for a plain (unquoted) scalar "", "~", "null", "Null" or "NULL",
 * which is how YAML writes "no value" (`key:` with nothing after it). */
bool sm_yaml_is_null(const sm_yaml_node_t *node);

/* The value stored under `key` in a mapping, or NULL when node is not a
 * mapping or has no such key. */
const sm_yaml_node_t *sm_yaml_map_get(const sm_yaml_node_t *node, const char *key);

/* The pair under `key` (to reach the key's own position), or NULL. */
const sm_yaml_pair_t *sm_yaml_map_pair(const sm_yaml_node_t *node, const char *key);

/* Number of items of a sequence or pairs of a mapping; 0 for a scalar. */
size_t sm_yaml_count(const sm_yaml_node_t *node);

/* Item i of a sequence, or NULL when out of range or not a sequence. */
const sm_yaml_node_t *sm_yaml_seq_at(const sm_yaml_node_t *node, size_t i);

/* Pair i of a mapping, or NULL when out of range or not a mapping. */
const sm_yaml_pair_t *sm_yaml_map_at(const sm_yaml_node_t *node, size_t i);

/* --- Errors that point into the file. --- */

/* Sets e to "file:line:column: <formatted message>" for node (just the
 * message when node is NULL) and returns code. */
sm_err_t sm_yaml_error(sm_error_t *e, const sm_yaml_node_t *node, sm_err_t code, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));

/* Checks that every key of a mapping is one of `allowed` (a NULL-terminated
 * list).  The first unknown key gives SM_ERR_INVALID:
 *   smelt.yaml:12:5: unknown key "lkae" (did you mean "lake"?)
 * `what` (may be NULL) names the mapping in that message: unknown key "x"
 * in <what>.  A node that is not a mapping is an error too (expected a
 * mapping, got a sequence). */
sm_err_t sm_yaml_check_keys(const sm_yaml_node_t *map, const char *const *allowed, const char *what,
                            sm_error_t *e);

/* --- Typed accessors.  Each reads a scalar (quoted or not) and on failure
 * returns SM_ERR_INVALID with "file:line:column: expected ..., got "..."",
 * leaving *out untouched.  A mapping or sequence is "got a mapping". --- */

sm_err_t sm_yaml_get_str(const sm_yaml_node_t *node, const char **out, sm_error_t *e);
/* Decimal (optionally signed, '_' between digits allowed) or 0x hex, in
 * [min, max]. */
sm_err_t sm_yaml_get_int(const sm_yaml_node_t *node, int64_t min, int64_t max, int64_t *out,
                         sm_error_t *e);
/* true/false, yes/no, on/off, in any letter case. */
sm_err_t sm_yaml_get_bool(const sm_yaml_node_t *node, bool *out, sm_error_t *e);
/* A finite decimal number ("1.5", "-2e3"); no inf, no nan. */
sm_err_t sm_yaml_get_double(const sm_yaml_node_t *node, double *out, sm_error_t *e);
/* A duration in milliseconds: "250ms", "30s", "5m", "1h", "2d", combined
 * "1h30m", or a bare "0". */
sm_err_t sm_yaml_get_duration(const sm_yaml_node_t *node, int64_t *ms, sm_error_t *e);
/* A size in bytes: "512", "64KB", "64MB", "1GB", "2TB" (powers of 1000),
 * "64KiB", "1GiB" (powers of 1024), "B" for bytes; units in any letter
 * case; a decimal fraction "1.5GiB" is rounded down to whole bytes.  At
 * most INT64_MAX. */
sm_err_t sm_yaml_get_size(const sm_yaml_node_t *node, int64_t *bytes, sm_error_t *e);

/* --- The same value grammars on plain text (environment variables, flags).
 * Messages carry no position: "expected a duration like ..., got "x"".
 * Callers add their own context with sm_error_wrap. --- */

sm_err_t sm_yaml_scan_int(const char *text, int64_t min, int64_t max, int64_t *out, sm_error_t *e);
sm_err_t sm_yaml_scan_bool(const char *text, bool *out, sm_error_t *e);
sm_err_t sm_yaml_scan_double(const char *text, double *out, sm_error_t *e);
sm_err_t sm_yaml_scan_duration(const char *text, int64_t *ms, sm_error_t *e);
sm_err_t sm_yaml_scan_size(const char *text, int64_t *bytes, sm_error_t *e);

#endif
