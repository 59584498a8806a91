/* Unit tests for store/: locations, key rules, and the local backend. */
#include <dirent.h>
#include <ftw.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/mem.h"
#include "store/store.h"

static char tmp_root[256];

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void rm_rf(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh empty directory for one test. */
static sm_store_t *fresh_store(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp_root, name);
    rm_rf(path);
    sm_error_t e = {0};
    sm_store_t *st = NULL;
    CHECK_OK(sm_store_open(path, &st, &e), &e);
    return st;
}

/* Counts directory entries (all of them, temp files included) under dir. */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        n++;
        if (de->d_type == DT_DIR) {
            char sub[1024];
            snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
            n += count_files(sub);
        }
    }
    closedir(d);
    return n;
}

/* True if a temporary file (".*.tmp-*") exists anywhere under dir. */
static int has_temp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int found = 0;
    struct dirent *de;
    while ((de = readdir(d)) && !found) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (strstr(de->d_name, ".tmp-"))
            found = 1;
        else if (de->d_type == DT_DIR) {
            char sub[1024];
            snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
            found = has_temp(sub);
        }
    }
    closedir(d);
    return found;
}

/* ---- locations ---- */

static void test_location_parse(void)
{
    static const struct {
        const char *text;
        int kind;          /* 0 = error */
        const char *a, *b; /* path, or bucket + prefix */
    } good[] = {
        {"/abs/path", SM_LOCATION_LOCAL, "/abs/path", NULL},
        {"/abs/path/", SM_LOCATION_LOCAL, "/abs/path", NULL},
        {"/abs//x/./y/../z", SM_LOCATION_LOCAL, "/abs/x/z", NULL},
        {"/", SM_LOCATION_LOCAL, "/", NULL},
        {"/..", SM_LOCATION_LOCAL, "/", NULL},
        {"file:///data/lake", SM_LOCATION_LOCAL, "/data/lake", NULL},
        {"FILE:///data/lake/", SM_LOCATION_LOCAL, "/data/lake", NULL},
        {"file://localhost/data/lake", SM_LOCATION_LOCAL, "/data/lake", NULL},
        {"file:///data/my%20lake", SM_LOCATION_LOCAL, "/data/my lake", NULL},
        {"s3://bucket/prefix", SM_LOCATION_S3, "bucket", "prefix"},
        {"s3://bucket", SM_LOCATION_S3, "bucket", ""},
        {"s3://bucket/", SM_LOCATION_S3, "bucket", ""},
        {"s3://my-bucket.v2/a/b/c/", SM_LOCATION_S3, "my-bucket.v2", "a/b/c"},
        {"s3a://lake/bronze", SM_LOCATION_S3, "lake", "bronze"},
        {"S3://lake/x y", SM_LOCATION_S3, "lake", "x y"},
    };
    sm_error_t e = {0};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        sm_location_t loc;
        CHECK_OK(sm_store_location_parse(good[i].text, &loc, &e), &e);
        CHECK_EQ_INT(loc.kind, good[i].kind);
        if (good[i].kind == SM_LOCATION_LOCAL) {
            CHECK_EQ_STR(loc.path, good[i].a);
        } else {
            CHECK_EQ_STR(loc.bucket, good[i].a);
            CHECK_EQ_STR(loc.prefix, good[i].b);
        }
        sm_store_location_free(&loc);
    }

    /* Relative paths are made absolute. */
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    sm_location_t loc;
    CHECK_OK(sm_store_location_parse("rel/lake/", &loc, &e), &e);
    char want[4200];
    snprintf(want, sizeof want, "%s/rel/lake", strcmp(cwd, "/") == 0 ? "" : cwd);
    CHECK_EQ_STR(loc.path, want);
    sm_store_location_free(&loc);
    CHECK_OK(sm_store_location_parse("a:b/c", &loc, &e), &e); /* not a URI */
    CHECK_EQ_INT(loc.kind, SM_LOCATION_LOCAL);
    sm_store_location_free(&loc);

    static const struct {
        const char *text;
        int code;
        const char *msg_part;
    } bad[] = {
        {"", SM_ERR_INVALID, "empty location"},
        {"s3://", SM_ERR_INVALID, "no bucket"},
        {"s3:///prefix", SM_ERR_INVALID, "no bucket"},
        {"s3a://", SM_ERR_INVALID, "no bucket"},
        {"s3://ab", SM_ERR_INVALID, "3 to 63"},
        {"s3://Bad_Bucket/x", SM_ERR_INVALID, "bad character 'B'"},
        {"s3://-bucket/x", SM_ERR_INVALID, "begin and end"},
        {"s3://bucket/a/../b", SM_ERR_INVALID, "'..' segment"},
        {"s3://bucket/a//b", SM_ERR_INVALID, "empty path segment"},
        {"s3://bucket/x?versionId=1", SM_ERR_INVALID, "query"},
        {"gs://bucket/x", SM_ERR_UNSUPPORTED, "unsupported scheme 'gs'"},
        {"http://host/x", SM_ERR_UNSUPPORTED, "unsupported scheme"},
        {"file://otherhost/x", SM_ERR_INVALID, "host 'otherhost'"},
        {"file://", SM_ERR_INVALID, "no path"},
        {"file:///a%2", SM_ERR_INVALID, "%-escape"},
        {"file:///a%zz", SM_ERR_INVALID, "%-escape"},
        {"file:///a%00b", SM_ERR_INVALID, "%-escape"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sm_location_t l2 = {.kind = SM_LOCATION_S3};
        sm_err_t rc = sm_store_location_parse(bad[i].text, &l2, &e);
        CHECK_EQ_INT(rc, bad[i].code);
        CHECK(strstr(e.msg, bad[i].msg_part) != NULL);
        if (!strstr(e.msg, bad[i].msg_part))
            fprintf(stderr, "  '%s': %s\n", bad[i].text, e.msg);
        CHECK(l2.kind == 0 && !l2.path && !l2.bucket && !l2.prefix);
    }
    sm_location_t l3;
    CHECK_EQ_INT(sm_store_location_parse(NULL, &l3, &e), SM_ERR_INVALID);
}

static void test_open(void)
{
    sm_error_t e = {0};
    sm_store_t *st = (sm_store_t *)&e;
    CHECK_OK(sm_store_open("s3://bucket/prefix", &st, &e), &e); /* no request is made at open */
    CHECK(st != NULL);
    sm_store_close(st);
    CHECK_EQ_INT(sm_store_open("s3://", &st, &e), SM_ERR_INVALID);
    /* A file is not a store root. */
    char file[512];
    snprintf(file, sizeof file, "%s/plainfile", tmp_root);
    FILE *f = fopen(file, "w");
    fclose(f);
    CHECK_EQ_INT(sm_store_open(file, &st, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "not a directory") != NULL);
    /* A root that does not exist yet is fine; the first put creates it. */
    char root[512];
    snprintf(root, sizeof root, "file://%s/not/yet/there", tmp_root);
    CHECK_OK(sm_store_open(root, &st, &e), &e);
    CHECK(strstr(sm_store_location(st), "/not/yet/there") != NULL);
    sm_store_list_t list;
    CHECK_OK(sm_store_list(st, NULL, &list, &e), &e);
    CHECK_EQ_INT(list.count, 0);
    CHECK(!list.truncated);
    sm_store_list_free(&list);
    CHECK_OK(sm_store_put(st, "k", "v", 1, &e), &e);
    sm_store_close(st);
    snprintf(root, sizeof root, "%s/not/yet/there/k", tmp_root);
    struct stat sb;
    CHECK(stat(root, &sb) == 0 && sb.st_size == 1);
    sm_store_close(NULL);
}

/* ---- keys ---- */

static void test_keys(void)
{
    sm_error_t e = {0};
    static const char *good[] = {
        "a",       "a/b.parquet", "with space/ü.json", "_delta_log/00000000000000000000.json",
        ".hidden", "..x",         "a/.b.tmp-",         "a...b"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK_OK(sm_store_key_check(good[i], strlen(good[i]), &e), &e);
    static const struct {
        const char *key;
        const char *msg_part;
    } bad[] = {
        {"", "empty"},
        {"/abs", "absolute"},
        {"..", "'..' segment"},
        {"a/../../etc/passwd", "'..' segment"},
        {"a/..", "'..' segment"},
        {"./a", "'.' segment"},
        {"a//b", "empty path segment"},
        {"a/", "empty path segment"},
        {"dir/.x.parquet.tmp-123-00ff00ff00ff00ff", "temporary"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(sm_store_key_check(bad[i].key, strlen(bad[i].key), &e), SM_ERR_INVALID);
        CHECK(strstr(e.msg, bad[i].msg_part) != NULL);
    }
    CHECK_EQ_INT(sm_store_key_check("a\0b", 3, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "NUL byte at offset 1") != NULL);
    char longkey[SM_STORE_KEY_MAX + 2];
    memset(longkey, 'k', sizeof longkey);
    CHECK_OK(sm_store_key_check(longkey, SM_STORE_KEY_MAX, &e), &e);
    CHECK_EQ_INT(sm_store_key_check(longkey, SM_STORE_KEY_MAX + 1, &e), SM_ERR_INVALID);

    /* The store refuses bad keys in every operation, naming them. */
    sm_store_t *st = fresh_store("keys");
    char buf[4];
    sm_buf_t b = SM_BUF_INIT;
    sm_store_info_t info;
    sm_store_writer_t *w;
    CHECK_EQ_INT(sm_store_put(st, "../escape", "x", 1, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "../escape") != NULL);
    CHECK_EQ_INT(sm_store_put_if_absent(st, "/etc/x", "x", 1, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_store_get(st, "a/../../x", 0, &b, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_store_get_range(st, "..", 0, 1, buf, 0, NULL, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_store_head(st, "", &info, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_store_delete(st, "../x", &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_store_writer_open(st, "a/../..", 0, &w, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_store_get(st, NULL, 0, &b, &e), SM_ERR_INVALID);
    sm_store_list_t list;
    sm_store_list_opts_t o = {.prefix = "../"};
    CHECK_EQ_INT(sm_store_list(st, &o, &list, &e), SM_ERR_INVALID);
    o.prefix = "/abs";
    CHECK_EQ_INT(sm_store_list(st, &o, &list, &e), SM_ERR_INVALID);
    o.prefix = "a/./";
    CHECK_EQ_INT(sm_store_list(st, &o, &list, &e), SM_ERR_INVALID);
    o.prefix = "a/.."; /* a partial name: matches "a/..x" */
    CHECK_OK(sm_store_list(st, &o, &list, &e), &e);
    sm_store_list_free(&list);
    sm_buf_free(&b);
    sm_store_close(st);
}

/* ---- objects ---- */

static void test_put_get_head_delete(void)
{
    sm_error_t e = {0};
    sm_store_t *st = fresh_store("basic");
    sm_buf_t b = SM_BUF_INIT;
    sm_store_info_t info;

    CHECK_EQ_INT(sm_store_get(st, "x/y.json", 0, &b, &e), SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "x/y.json") != NULL);
    CHECK_EQ_INT(sm_store_head(st, "x/y.json", &info, &e), SM_ERR_NOT_FOUND);
    CHECK_OK(sm_store_delete(st, "x/y.json", &e), &e); /* absent: fine */

    CHECK_OK(sm_store_put(st, "x/y.json", "{\"a\":1}", 7, &e), &e);
    CHECK_OK(sm_store_get(st, "x/y.json", 0, &b, &e), &e);
    CHECK_EQ_INT(b.len, 7);
    CHECK_EQ_STR((char *)b.data, "{\"a\":1}");
    CHECK_OK(sm_store_head(st, "x/y.json", &info, &e), &e);
    CHECK_EQ_INT(info.size, 7);
    int64_t now_ms = (int64_t)time(NULL) * 1000;
    CHECK(info.mtime_ms > now_ms - 60000 && info.mtime_ms < now_ms + 60000);

    /* Overwrite, then an empty object. */
    CHECK_OK(sm_store_put(st, "x/y.json", "new", 3, &e), &e);
    CHECK_OK(sm_store_get(st, "x/y.json", 0, &b, &e), &e);
    CHECK_EQ_STR((char *)b.data, "new");
    CHECK_OK(sm_store_put(st, "empty", NULL, 0, &e), &e);
    CHECK_OK(sm_store_get(st, "empty", 0, &b, &e), &e);
    CHECK_EQ_INT(b.len, 0);
    CHECK_OK(sm_store_head(st, "empty", &info, &e), &e);
    CHECK_EQ_INT(info.size, 0);

    /* A directory is not an object. */
    CHECK_EQ_INT(sm_store_get(st, "x", 0, &b, &e), SM_ERR_NOT_FOUND);
    CHECK_EQ_INT(b.len, 0);
    CHECK_EQ_INT(sm_store_head(st, "x", &info, &e), SM_ERR_NOT_FOUND);
    CHECK_OK(sm_store_delete(st, "x", &e), &e);
    /* Below a file is nothing. */
    CHECK_EQ_INT(sm_store_get(st, "empty/sub", 0, &b, &e), SM_ERR_NOT_FOUND);

    /* Size limits. */
    CHECK_EQ_INT(sm_store_get(st, "x/y.json", 2, &b, &e), SM_ERR_LIMIT);
    CHECK(strstr(e.msg, "limit") != NULL);
    CHECK_EQ_INT(b.len, 0);
    CHECK_OK(sm_store_get(st, "x/y.json", 3, &b, &e), &e);
    sm_buf_t lim = SM_BUF_INIT;
    lim.limit = 2;
    CHECK_EQ_INT(sm_store_get(st, "x/y.json", 0, &lim, &e), SM_ERR_LIMIT);
    lim.limit = 3;
    CHECK_OK(sm_store_get(st, "x/y.json", 0, &lim, &e), &e);
    CHECK(lim.len == 3 && memcmp(lim.data, "new", 3) == 0);
    sm_buf_free(&lim);

    /* A bigger object (past one read). */
    size_t big = 3 << 20;
    uint8_t *data = malloc(big);
    for (size_t i = 0; i < big; i++)
        data[i] = (uint8_t)(i * 131 + (i >> 9));
    CHECK_OK(sm_store_put(st, "big/blob.bin", data, big, &e), &e);
    CHECK_OK(sm_store_get(st, "big/blob.bin", 0, &b, &e), &e);
    CHECK(b.len == big && memcmp(b.data, data, big) == 0);
    free(data);

    CHECK_OK(sm_store_delete(st, "x/y.json", &e), &e);
    CHECK_EQ_INT(sm_store_get(st, "x/y.json", 0, &b, &e), SM_ERR_NOT_FOUND);
    CHECK_EQ_INT(sm_store_head(st, "x/y.json", &info, &e), SM_ERR_NOT_FOUND);
    CHECK_OK(sm_store_delete(st, "x/y.json", &e), &e);

    char root[512];
    snprintf(root, sizeof root, "%s/basic", tmp_root);
    CHECK(!has_temp(root));
    sm_buf_free(&b);
    sm_store_close(st);
}

static void test_get_range(void)
{
    sm_error_t e = {0};
    sm_store_t *st = fresh_store("range");
    CHECK_OK(sm_store_put(st, "f", "0123456789", 10, &e), &e);
    char buf[16];
    size_t got = 99;
    CHECK_OK(sm_store_get_range(st, "f", 0, 10, buf, 0, &got, &e), &e);
    CHECK(got == 10 && memcmp(buf, "0123456789", 10) == 0);
    CHECK_OK(sm_store_get_range(st, "f", 9, 1, buf, 0, &got, &e), &e);
    CHECK(got == 1 && buf[0] == '9');
    CHECK_OK(sm_store_get_range(st, "f", 0, 0, NULL, 0, &got, &e), &e);
    CHECK_EQ_INT(got, 0);
    CHECK_OK(sm_store_get_range(st, "f", 10, 0, buf, 0, &got, &e), &e);
    CHECK_OK(sm_store_get_range(st, "f", 4, 3, buf, 0, NULL, &e), &e);
    CHECK(memcmp(buf, "456", 3) == 0);
    /* Past the end. */
    CHECK_EQ_INT(sm_store_get_range(st, "f", 8, 3, buf, 0, &got, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "8+3") != NULL && strstr(e.msg, "10 bytes") != NULL);
    CHECK_EQ_INT(sm_store_get_range(st, "f", 10, 1, buf, 0, &got, &e), SM_ERR_CORRUPT);
    CHECK_EQ_INT(sm_store_get_range(st, "f", UINT64_MAX, 1, buf, 0, &got, &e), SM_ERR_CORRUPT);
    /* ... unless asked. */
    CHECK_OK(sm_store_get_range(st, "f", 8, 5, buf, SM_STORE_SHORT_OK, &got, &e), &e);
    CHECK(got == 2 && memcmp(buf, "89", 2) == 0);
    CHECK_OK(sm_store_get_range(st, "f", 10, 5, buf, SM_STORE_SHORT_OK, &got, &e), &e);
    CHECK_EQ_INT(got, 0);
    CHECK_OK(sm_store_get_range(st, "f", 1000, 5, buf, SM_STORE_SHORT_OK, &got, &e), &e);
    CHECK_EQ_INT(got, 0);
    CHECK_EQ_INT(sm_store_get_range(st, "missing", 0, 1, buf, 0, &got, &e), SM_ERR_NOT_FOUND);
    sm_store_close(st);
}

/* ---- put if absent ---- */

typedef struct race {
    sm_store_t *st;
    const char *key;
    int id;
    sm_err_t rc;
    pthread_barrier_t *bar;
} race;

static void *race_thread(void *arg)
{
    race *r = arg;
    char body[32];
    int n = snprintf(body, sizeof body, "writer %d", r->id);
    sm_error_t e;
    pthread_barrier_wait(r->bar);
    r->rc = sm_store_put_if_absent(r->st, r->key, body, (size_t)n, &e);
    return NULL;
}

static void test_put_if_absent(void)
{
    sm_error_t e = {0};
    sm_store_t *st = fresh_store("pia");
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_store_put_if_absent(st, "_delta_log/00000000000000000000.json", "v0", 2, &e), &e);
    CHECK_EQ_INT(sm_store_put_if_absent(st, "_delta_log/00000000000000000000.json", "XX", 2, &e),
                 SM_ERR_EXISTS);
    CHECK(strstr(e.msg, "00000000000000000000.json") != NULL);
    CHECK(strstr(e.msg, "already exists") != NULL);
    CHECK_OK(sm_store_get(st, "_delta_log/00000000000000000000.json", 0, &b, &e), &e);
    CHECK_EQ_STR((char *)b.data, "v0");

    /* 8 threads race for each of 20 keys: exactly one wins each.  Odd
     * rounds race into directories that do not exist yet (a new table's
     * log), which the writers create as they go. */
    enum { THREADS = 8, ROUNDS = 20 };
    for (int round = 0; round < ROUNDS; round++) {
        char key[64];
        if (round % 2)
            snprintf(key, sizeof key, "t%d/_delta_log/%020d.json", round, 0);
        else
            snprintf(key, sizeof key, "_delta_log/%020d.json", round + 1);
        pthread_barrier_t bar;
        pthread_barrier_init(&bar, NULL, THREADS);
        pthread_t th[THREADS];
        race r[THREADS];
        for (int i = 0; i < THREADS; i++) {
            r[i] = (race){.st = st, .key = key, .id = i, .bar = &bar};
            pthread_create(&th[i], NULL, race_thread, &r[i]);
        }
        int winners = 0, losers = 0, winner = -1;
        for (int i = 0; i < THREADS; i++) {
            pthread_join(th[i], NULL);
            if (r[i].rc == SM_OK)
                winners++, winner = i;
            else if (r[i].rc == SM_ERR_EXISTS)
                losers++;
        }
        pthread_barrier_destroy(&bar);
        CHECK_EQ_INT(winners, 1);
        CHECK_EQ_INT(losers, THREADS - 1);
        char want[32];
        snprintf(want, sizeof want, "writer %d", winner);
        CHECK_OK(sm_store_get(st, key, 0, &b, &e), &e);
        CHECK_EQ_STR((char *)b.data, want);
        if (round % 2) { /* the new directory holds the winner's file, no temporary one */
            char dir[1024];
            snprintf(dir, sizeof dir, "%s/pia/t%d/_delta_log", tmp_root, round);
            CHECK_EQ_INT(count_files(dir), 1);
        }
    }

    /* 8 processes race for one key. */
    const char *key = "_delta_log/00000000000000000999.json";
    pid_t pids[8];
    for (int i = 0; i < 8; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            char body[32];
            int n = snprintf(body, sizeof body, "process %d", i);
            sm_error_t ce;
            sm_err_t rc = sm_store_put_if_absent(st, key, body, (size_t)n, &ce);
            _exit(rc == SM_OK ? 0 : rc == SM_ERR_EXISTS ? 1 : 2);
        }
    }
    int winners = 0, losers = 0;
    for (int i = 0; i < 8; i++) {
        int status = 0;
        waitpid(pids[i], &status, 0);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            winners++;
        else if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
            losers++;
    }
    CHECK_EQ_INT(winners, 1);
    CHECK_EQ_INT(losers, 7);

    char root[512];
    snprintf(root, sizeof root, "%s/pia", tmp_root);
    CHECK(!has_temp(root));
    sm_store_list_t list;
    CHECK_OK(sm_store_list(st, NULL, &list, &e), &e);
    CHECK_EQ_INT(list.count, 1 + ROUNDS + 1);
    sm_store_list_free(&list);
    sm_buf_free(&b);
    sm_store_close(st);
}

/* ---- listing ---- */

static void test_list_pagination(void)
{
    sm_error_t e = {0};
    sm_store_t *st = fresh_store("list");
    enum { N = 2500 };
    /* Spread over nested directories, numbered so that order is known.
     * Written with stdio: 2,500 fsynced puts take half a minute on slow
     * disks, and the listing does not care who wrote the files. */
    CHECK_OK(sm_store_put(st, "t/d0/part-00000.parquet", "t/d0/part-00000.parquet", 23, &e), &e);
    for (int i = 1; i < N; i++) {
        char key[64], path[700];
        snprintf(key, sizeof key, "t/d%d/part-%05d.parquet", i % 7, i);
        snprintf(path, sizeof path, "%s/list/t/d%d", tmp_root, i % 7);
        mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/list/%s", tmp_root, key);
        FILE *f = fopen(path, "w");
        CHECK(f != NULL);
        if (f) {
            fputs(key, f);
            fclose(f);
        }
    }
    CHECK_OK(sm_store_put(st, "other/x", "x", 1, &e), &e);
    CHECK_OK(sm_store_put(st, "t.txt", "x", 1, &e), &e);

    char *seen[N + 1];
    int total = 0, pages = 0, sorted = 1;
    sm_store_list_opts_t o = {.prefix = "t/", .max_keys = 1000};
    char *token = NULL;
    for (;;) {
        sm_store_list_t list;
        o.token = token;
        CHECK_OK(sm_store_list(st, &o, &list, &e), &e);
        pages++;
        for (size_t i = 0; i < list.count && total < N + 1; i++) {
            seen[total] = strdup(list.entries[i].key);
            if (total > 0 && strcmp(seen[total - 1], seen[total]) >= 0)
                sorted = 0;
            total++;
        }
        free(token);
        token = list.truncated ? strdup(list.next_token) : NULL;
        if (pages == 1 || pages == 2)
            CHECK(list.count == 1000 && list.truncated);
        if (pages == 3)
            CHECK(list.count == 500 && !list.truncated && list.next_token == NULL);
        sm_store_list_free(&list);
        if (!token || pages > 5)
            break;
    }
    CHECK_EQ_INT(pages, 3);
    CHECK_EQ_INT(total, N);
    CHECK(sorted);
    /* Each key once: sorted and strictly increasing, and the right count. */
    int good = 1;
    for (int i = 0; i < total; i++) {
        if (strncmp(seen[i], "t/d", 3) != 0)
            good = 0;
        free(seen[i]);
    }
    CHECK(good);
    free(token);

    /* Prefix filtering, within one directory and across a partial name. */
    sm_store_list_t list;
    o = (sm_store_list_opts_t){.prefix = "t/d3/part-0001"};
    CHECK_OK(sm_store_list(st, &o, &list, &e), &e);
    /* i in 10..19 with i % 7 == 3: 10, 17 */
    CHECK_EQ_INT(list.count, 2);
    if (list.count == 2) {
        CHECK_EQ_STR(list.entries[0].key, "t/d3/part-00010.parquet");
        CHECK_EQ_STR(list.entries[1].key, "t/d3/part-00017.parquet");
        CHECK_EQ_INT(list.entries[0].size, strlen("t/d3/part-00010.parquet"));
    }
    sm_store_list_free(&list);
    o = (sm_store_list_opts_t){.prefix = "t"};
    CHECK_OK(sm_store_list(st, &o, &list, &e), &e);
    CHECK_EQ_INT(list.count, 1000);
    CHECK(list.truncated);
    sm_store_list_free(&list);
    o = (sm_store_list_opts_t){.prefix = "t.", .max_keys = 5000};
    CHECK_OK(sm_store_list(st, &o, &list, &e), &e);
    CHECK_EQ_INT(list.count, 1);
    CHECK_EQ_STR(list.entries[0].key, "t.txt");
    sm_store_list_free(&list);
    o = (sm_store_list_opts_t){.prefix = "nothing/"};
    CHECK_OK(sm_store_list(st, &o, &list, &e), &e);
    CHECK_EQ_INT(list.count, 0);
    CHECK(!list.truncated);
    sm_store_list_free(&list);

    /* start_after, as Delta lists the log from a version. */
    o = (sm_store_list_opts_t){.prefix = "t/d6/", .start_after = "t/d6/part-02490.parquet"};
    CHECK_OK(sm_store_list(st, &o, &list, &e), &e);
    /* i % 7 == 6 and i > 2490: 2491, 2498 */
    CHECK_EQ_INT(list.count, 2);
    if (list.count == 2) {
        CHECK_EQ_STR(list.entries[0].key, "t/d6/part-02491.parquet");
        CHECK_EQ_STR(list.entries[1].key, "t/d6/part-02498.parquet");
    }
    sm_store_list_free(&list);
    sm_store_close(st);
}

static void test_list_order_and_temp_files(void)
{
    sm_error_t e = {0};
    sm_store_t *st = fresh_store("order");
    /* '-' (0x2d) < '/' (0x2f) < '0' (0x30): the walk must interleave. */
    static const char *keys[] = {
        "a/b",  "a-c", "a0", "a/b/c", "ab", "a/a", "b", "with space/ü.json", "with space/z.json",
        "a.b/x"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        sm_err_t rc = sm_store_put(st, keys[i], "v", 1, &e);
        /* "a/b" and "a/b/c" cannot both exist on a filesystem. */
        if (strcmp(keys[i], "a/b/c") == 0)
            CHECK(rc == SM_ERR_IO);
        else
            CHECK_OK(rc, &e);
    }
    /* A stray temporary file, a symlink and an empty directory: not listed. */
    char path[600];
    snprintf(path, sizeof path, "%s/order/a/.b.tmp-1-0123abcd", tmp_root);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    snprintf(path, sizeof path, "%s/order/link", tmp_root);
    CHECK(symlink("b", path) == 0);
    snprintf(path, sizeof path, "%s/order/emptydir", tmp_root);
    CHECK(mkdir(path, 0755) == 0);

    static const char *want[] = {
        "a-c", "a.b/x", "a/a", "a/b", "a0", "ab", "b", "with space/z.json", "with space/ü.json"};
    size_t nwant = sizeof want / sizeof want[0];
    sm_store_list_t list;
    CHECK_OK(sm_store_list(st, NULL, &list, &e), &e);
    CHECK_EQ_INT(list.count, nwant);
    for (size_t i = 0; i < list.count && i < nwant; i++)
        CHECK_EQ_STR(list.entries[i].key, want[i]);
    sm_store_list_free(&list);

    /* Pages of 1 with tokens walk the same order. */
    sm_store_list_opts_t o = {.max_keys = 1};
    char *token = NULL;
    size_t i = 0;
    do {
        o.token = token;
        CHECK_OK(sm_store_list(st, &o, &list, &e), &e);
        CHECK(list.count == 1 || (list.count == 0 && i == nwant));
        if (list.count == 1 && i < nwant)
            CHECK_EQ_STR(list.entries[0].key, want[i]);
        i += list.count;
        free(token);
        token = list.truncated ? strdup(list.next_token) : NULL;
        sm_store_list_free(&list);
    } while (token && i <= nwant);
    CHECK_EQ_INT(i, nwant);
    free(token);

    /* UTF-8 and spaces round trip. */
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_store_get(st, "with space/ü.json", 0, &b, &e), &e);
    CHECK_EQ_STR((char *)b.data, "v");
    sm_buf_free(&b);
    sm_store_close(st);
}

/* ---- streaming writer ---- */

static void test_writer(void)
{
    sm_error_t e = {0};
    sm_store_t *st = fresh_store("writer");
    char root[512];
    snprintf(root, sizeof root, "%s/writer", tmp_root);
    sm_store_writer_t *w = NULL;
    CHECK_OK(sm_store_writer_open(st, "silver/t/part-0.parquet", 0, &w, &e), &e);
    size_t total = 0;
    uint8_t *expect = malloc(2 << 20);
    uint32_t seed = 7;
    while (total < (2u << 20) - 70000) {
        size_t n = 1 + (seed = seed * 1103515245 + 12345) % 70000;
        uint8_t chunk[70000];
        for (size_t i = 0; i < n; i++)
            chunk[i] = expect[total + i] = (uint8_t)(total + i * 7);
        CHECK_OK(sm_store_writer_write(w, chunk, n, &e), &e);
        total += n;
        CHECK_EQ_INT(sm_store_writer_offset(w), total);
    }
    CHECK_OK(sm_store_writer_write(w, NULL, 0, &e), &e);
    /* Not visible before commit; the temp file is not listed. */
    sm_store_info_t info;
    CHECK_EQ_INT(sm_store_head(st, "silver/t/part-0.parquet", &info, &e), SM_ERR_NOT_FOUND);
    sm_store_list_t list;
    CHECK_OK(sm_store_list(st, NULL, &list, &e), &e);
    CHECK_EQ_INT(list.count, 0);
    sm_store_list_free(&list);
    CHECK(has_temp(root));
    CHECK_OK(sm_store_writer_commit(w, &e), &e);
    CHECK(!has_temp(root));
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_store_get(st, "silver/t/part-0.parquet", 0, &b, &e), &e);
    CHECK(b.len == total && memcmp(b.data, expect, total) == 0);
    free(expect);

    /* Abort leaves nothing behind. */
    int before = count_files(root);
    CHECK_OK(sm_store_writer_open(st, "silver/t/part-1.parquet", 0, &w, &e), &e);
    CHECK_OK(sm_store_writer_write(w, "abc", 3, &e), &e);
    sm_store_writer_abort(w);
    CHECK_EQ_INT(count_files(root), before);
    CHECK_EQ_INT(sm_store_head(st, "silver/t/part-1.parquet", &info, &e), SM_ERR_NOT_FOUND);
    sm_store_writer_abort(NULL);

    /* An empty object through a writer; abort in a fresh directory. */
    CHECK_OK(sm_store_writer_open(st, "empty.bin", 0, &w, &e), &e);
    CHECK_OK(sm_store_writer_commit(w, &e), &e);
    CHECK_OK(sm_store_head(st, "empty.bin", &info, &e), &e);
    CHECK_EQ_INT(info.size, 0);
    CHECK_OK(sm_store_writer_open(st, "new/dir/f", 0, &w, &e), &e);
    sm_store_writer_abort(w);
    CHECK(!has_temp(root));

    /* If-absent writers. */
    CHECK_OK(sm_store_writer_open(st, "silver/t/part-0.parquet", SM_STORE_IF_ABSENT, &w, &e), &e);
    CHECK_OK(sm_store_writer_write(w, "zzz", 3, &e), &e);
    CHECK_EQ_INT(sm_store_writer_commit(w, &e), SM_ERR_EXISTS);
    CHECK(!has_temp(root));
    CHECK_OK(sm_store_head(st, "silver/t/part-0.parquet", &info, &e), &e);
    CHECK_EQ_INT(info.size, total);
    CHECK_OK(sm_store_writer_open(st, "silver/t/part-2.parquet", SM_STORE_IF_ABSENT, &w, &e), &e);
    CHECK_OK(sm_store_writer_write(w, "zzz", 3, &e), &e);
    CHECK_OK(sm_store_writer_commit(w, &e), &e);
    CHECK_OK(sm_store_get(st, "silver/t/part-2.parquet", 0, &b, &e), &e);
    CHECK_EQ_STR((char *)b.data, "zzz");

    sm_buf_free(&b);
    sm_store_close(st);
}

static void test_file_modes(void)
{
    sm_error_t e = {0};
    mode_t old = umask(022);
    sm_store_t *st = fresh_store("modes");
    CHECK_OK(sm_store_put(st, "d/put", "x", 1, &e), &e);
    CHECK_OK(sm_store_put_if_absent(st, "d/pia", "x", 1, &e), &e);
    sm_store_writer_t *w;
    CHECK_OK(sm_store_writer_open(st, "d/w", 0, &w, &e), &e);
    CHECK_OK(sm_store_writer_commit(w, &e), &e);
    static const char *names[] = {"d/put", "d/pia", "d/w"};
    for (int i = 0; i < 3; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/modes/%s", tmp_root, names[i]);
        struct stat sb;
        CHECK(stat(path, &sb) == 0);
        CHECK_EQ_INT(sb.st_mode & 07777, 0644);
    }
    char dir[600];
    snprintf(dir, sizeof dir, "%s/modes/d", tmp_root);
    struct stat sb;
    CHECK(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 0777) == 0755);
    umask(old);
    sm_store_close(st);
}

/* Every allocation of each operation fails in turn: NOMEM, no leak (ASan),
 * no temporary file left, and the store still works afterwards. */
static void test_allocation_failures(void)
{
    char root[512];
    snprintf(root, sizeof root, "%s/alloc", tmp_root);
    rm_rf(root);
    sm_error_t e = {0};
    int done_ops = 0;
    for (int op = 0; op < 6; op++) {
        int done = 0;
        for (long k = 1; k < 200 && !done; k++) {
            sm_store_t *st = NULL;
            sm_buf_t b = SM_BUF_INIT;
            sm_store_list_t list = {0};
            sm_location_t loc = {0};
            sm_store_writer_t *w = NULL;
            sm_mem_fail_after(k);
            sm_err_t rc = op == 5 ? sm_store_location_parse("s3://bucket/a/b", &loc, &e)
                                  : sm_store_open(root, &st, &e);
            if (!rc && op == 0)
                rc = sm_store_put(st, "a/b/c.json", "hello", 5, &e);
            if (!rc && op == 1)
                rc = sm_store_put_if_absent(st, "pia/c.json", "hello", 5, &e);
            if (!rc && op == 2)
                rc = sm_store_get(st, "a/b/c.json", 0, &b, &e);
            if (!rc && op == 3)
                rc = sm_store_list(st, NULL, &list, &e);
            if (!rc && op == 4) {
                rc = sm_store_writer_open(st, "w/x", 0, &w, &e);
                if (!rc)
                    rc = sm_store_writer_write(w, "abc", 3, &e);
                if (!rc) {
                    rc = sm_store_writer_commit(w, &e);
                    w = NULL;
                }
            }
            sm_mem_fail_after(0);
            sm_store_writer_abort(w);
            if (rc == SM_ERR_EXISTS && op == 1)
                rc = SM_OK; /* an earlier round won */
            if (rc) {
                CHECK_EQ_INT(rc, SM_ERR_NOMEM);
            } else {
                done = 1;
                if (op == 2)
                    CHECK(b.len == 5 && memcmp(b.data, "hello", 5) == 0);
                if (op == 3)
                    CHECK_EQ_INT(list.count, 2);
            }
            sm_store_list_free(&list);
            sm_buf_free(&b);
            sm_store_location_free(&loc);
            sm_store_close(st);
            CHECK(!has_temp(root));
        }
        CHECK(done);
        done_ops += done;
    }
    CHECK_EQ_INT(done_ops, 6);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(tmp_root, sizeof tmp_root, "%s/smelt-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmp_root)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_location_parse);
    RUN(test_open);
    RUN(test_keys);
    RUN(test_put_get_head_delete);
    RUN(test_get_range);
    RUN(test_put_if_absent);
    RUN(test_list_pagination);
    RUN(test_list_order_and_temp_files);
    RUN(test_writer);
    RUN(test_file_modes);
    RUN(test_allocation_failures);
    rm_rf(tmp_root);
    return check_summary();
}
