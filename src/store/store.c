/* store/store — locations, key rules, and the checks in front of every
 * backend call. */
#include "store/store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/mem.h"
#include "store/s3_int.h"
#include "store/store_int.h"

/* ---- key rules ---- */

bool sm_store_is_temp_name(const char *name, size_t len)
{
    /* ".<name>.tmp-<digits>-<hex>" */
    if (len < 9 || name[0] != '.')
        return false;
    size_t i = len;
    while (i > 0 && strchr("0123456789abcdef", name[i - 1]) && name[i - 1])
        i--;
    if (i == len || i == 0 || name[i - 1] != '-')
        return false;
    size_t j = --i;
    while (j > 0 && name[j - 1] >= '0' && name[j - 1] <= '9')
        j--;
    if (j == i || j < 6 || memcmp(name + j - 5, ".tmp-", 5) != 0)
        return false;
    return j - 5 > 1; /* at least one byte of <name> */
}

/* Checks the segments of key[0..len): complete ones (followed by '/') and,
 * when `last_too`, the final one. */
static sm_err_t check_segments(const char *what, const char *key, size_t len, bool last_too,
                               sm_error_t *e)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && key[i] != '/')
            continue;
        if (i == len && !last_too)
            break;
        const char *seg = key + start;
        size_t n = i - start;
        if (n == 0)
            return sm_error_set(e, SM_ERR_INVALID, "%s '%.*s' has an empty path segment", what,
                                (int)len, key);
        if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return sm_error_set(e, SM_ERR_INVALID, "%s '%.*s' has a '%.*s' segment", what, (int)len,
                                key, (int)n, seg);
        if (i == len && sm_store_is_temp_name(seg, n))
            return sm_error_set(e, SM_ERR_INVALID,
                                "%s '%.*s' has a name reserved for temporary files", what, (int)len,
                                key);
        start = i + 1;
    }
    return SM_OK;
}

sm_err_t sm_store_key_check(const char *key, size_t len, sm_error_t *e)
{
    if (!key || len == 0)
        return sm_error_set(e, SM_ERR_INVALID, "empty object key");
    if (len > SM_STORE_KEY_MAX)
        return sm_error_set(e, SM_ERR_INVALID, "key '%.64s...' is longer than %d bytes", key,
                            SM_STORE_KEY_MAX);
    const char *nul = memchr(key, '\0', len);
    if (nul)
        return sm_error_set(e, SM_ERR_INVALID, "key '%s' has a NUL byte at offset %td", key,
                            nul - key);
    if (key[0] == '/')
        return sm_error_set(e, SM_ERR_INVALID, "key '%.*s' is absolute (starts with '/')", (int)len,
                            key);
    return check_segments("key", key, len, true, e);
}

static sm_err_t check_key(const char *key, sm_error_t *e)
{
    if (!key)
        return sm_error_set(e, SM_ERR_INVALID, "NULL object key");
    return sm_store_key_check(key, strnlen(key, SM_STORE_KEY_MAX + 1), e);
}

static sm_err_t check_prefix(const char *prefix, sm_error_t *e)
{
    size_t len = strlen(prefix);
    if (len > SM_STORE_KEY_MAX)
        return sm_error_set(e, SM_ERR_INVALID, "list prefix '%.64s...' is longer than %d bytes",
                            prefix, SM_STORE_KEY_MAX);
    if (prefix[0] == '/')
        return sm_error_set(e, SM_ERR_INVALID, "list prefix '%s' is absolute", prefix);
    return check_segments("list prefix", prefix, len, false, e);
}

/* ---- locations ---- */

void sm_store_location_free(sm_location_t *loc)
{
    if (!loc)
        return;
    sm_free(loc->path);
    sm_free(loc->bucket);
    sm_free(loc->prefix);
    memset(loc, 0, sizeof *loc);
}

/* Normalizes an absolute path: drops empty and "." segments, resolves
 * ".." lexically, no trailing '/'.  Returns an owned string or NULL. */
static char *clean_path(const char *path)
{
    size_t len = strlen(path);
    char *out = sm_malloc(len + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *s = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - s);
        if (n == 0 || (n == 1 && s[0] == '.'))
            continue;
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--; /* the '/' before the dropped segment */
            continue;
        }
        out[o++] = '/';
        memcpy(out + o, s, n);
        o += n;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    return out;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static sm_err_t parse_local(const char *text, const char *path, bool is_uri, sm_location_t *loc,
                            sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    char *decoded = NULL, *joined = NULL;
    if (is_uri) {
        if (strpbrk(path, "?#"))
            return sm_error_set(e, SM_ERR_INVALID, "location '%s': query or fragment in a file URI",
                                text);
        size_t n = strlen(path), o = 0;
        if (!(decoded = sm_malloc(n + 1)))
            return sm_error_nomem(e, "location");
        for (size_t i = 0; i < n; i++) {
            if (path[i] != '%') {
                decoded[o++] = path[i];
                continue;
            }
            int hi = i + 1 < n ? hexval(path[i + 1]) : -1;
            int lo = hi >= 0 && i + 2 < n ? hexval(path[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                rc = sm_error_set(e, SM_ERR_INVALID, "location '%s': bad %%-escape at offset %zu",
                                  text, (size_t)(path - text) + i);
                goto out;
            }
            decoded[o++] = (char)(hi * 16 + lo);
            i += 2;
        }
        decoded[o] = '\0';
        path = decoded;
    }
    if (path[0] != '/') {
        char *cwd = getcwd(NULL, 0);
        if (!cwd) {
            rc = errno == ENOMEM
                     ? sm_error_nomem(e, "location")
                     : sm_error_errno(e, errno, "location '%s': current directory", text);
            goto out;
        }
        size_t a = strlen(cwd), b = strlen(path);
        joined = sm_malloc(a + b + 2);
        if (joined) {
            memcpy(joined, cwd, a);
            joined[a] = '/';
            memcpy(joined + a + 1, path, b + 1);
        }
        free(cwd); /* getcwd's own malloc */
        if (!joined) {
            rc = sm_error_nomem(e, "location");
            goto out;
        }
        path = joined;
    }
    loc->kind = SM_LOCATION_LOCAL;
    if (!(loc->path = clean_path(path)))
        rc = sm_error_nomem(e, "location");
out:
    sm_free(decoded);
    sm_free(joined);
    return rc;
}

static sm_err_t check_bucket(const char *text, const char *b, size_t n, sm_error_t *e)
{
    if (n == 0)
        return sm_error_set(e, SM_ERR_INVALID, "location '%s' has no bucket name", text);
    if (n < 3 || n > 63)
        return sm_error_set(e, SM_ERR_INVALID,
                            "location '%s': bucket name must be 3 to 63 characters", text);
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '.' && c != '-')
            return sm_error_set(e, SM_ERR_INVALID,
                                "location '%s': bad character '%c' in bucket name (allowed: a-z "
                                "0-9 . -)",
                                text, c);
        if ((i == 0 || i == n - 1) && !alnum)
            return sm_error_set(e, SM_ERR_INVALID,
                                "location '%s': bucket name must begin and end with a letter or "
                                "digit",
                                text);
    }
    return SM_OK;
}

static sm_err_t parse_s3(const char *text, const char *rest, sm_location_t *loc, sm_error_t *e)
{
    if (strpbrk(rest, "?#"))
        return sm_error_set(e, SM_ERR_INVALID, "location '%s': query or fragment in an S3 URI",
                            text);
    const char *slash = strchr(rest, '/');
    size_t blen = slash ? (size_t)(slash - rest) : strlen(rest);
    sm_err_t rc = check_bucket(text, rest, blen, e);
    if (rc)
        return rc;
    const char *prefix = slash ? slash + 1 : "";
    size_t plen = strlen(prefix);
    while (plen > 0 && prefix[plen - 1] == '/')
        plen--;
    if (plen > SM_STORE_KEY_MAX)
        return sm_error_set(e, SM_ERR_INVALID, "location '%.64s...': prefix longer than %d bytes",
                            text, SM_STORE_KEY_MAX);
    if (plen > 0) {
        sm_error_t sub;
        if (check_segments("prefix", prefix, plen, true, &sub))
            return sm_error_set(e, SM_ERR_INVALID, "location '%s': %s", text, sub.msg);
    }
    loc->kind = SM_LOCATION_S3;
    loc->bucket = sm_strndup(rest, blen);
    loc->prefix = sm_strndup(prefix, plen);
    if (!loc->bucket || !loc->prefix)
        return sm_error_nomem(e, "location");
    return SM_OK;
}

sm_err_t sm_store_location_parse(const char *text, sm_location_t *loc, sm_error_t *e)
{
    memset(loc, 0, sizeof *loc);
    if (!text || !*text)
        return sm_error_set(e, SM_ERR_INVALID, "empty location");
    /* A URI is "<scheme>://..." with an RFC 3986 scheme. */
    size_t s = 0;
    if ((text[0] >= 'a' && text[0] <= 'z') || (text[0] >= 'A' && text[0] <= 'Z'))
        s = strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
    sm_err_t rc;
    if (s > 0 && strncmp(text + s, "://", 3) == 0) {
        const char *rest = text + s + 3;
        if (s == 4 && strncasecmp(text, "file", 4) == 0) {
            const char *slash = strchr(rest, '/');
            size_t hlen = slash ? (size_t)(slash - rest) : strlen(rest);
            if (!slash)
                rc = sm_error_set(e, SM_ERR_INVALID, "location '%s' has no path", text);
            else if (hlen != 0 && !(hlen == 9 && strncasecmp(rest, "localhost", 9) == 0))
                rc = sm_error_set(e, SM_ERR_INVALID,
                                  "location '%s': file URI with host '%.*s' (only local files: "
                                  "file:///path)",
                                  text, (int)hlen, rest);
            else
                rc = parse_local(text, slash, true, loc, e);
        } else if ((s == 2 && strncasecmp(text, "s3", 2) == 0) ||
                   (s == 3 && strncasecmp(text, "s3a", 3) == 0)) {
            rc = parse_s3(text, rest, loc, e);
        } else {
            rc = sm_error_set(e, SM_ERR_UNSUPPORTED,
                              "location '%s': unsupported scheme '%.*s' (use a path, file:// or "
                              "s3://)",
                              text, (int)s, text);
        }
    } else {
        rc = parse_local(text, text, false, loc, e);
    }
    if (rc)
        sm_store_location_free(loc);
    return rc;
}

/* ---- opening ---- */

sm_err_t sm_store_open_location_ex(const sm_location_t *loc, const sm_store_opts_t *opts,
                                   sm_store_t **out, sm_error_t *e)
{
    *out = NULL;
    switch (loc->kind) {
    case SM_LOCATION_LOCAL:
        return sm_store_local_new(loc->path, out, e);
    case SM_LOCATION_S3:
        return sm_store_s3_new(loc->bucket, loc->prefix, opts, out, e);
    }
    return sm_error_set(e, SM_ERR_INVALID, "location of unknown kind %d", (int)loc->kind);
}

sm_err_t sm_store_open_location(const sm_location_t *loc, sm_store_t **out, sm_error_t *e)
{
    return sm_store_open_location_ex(loc, NULL, out, e);
}

sm_err_t sm_store_open_ex(const char *location, const sm_store_opts_t *opts, sm_store_t **out,
                          sm_error_t *e)
{
    sm_location_t loc;
    *out = NULL;
    sm_err_t rc = sm_store_location_parse(location, &loc, e);
    if (rc)
        return rc;
    rc = sm_store_open_location_ex(&loc, opts, out, e);
    sm_store_location_free(&loc);
    return rc;
}

sm_err_t sm_store_open(const char *location, sm_store_t **out, sm_error_t *e)
{
    return sm_store_open_ex(location, NULL, out, e);
}

void sm_store_close(sm_store_t *st)
{
    if (st)
        st->ops->close(st);
}

const char *sm_store_location(const sm_store_t *st)
{
    return st->location;
}

/* ---- objects ---- */

sm_err_t sm_store_get(sm_store_t *st, const char *key, size_t max_bytes, sm_buf_t *out,
                      sm_error_t *e)
{
    sm_buf_reset(out);
    sm_err_t rc = check_key(key, e);
    if (!rc)
        rc = st->ops->get(st, key, max_bytes, out, e);
    if (rc)
        sm_buf_reset(out);
    return rc;
}

sm_err_t sm_store_get_range(sm_store_t *st, const char *key, uint64_t offset, size_t len, void *dst,
                            unsigned flags, size_t *got, sm_error_t *e)
{
    size_t n = 0;
    uint64_t size = 0;
    if (got)
        *got = 0;
    sm_err_t rc = check_key(key, e);
    if (rc)
        return rc;
    if (len > 0 && !dst)
        return sm_error_set(e, SM_ERR_INVALID, "get_range of '%s': no destination", key);
    rc = st->ops->get_range(st, key, offset, len, dst, &n, &size, e);
    if (rc)
        return rc;
    if (n < len && !(flags & SM_STORE_SHORT_OK))
        return sm_error_set(e, SM_ERR_CORRUPT,
                            "%s/%s: range %" PRIu64 "+%zu runs past the end of the object (%" PRIu64
                            " bytes)",
                            st->location, key, offset, len, size);
    if (got)
        *got = n;
    return SM_OK;
}

sm_err_t sm_store_put(sm_store_t *st, const char *key, const void *data, size_t n, sm_error_t *e)
{
    sm_err_t rc = check_key(key, e);
    if (!rc && n > 0 && !data)
        rc = sm_error_set(e, SM_ERR_INVALID, "put of '%s': no data", key);
    return rc ? rc : st->ops->put(st, key, data, n, false, e);
}

sm_err_t sm_store_put_if_absent(sm_store_t *st, const char *key, const void *data, size_t n,
                                sm_error_t *e)
{
    sm_err_t rc = check_key(key, e);
    if (!rc && n > 0 && !data)
        rc = sm_error_set(e, SM_ERR_INVALID, "put of '%s': no data", key);
    return rc ? rc : st->ops->put(st, key, data, n, true, e);
}

sm_err_t sm_store_head(sm_store_t *st, const char *key, sm_store_info_t *out, sm_error_t *e)
{
    memset(out, 0, sizeof *out);
    sm_err_t rc = check_key(key, e);
    return rc ? rc : st->ops->head(st, key, out, e);
}

sm_err_t sm_store_delete(sm_store_t *st, const char *key, sm_error_t *e)
{
    sm_err_t rc = check_key(key, e);
    return rc ? rc : st->ops->del(st, key, e);
}

/* ---- listing ---- */

sm_err_t sm_store_list(sm_store_t *st, const sm_store_list_opts_t *opts, sm_store_list_t *out,
                       sm_error_t *e)
{
    memset(out, 0, sizeof *out);
    const char *prefix = opts && opts->prefix ? opts->prefix : "";
    sm_err_t rc = check_prefix(prefix, e);
    if (rc)
        return rc;
    const char *after = opts ? opts->start_after : NULL;
    if (opts && opts->token && (!after || strcmp(opts->token, after) > 0))
        after = opts->token;
    size_t max_keys = opts ? opts->max_keys : 0;
    if (max_keys == 0 || max_keys > SM_STORE_LIST_MAX)
        max_keys = SM_STORE_LIST_MAX;
    rc = st->ops->list(st, prefix, after, max_keys, out, e);
    if (rc)
        sm_store_list_free(out);
    return rc;
}

void sm_store_list_free(sm_store_list_t *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        sm_free(list->entries[i].key);
    sm_free(list->entries);
    sm_free(list->next_token);
    memset(list, 0, sizeof *list);
}

sm_err_t sm_store_each(sm_store_t *st, const sm_store_list_opts_t *opts, sm_store_each_fn fn,
                       void *arg, sm_error_t *e)
{
    sm_store_list_t page = {0};
    sm_store_list_opts_t o = {.prefix = opts ? opts->prefix : NULL,
                              .start_after = opts ? opts->start_after : NULL};
    char *token = NULL;
    sm_err_t rc;
    for (;;) {
        o.token = token;
        rc = sm_store_list(st, &o, &page, e);
        sm_free(token);
        token = NULL;
        for (size_t i = 0; !rc && i < page.count; i++)
            rc = fn(arg, &page.entries[i], e);
        if (rc || !page.truncated || !page.next_token)
            break;
        if (!(token = sm_strdup(page.next_token))) {
            rc = sm_error_nomem(e, "store listing");
            break;
        }
        sm_store_list_free(&page);
    }
    sm_store_list_free(&page);
    sm_free(token);
    return rc;
}

/* ---- streaming writes ---- */

sm_err_t sm_store_writer_open(sm_store_t *st, const char *key, unsigned flags,
                              sm_store_writer_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_err_t rc = check_key(key, e);
    return rc ? rc : st->ops->writer_open(st, key, flags, out, e);
}

sm_err_t sm_store_writer_write(sm_store_writer_t *w, const void *data, size_t n, sm_error_t *e)
{
    if (w->failed)
        return sm_error_set(e, SM_ERR_INVALID, "store writer: write after a failed write");
    if (n == 0)
        return SM_OK;
    sm_err_t rc = w->ops->write(w, data, n, e);
    if (rc)
        w->failed = true;
    else
        w->offset += n;
    return rc;
}

uint64_t sm_store_writer_offset(const sm_store_writer_t *w)
{
    return w->offset;
}

sm_err_t sm_store_writer_commit(sm_store_writer_t *w, sm_error_t *e)
{
    if (w->failed) {
        w->ops->abort(w);
        return sm_error_set(e, SM_ERR_INVALID, "store writer: commit after a failed write");
    }
    return w->ops->commit(w, e);
}

void sm_store_writer_abort(sm_store_writer_t *w)
{
    if (w)
        w->ops->abort(w);
}
