/* store/local — the object store on a local filesystem.
 *
 * An object is the regular file <root>/<key>.  Writes go to a temporary
 * file ".<name>.tmp-<pid>-<random>" in the object's directory (created
 * O_EXCL, mode 0644 less the umask), which is fsynced and then renamed
 * (put) or hard-linked (put_if_absent: link(2) fails with EEXIST when the
 * key exists, so of two racing writers exactly one wins) into place; the
 * directory is fsynced after.  Symbolic links and other non-regular files
 * under the root are not objects and are not listed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "store/store_int.h"

#define WRITER_BUF (64 * 1024)
#define MAX_DEPTH 256

typedef struct local_store {
    sm_store_t base;
    char *root; /* absolute, no trailing '/' except for "/" itself */
} local_store;

/* ---- paths ---- */

/* <root>/<key>, owned by the caller; NULL when out of memory. */
static char *full_path(const local_store *ls, const char *key)
{
    size_t a = strlen(ls->root), b = strlen(key);
    bool slash = !(a == 1 && ls->root[0] == '/');
    char *p = sm_malloc(a + slash + b + 1);
    if (!p)
        return NULL;
    memcpy(p, ls->root, a);
    if (slash)
        p[a] = '/';
    memcpy(p + a + slash, key, b + 1);
    return p;
}

static int64_t mtime_ms(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

static sm_err_t not_found(const local_store *ls, const char *key, sm_error_t *e)
{
    return sm_error_set(e, SM_ERR_NOT_FOUND, "%s: no object '%s'", ls->root, key);
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    (void)fsync(fd); /* some filesystems refuse directory fsync: harmless */
    close(fd);
}

/* mkdir -p of path[0..len); new directories are fsynced into their parent. */
static sm_err_t mkdir_p(char *path, size_t len, sm_error_t *e)
{
    for (size_t i = 1; i <= len; i++) {
        if (i < len && path[i] != '/')
            continue;
        char c = path[i];
        path[i] = '\0';
        int r = mkdir(path, 0755);
        int err = errno;
        if (r == 0) {
            char *slash = strrchr(path, '/');
            if (slash && slash != path) {
                *slash = '\0';
                fsync_dir(path);
                *slash = '/';
            }
        }
        path[i] = c;
        if (r != 0 && err != EEXIST) {
            char save = path[len];
            path[len] = '\0';
            sm_error_errno(e, err, "creating directory %.*s", (int)i, path);
            path[len] = save;
            return SM_ERR_IO;
        }
    }
    return SM_OK;
}

static sm_err_t write_all(int fd, const void *data, size_t n, const char *path, sm_error_t *e)
{
    const uint8_t *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return sm_error_errno(e, errno, "writing %s", path);
        p += w;
        n -= (size_t)w;
    }
    return SM_OK;
}

/* ---- temporary files and publishing ---- */

typedef struct tmpfile_t {
    int fd;
    char *path;     /* the temporary file */
    char *final;    /* where it goes */
    size_t dir_len; /* final[0..dir_len) is the directory */
} tmpfile_t;

static uint64_t random64(void)
{
    uint64_t r;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r)
        return r;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    static _Atomic uint64_t counter;
    return (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)ts.tv_sec ^ ++counter;
}

static void tmp_release(tmpfile_t *t, bool unlink_it)
{
    if (t->fd >= 0)
        close(t->fd);
    if (unlink_it && t->path)
        unlink(t->path);
    sm_free(t->path);
    sm_free(t->final);
    memset(t, 0, sizeof *t);
    t->fd = -1;
}

/* Creates the temporary file for key, making directories as needed. */
static sm_err_t tmp_open(const local_store *ls, const char *key, tmpfile_t *t, sm_error_t *e)
{
    memset(t, 0, sizeof *t);
    t->fd = -1;
    if (!(t->final = full_path(ls, key)))
        return sm_error_nomem(e, "object path");
    char *slash = strrchr(t->final, '/');
    t->dir_len = (size_t)(slash - t->final);
    const char *name = slash + 1;
    size_t name_len = strlen(name);
    if (name_len > 128)
        name_len = 128; /* keeps the temporary name under NAME_MAX */
    size_t cap = t->dir_len + name_len + 64;
    if (!(t->path = sm_malloc(cap))) {
        tmp_release(t, false);
        return sm_error_nomem(e, "temporary path");
    }
    bool made_dirs = false;
    for (int attempt = 0; attempt < 16; attempt++) {
        snprintf(t->path, cap, "%.*s/.%.*s.tmp-%ld-%016llx", (int)t->dir_len, t->final,
                 (int)name_len, name, (long)getpid(), (unsigned long long)random64());
        t->fd = open(t->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (t->fd >= 0)
            return SM_OK;
        if (errno == EEXIST)
            continue;
        if (errno == ENOENT && !made_dirs) {
            made_dirs = true;
            sm_err_t rc = mkdir_p(t->final, t->dir_len, e);
            if (rc) {
                tmp_release(t, false);
                return rc;
            }
            continue;
        }
        sm_error_errno(e, errno, "creating %s", t->path);
        tmp_release(t, false);
        return SM_ERR_IO;
    }
    sm_error_set(e, SM_ERR_IO, "creating a temporary file next to %s: too many name clashes",
                 t->final);
    tmp_release(t, false);
    return SM_ERR_IO;
}

/* fsyncs and closes the temporary file, moves it into place, fsyncs the
 * directory, and releases t (the temporary file is gone either way). */
static sm_err_t tmp_publish(tmpfile_t *t, bool if_absent, const char *key, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    if (fsync(t->fd) != 0) {
        rc = sm_error_errno(e, errno, "fsync of %s", t->path);
        goto out;
    }
    int fd = t->fd;
    t->fd = -1;
    if (close(fd) != 0) {
        rc = sm_error_errno(e, errno, "closing %s", t->path);
        goto out;
    }
    if (if_absent) {
        int r = link(t->path, t->final);
        if (r != 0 && (errno == EPERM || errno == ENOTSUP || errno == ENOSYS))
            r = renameat2(AT_FDCWD, t->path, AT_FDCWD, t->final, RENAME_NOREPLACE);
        if (r != 0) {
            if (errno == EEXIST)
                rc =
                    sm_error_set(e, SM_ERR_EXISTS, "%s: object '%s' already exists", t->final, key);
            else
                rc = sm_error_errno(e, errno, "linking %s to %s", t->path, t->final);
            goto out;
        }
        unlink(t->path); /* the link (or nothing, after renameat2) remains */
    } else if (rename(t->path, t->final) != 0) {
        rc = sm_error_errno(e, errno, "renaming %s to %s", t->path, t->final);
        goto out;
    }
    t->final[t->dir_len] = '\0';
    fsync_dir(t->dir_len ? t->final : "/");
out:
    tmp_release(t, true);
    return rc;
}

/* ---- objects ---- */

static sm_err_t local_put(sm_store_t *st, const char *key, const void *data, size_t n,
                          bool if_absent, sm_error_t *e)
{
    local_store *ls = (local_store *)st;
    tmpfile_t t;
    sm_err_t rc = tmp_open(ls, key, &t, e);
    if (rc)
        return rc;
    rc = write_all(t.fd, data, n, t.path, e);
    if (rc) {
        tmp_release(&t, true);
        return rc;
    }
    return tmp_publish(&t, if_absent, key, e);
}

/* Opens the regular file behind key for reading. */
static sm_err_t open_object(const local_store *ls, const char *key, int *fd_out, struct stat *st,
                            sm_error_t *e)
{
    char *path = full_path(ls, key);
    if (!path)
        return sm_error_nomem(e, "object path");
    sm_err_t rc = SM_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
            rc = not_found(ls, key, e);
        else
            rc = sm_error_errno(e, errno, "opening %s", path);
        goto out;
    }
    if (fstat(fd, st) != 0) {
        rc = sm_error_errno(e, errno, "stat of %s", path);
        close(fd);
        goto out;
    }
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        rc = not_found(ls, key, e);
        goto out;
    }
    *fd_out = fd;
out:
    sm_free(path);
    return rc;
}

static sm_err_t local_get(sm_store_t *st, const char *key, size_t max_bytes, sm_buf_t *out,
                          sm_error_t *e)
{
    local_store *ls = (local_store *)st;
    int fd;
    struct stat sb;
    sm_err_t rc = open_object(ls, key, &fd, &sb, e);
    if (rc)
        return rc;
    if (max_bytes && (uint64_t)sb.st_size > max_bytes) {
        rc = sm_error_set(e, SM_ERR_LIMIT, "%s/%s: object of %lld bytes exceeds the limit of %zu",
                          ls->root, key, (long long)sb.st_size, max_bytes);
        goto out;
    }
    /* Room for the size fstat saw plus one byte, to notice growth. */
    if ((uint64_t)sb.st_size >= SIZE_MAX - 1) {
        rc = sm_error_set(e, SM_ERR_LIMIT, "%s/%s: object too large", ls->root, key);
        goto out;
    }
    rc = sm_buf_reserve(out, (size_t)sb.st_size + 1, e);
    if (rc == SM_ERR_LIMIT)
        rc = sm_buf_reserve(out, (size_t)sb.st_size, e);
    if (rc)
        goto out;
    for (;;) {
        if (out->len == out->cap) {
            if (max_bytes && out->len >= max_bytes) {
                rc = sm_error_set(e, SM_ERR_LIMIT, "%s/%s: object exceeds the limit of %zu bytes",
                                  ls->root, key, max_bytes);
                goto out;
            }
            char probe;
            ssize_t r = read(fd, &probe, 1);
            if (r == 0)
                break;
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                rc = sm_error_errno(e, errno, "reading %s/%s", ls->root, key);
                goto out;
            }
            if ((rc = sm_buf_append_byte(out, (uint8_t)probe, e)))
                goto out;
            continue;
        }
        ssize_t r = read(fd, out->data + out->len, out->cap - out->len);
        if (r == 0)
            break;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = sm_error_errno(e, errno, "reading %s/%s", ls->root, key);
            goto out;
        }
        out->len += (size_t)r;
    }
    out->data[out->len] = '\0';
out:
    close(fd);
    return rc;
}

static sm_err_t local_get_range(sm_store_t *st, const char *key, uint64_t offset, size_t len,
                                void *dst, size_t *got, uint64_t *size, sm_error_t *e)
{
    local_store *ls = (local_store *)st;
    int fd;
    struct stat sb;
    sm_err_t rc = open_object(ls, key, &fd, &sb, e);
    if (rc)
        return rc;
    *size = (uint64_t)sb.st_size;
    size_t done = 0;
    while (done < len && offset + done < (uint64_t)sb.st_size) {
        if (offset + done > (uint64_t)INT64_MAX)
            break;
        ssize_t r = pread(fd, (uint8_t *)dst + done, len - done, (off_t)(offset + done));
        if (r == 0)
            break;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = sm_error_errno(e, errno, "reading %s/%s at offset %llu", ls->root, key,
                                (unsigned long long)(offset + done));
            break;
        }
        done += (size_t)r;
    }
    *got = done;
    close(fd);
    return rc;
}

static sm_err_t local_head(sm_store_t *st, const char *key, sm_store_info_t *out, sm_error_t *e)
{
    local_store *ls = (local_store *)st;
    char *path = full_path(ls, key);
    if (!path)
        return sm_error_nomem(e, "object path");
    struct stat sb;
    sm_err_t rc = SM_OK;
    if (lstat(path, &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            rc = not_found(ls, key, e);
        else
            rc = sm_error_errno(e, errno, "stat of %s", path);
    } else if (!S_ISREG(sb.st_mode)) {
        rc = not_found(ls, key, e);
    } else {
        out->size = (uint64_t)sb.st_size;
        out->mtime_ms = mtime_ms(&sb);
    }
    sm_free(path);
    return rc;
}

static sm_err_t local_del(sm_store_t *st, const char *key, sm_error_t *e)
{
    local_store *ls = (local_store *)st;
    char *path = full_path(ls, key);
    if (!path)
        return sm_error_nomem(e, "object path");
    sm_err_t rc = SM_OK;
    if (unlink(path) != 0 && errno != ENOENT && errno != ENOTDIR && errno != EISDIR)
        rc = sm_error_errno(e, errno, "deleting %s", path);
    sm_free(path);
    return rc;
}

/* ---- listing: a depth-first walk in key order ----
 *
 * Within a directory, entries are sorted by name with a '/' appended to
 * directory names; visiting them in that order yields the keys of the
 * whole tree in byte order.  Subtrees that cannot hold keys under the
 * prefix or after the start key are skipped, and the walk stops at the
 * first key past the page. */

typedef struct walk {
    local_store *ls;
    const char *prefix;
    size_t plen;
    const char *after; /* NULL = from the start */
    size_t max_keys;
    sm_store_list_t *out;
    size_t cap;
    sm_buf_t key;  /* the current directory's key prefix ("a/b/") */
    sm_buf_t path; /* its absolute path */
    bool done;
} walk;

typedef struct dent {
    char *sort; /* name, plus '/' for a directory */
    bool dir;
} dent;

static int dent_cmp(const void *a, const void *b)
{
    return strcmp(((const dent *)a)->sort, ((const dent *)b)->sort);
}

static void dents_free(dent *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sm_free(v[i].sort);
    sm_free(v);
}

/* Reads and sorts the objects and subdirectories of w->path. */
static sm_err_t read_dir(walk *w, dent **out, size_t *count, sm_error_t *e)
{
    *out = NULL;
    *count = 0;
    DIR *d = opendir((const char *)w->path.data);
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR)
            return SM_OK; /* no root yet, or removed meanwhile: no keys */
        return sm_error_errno(e, errno, "listing %s", (const char *)w->path.data);
    }
    sm_err_t rc = SM_OK;
    dent *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    for (;;) {
        errno = 0;
        if (!(de = readdir(d))) {
            if (errno)
                rc = sm_error_errno(e, errno, "listing %s", (const char *)w->path.data);
            break;
        }
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        unsigned char type = de->d_type;
        if (type == DT_UNKNOWN) {
            struct stat sb;
            if (fstatat(dirfd(d), name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
                continue;
            type = S_ISDIR(sb.st_mode) ? DT_DIR : S_ISREG(sb.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (type != DT_DIR && type != DT_REG)
            continue;
        size_t len = strlen(name);
        if (type == DT_REG && sm_store_is_temp_name(name, len))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            dent *nv = sm_realloc(v, ncap * sizeof *v);
            if (!nv) {
                rc = sm_error_nomem(e, "directory listing");
                break;
            }
            v = nv;
            cap = ncap;
        }
        char *sort = sm_malloc(len + 2);
        if (!sort) {
            rc = sm_error_nomem(e, "directory listing");
            break;
        }
        memcpy(sort, name, len);
        sort[len] = type == DT_DIR ? '/' : '\0';
        sort[len + 1] = '\0';
        v[n].sort = sort;
        v[n].dir = type == DT_DIR;
        n++;
    }
    closedir(d);
    if (rc) {
        dents_free(v, n);
        return rc;
    }
    if (n > 1)
        qsort(v, n, sizeof *v, dent_cmp);
    *out = v;
    *count = n;
    return SM_OK;
}

/* Whether keys starting with k (a directory's "a/b/") can match. */
static bool subtree_wanted(const walk *w, const char *k, size_t klen)
{
    size_t m = klen < w->plen ? klen : w->plen;
    if (memcmp(k, w->prefix, m) != 0)
        return false;
    if (w->after && strcmp(k, w->after) < 0 && strncmp(w->after, k, klen) != 0)
        return false; /* every key in it sorts before `after` */
    return true;
}

static sm_err_t add_key(walk *w, sm_error_t *e)
{
    const char *key = (const char *)w->key.data;
    if (w->out->count == w->max_keys) {
        w->done = true;
        w->out->truncated = true;
        w->out->next_token = sm_strdup(w->out->entries[w->out->count - 1].key);
        return w->out->next_token ? SM_OK : sm_error_nomem(e, "list token");
    }
    struct stat sb;
    if (lstat((const char *)w->path.data, &sb) != 0 || !S_ISREG(sb.st_mode))
        return SM_OK; /* deleted meanwhile */
    if (w->out->count == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 64;
        if (ncap > w->max_keys)
            ncap = w->max_keys;
        sm_store_entry_t *nv = sm_realloc(w->out->entries, ncap * sizeof *nv);
        if (!nv)
            return sm_error_nomem(e, "list");
        w->out->entries = nv;
        w->cap = ncap;
    }
    char *k = sm_strndup(key, w->key.len);
    if (!k)
        return sm_error_nomem(e, "list key");
    w->out->entries[w->out->count++] =
        (sm_store_entry_t){.key = k, .size = (uint64_t)sb.st_size, .mtime_ms = mtime_ms(&sb)};
    return SM_OK;
}

static sm_err_t walk_dir(walk *w, int depth, sm_error_t *e)
{
    if (depth > MAX_DEPTH)
        return sm_error_set(e, SM_ERR_LIMIT, "listing %s: directories nested over %d deep",
                            (const char *)w->path.data, MAX_DEPTH);
    dent *v;
    size_t n;
    sm_err_t rc = read_dir(w, &v, &n, e);
    if (rc)
        return rc;
    size_t key_len = w->key.len, path_len = w->path.len;
    for (size_t i = 0; i < n && !w->done && !rc; i++) {
        w->key.len = key_len;
        w->path.len = path_len;
        bool slash = path_len == 0 || w->path.data[path_len - 1] != '/'; /* root "/" */
        if ((rc = sm_buf_append_str(&w->key, v[i].sort, e)) ||
            (slash && (rc = sm_buf_append_byte(&w->path, '/', e))) ||
            (rc = sm_buf_append_str(&w->path, v[i].sort, e)))
            break;
        const char *k = (const char *)w->key.data;
        if (v[i].dir) {
            if (subtree_wanted(w, k, w->key.len)) {
                w->path.data[--w->path.len] = '\0'; /* no trailing '/' */
                rc = walk_dir(w, depth + 1, e);
            }
        } else if (strncmp(k, w->prefix, w->plen) == 0 && (!w->after || strcmp(k, w->after) > 0)) {
            rc = add_key(w, e);
        }
    }
    w->key.len = key_len;
    w->path.len = path_len;
    if (w->key.data)
        w->key.data[key_len] = '\0';
    if (w->path.data)
        w->path.data[path_len] = '\0';
    dents_free(v, n);
    return rc;
}

static sm_err_t local_list(sm_store_t *st, const char *prefix, const char *after, size_t max_keys,
                           sm_store_list_t *out, sm_error_t *e)
{
    local_store *ls = (local_store *)st;
    walk w = {.ls = ls,
              .prefix = prefix,
              .plen = strlen(prefix),
              .after = after,
              .max_keys = max_keys,
              .out = out};
    sm_err_t rc = sm_buf_append_str(&w.key, "", e);
    if (!rc)
        rc = sm_buf_append_str(&w.path, ls->root, e);
    if (!rc)
        rc = walk_dir(&w, 0, e);
    sm_buf_free(&w.key);
    sm_buf_free(&w.path);
    return rc;
}

/* ---- streaming writer ---- */

typedef struct local_writer {
    sm_store_writer_t base;
    tmpfile_t t;
    bool if_absent;
    char *key;
    uint8_t *buf;
    size_t len;
} local_writer;

static void writer_free(local_writer *lw, bool unlink_tmp)
{
    tmp_release(&lw->t, unlink_tmp);
    sm_free(lw->key);
    sm_free(lw->buf);
    sm_free(lw);
}

static sm_err_t writer_flush(local_writer *lw, sm_error_t *e)
{
    sm_err_t rc = write_all(lw->t.fd, lw->buf, lw->len, lw->t.path, e);
    lw->len = 0;
    return rc;
}

static sm_err_t local_writer_write(sm_store_writer_t *w, const void *data, size_t n, sm_error_t *e)
{
    local_writer *lw = (local_writer *)w;
    if (lw->len + n <= WRITER_BUF) {
        memcpy(lw->buf + lw->len, data, n);
        lw->len += n;
        return SM_OK;
    }
    sm_err_t rc = writer_flush(lw, e);
    if (rc)
        return rc;
    if (n >= WRITER_BUF)
        return write_all(lw->t.fd, data, n, lw->t.path, e);
    memcpy(lw->buf, data, n);
    lw->len = n;
    return SM_OK;
}

static sm_err_t local_writer_commit(sm_store_writer_t *w, sm_error_t *e)
{
    local_writer *lw = (local_writer *)w;
    sm_err_t rc = writer_flush(lw, e);
    if (!rc)
        rc = tmp_publish(&lw->t, lw->if_absent, lw->key, e);
    writer_free(lw, true);
    return rc;
}

static void local_writer_abort(sm_store_writer_t *w)
{
    writer_free((local_writer *)w, true);
}

static const sm_store_writer_ops_t local_writer_ops = {
    local_writer_write,
    local_writer_commit,
    local_writer_abort,
};

static sm_err_t local_writer_open(sm_store_t *st, const char *key, unsigned flags,
                                  sm_store_writer_t **out, sm_error_t *e)
{
    local_store *ls = (local_store *)st;
    local_writer *lw = sm_calloc(1, sizeof *lw);
    if (!lw)
        return sm_error_nomem(e, "store writer");
    lw->t.fd = -1;
    lw->base.ops = &local_writer_ops;
    lw->if_absent = (flags & SM_STORE_IF_ABSENT) != 0;
    lw->key = sm_strdup(key);
    lw->buf = sm_malloc(WRITER_BUF);
    if (!lw->key || !lw->buf) {
        writer_free(lw, false);
        return sm_error_nomem(e, "store writer");
    }
    sm_err_t rc = tmp_open(ls, key, &lw->t, e);
    if (rc) {
        writer_free(lw, false);
        return rc;
    }
    *out = &lw->base;
    return SM_OK;
}

/* ---- the store ---- */

static void local_close(sm_store_t *st)
{
    local_store *ls = (local_store *)st;
    sm_free(ls->root);
    sm_free(ls);
}

static const sm_store_ops_t local_ops = {
    .get = local_get,
    .get_range = local_get_range,
    .put = local_put,
    .head = local_head,
    .del = local_del,
    .list = local_list,
    .writer_open = local_writer_open,
    .close = local_close,
};

sm_err_t sm_store_local_new(const char *root, sm_store_t **out, sm_error_t *e)
{
    *out = NULL;
    if (!root || root[0] != '/')
        return sm_error_set(e, SM_ERR_INVALID, "local store root '%s' is not absolute",
                            root ? root : "(null)");
    struct stat sb;
    if (stat(root, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode))
            return sm_error_set(e, SM_ERR_INVALID, "store location %s is not a directory", root);
    } else if (errno != ENOENT) {
        return sm_error_errno(e, errno, "store location %s", root);
    }
    local_store *ls = sm_calloc(1, sizeof *ls);
    if (!ls)
        return sm_error_nomem(e, "local store");
    ls->base.ops = &local_ops;
    ls->root = sm_strdup(root);
    if (!ls->root) {
        sm_free(ls);
        return sm_error_nomem(e, "local store");
    }
    ls->base.location = ls->root;
    *out = &ls->base;
    return SM_OK;
}
