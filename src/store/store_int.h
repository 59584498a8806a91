/*
 * store/store_int — what a backend implements (private to src/store/).
 *
 * store.c checks keys and arguments, then calls the backend through
 * sm_store_ops_t; backends may assume valid keys, a valid prefix, a
 * non-NULL out pointer and max_keys in 1..SM_STORE_LIST_MAX.  A backend's
 * store and writer structs begin with sm_store_t / sm_store_writer_t.
 * Backend errors name the key and the store.
 */
#ifndef SM_STORE_STORE_INT_H
#define SM_STORE_STORE_INT_H

#include "store/store.h"

typedef struct sm_store_ops {
    sm_err_t (*get)(sm_store_t *st, const char *key, size_t max_bytes, sm_buf_t *out,
                    sm_error_t *e);
    /* Reads up to len bytes; *got may be short at the end of the object. */
    sm_err_t (*get_range)(sm_store_t *st, const char *key, uint64_t offset, size_t len, void *dst,
                          size_t *got, uint64_t *size, sm_error_t *e);
    sm_err_t (*put)(sm_store_t *st, const char *key, const void *data, size_t n, bool if_absent,
                    sm_error_t *e);
    sm_err_t (*head)(sm_store_t *st, const char *key, sm_store_info_t *out, sm_error_t *e);
    sm_err_t (*del)(sm_store_t *st, const char *key, sm_error_t *e);
    /* after = max(start_after, token) or NULL; prefix never NULL. */
    sm_err_t (*list)(sm_store_t *st, const char *prefix, const char *after, size_t max_keys,
                     sm_store_list_t *out, sm_error_t *e);
    sm_err_t (*writer_open)(sm_store_t *st, const char *key, unsigned flags,
                            sm_store_writer_t **out, sm_error_t *e);
    void (*close)(sm_store_t *st);
} sm_store_ops_t;

typedef struct sm_store_writer_ops {
    sm_err_t (*write)(sm_store_writer_t *w, const void *data, size_t n, sm_error_t *e);
    sm_err_t (*commit)(sm_store_writer_t *w, sm_error_t *e); /* frees w */
    void (*abort)(sm_store_writer_t *w);                     /* frees w */
} sm_store_writer_ops_t;

struct sm_store {
    const sm_store_ops_t *ops;
    char *location; /* for messages; owned */
};

struct sm_store_writer {
    const sm_store_writer_ops_t *ops;
    uint64_t offset;
    bool failed; /* a write failed: only abort is allowed */
};

/* The local filesystem backend; root is an absolute normalized path. */
sm_err_t sm_store_local_new(const char *root, sm_store_t **out, sm_error_t *e);

/* True when a file name (one path segment) has the shape of our temporary
 * files: ".<name>.tmp-<digits>-<hex>". */
bool sm_store_is_temp_name(const char *name, size_t len);

#endif
