/* tests/store/s3_check — the S3 store against a real S3 server (MinIO).
 *
 * Environment (test_s3.sh sets it): AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_REGION; S3_CHECK_BUCKET (an existing bucket);
 * S3_CHECK_PROXY (optional: the faultproxy.py endpoint, for the retry
 * tests and the parallel gets); S3_CHECK_BENCH=1 to time a 64 MB PUT and GET.
 * Every test works under a fresh prefix run-<random>/, so runs never meet.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/mem.h"
#include "store/store.h"

static const char *bucket;
static char root[256]; /* s3://bucket/run-xxxx */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static sm_store_t *open_sub(const char *sub, const sm_store_opts_t *opts)
{
    char loc[512];
    snprintf(loc, sizeof loc, "%s/%s", root, sub);
    sm_error_t e = {0};
    sm_store_t *st = NULL;
    CHECK_OK(sm_store_open_ex(loc, opts, &st, &e), &e);
    return st;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
}

/* ---- basic objects ---- */

static void test_put_get_head_delete(void)
{
    sm_store_t *st = open_sub("basic", NULL);
    sm_error_t e = {0};
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_store_put(st, "a/b/hello.txt", "hello world", 11, &e), &e);
    CHECK_OK(sm_store_get(st, "a/b/hello.txt", 0, &b, &e), &e);
    CHECK_EQ_INT(b.len, 11);
    CHECK(b.len == 11 && memcmp(b.data, "hello world", 11) == 0);
    sm_store_info_t info;
    CHECK_OK(sm_store_head(st, "a/b/hello.txt", &info, &e), &e);
    CHECK_EQ_INT(info.size, 11);
    int64_t now_ms = (int64_t)time(NULL) * 1000;
    CHECK(info.mtime_ms > now_ms - 120000 && info.mtime_ms < now_ms + 120000);
    /* replace */
    CHECK_OK(sm_store_put(st, "a/b/hello.txt", "bye", 3, &e), &e);
    CHECK_OK(sm_store_get(st, "a/b/hello.txt", 0, &b, &e), &e);
    CHECK(b.len == 3 && memcmp(b.data, "bye", 3) == 0);
    /* limit */
    CHECK_EQ_INT(sm_store_get(st, "a/b/hello.txt", 2, &b, &e), SM_ERR_LIMIT);
    CHECK_EQ_INT(b.len, 0);
    CHECK_OK(sm_store_get(st, "a/b/hello.txt", 3, &b, &e), &e);
    /* empty object */
    CHECK_OK(sm_store_put(st, "empty", NULL, 0, &e), &e);
    CHECK_OK(sm_store_get(st, "empty", 0, &b, &e), &e);
    CHECK_EQ_INT(b.len, 0);
    CHECK_OK(sm_store_head(st, "empty", &info, &e), &e);
    CHECK_EQ_INT(info.size, 0);
    /* missing */
    CHECK_EQ_INT(sm_store_get(st, "nope", 0, &b, &e), SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "no object 'nope'") != NULL);
    CHECK_EQ_INT(sm_store_head(st, "nope", &info, &e), SM_ERR_NOT_FOUND);
    /* delete, twice */
    CHECK_OK(sm_store_delete(st, "a/b/hello.txt", &e), &e);
    CHECK_OK(sm_store_delete(st, "a/b/hello.txt", &e), &e);
    CHECK_EQ_INT(sm_store_head(st, "a/b/hello.txt", &info, &e), SM_ERR_NOT_FOUND);
    /* put_if_absent */
    CHECK_OK(sm_store_put_if_absent(st, "once", "1", 1, &e), &e);
    CHECK_EQ_INT(sm_store_put_if_absent(st, "once", "2", 1, &e), SM_ERR_EXISTS);
    CHECK(strstr(e.msg, "already exists") != NULL);
    CHECK_OK(sm_store_get(st, "once", 0, &b, &e), &e);
    CHECK(b.len == 1 && b.data[0] == '1');
    sm_buf_free(&b);
    sm_store_close(st);
}

static void test_ranges(void)
{
    sm_store_t *st = open_sub("ranges", NULL);
    sm_error_t e = {0};
    uint8_t obj[1000], got[64];
    fill(obj, sizeof obj, 7);
    CHECK_OK(sm_store_put(st, "obj", obj, sizeof obj, &e), &e);
    size_t n = 99;
    CHECK_OK(sm_store_get_range(st, "obj", 0, 10, got, 0, &n, &e), &e);
    CHECK(n == 10 && memcmp(got, obj, 10) == 0);
    CHECK_OK(sm_store_get_range(st, "obj", 990, 10, got, 0, &n, &e), &e);
    CHECK(n == 10 && memcmp(got, obj + 990, 10) == 0);
    CHECK_OK(sm_store_get_range(st, "obj", 999, 1, got, 0, &n, &e), &e);
    CHECK(n == 1 && got[0] == obj[999]);
    /* past the end */
    CHECK_EQ_INT(sm_store_get_range(st, "obj", 995, 10, got, 0, &n, &e), SM_ERR_CORRUPT);
    CHECK(strstr(e.msg, "1000 bytes") != NULL);
    CHECK_OK(sm_store_get_range(st, "obj", 995, 10, got, SM_STORE_SHORT_OK, &n, &e), &e);
    CHECK(n == 5 && memcmp(got, obj + 995, 5) == 0);
    CHECK_OK(sm_store_get_range(st, "obj", 1000, 10, got, SM_STORE_SHORT_OK, &n, &e), &e);
    CHECK_EQ_INT(n, 0);
    CHECK_OK(sm_store_get_range(st, "obj", 5000, 10, got, SM_STORE_SHORT_OK, &n, &e), &e);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(sm_store_get_range(st, "obj", 1000, 1, got, 0, &n, &e), SM_ERR_CORRUPT);
    CHECK_OK(sm_store_get_range(st, "obj", 10, 0, got, 0, &n, &e), &e);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(sm_store_get_range(st, "missing", 0, 10, got, 0, &n, &e), SM_ERR_NOT_FOUND);
    CHECK_EQ_INT(sm_store_get_range(st, "missing", 0, 0, got, 0, &n, &e), SM_ERR_NOT_FOUND);
    /* a range on an empty object */
    CHECK_OK(sm_store_put(st, "empty", "", 0, &e), &e);
    CHECK_OK(sm_store_get_range(st, "empty", 0, 10, got, SM_STORE_SHORT_OK, &n, &e), &e);
    CHECK_EQ_INT(n, 0);
    sm_store_close(st);
}

/* ---- listing ---- */

typedef struct put_job {
    sm_store_t *st;
    int from, to;
    int failures;
} put_job;

static void *put_many(void *arg)
{
    put_job *j = arg;
    for (int i = j->from; i < j->to; i++) {
        char key[64];
        snprintf(key, sizeof key, "many/k%05d", i);
        sm_error_t e;
        if (sm_store_put(j->st, key, key, strlen(key), &e) != SM_OK) {
            fprintf(stderr, "put %s: %s\n", key, e.msg);
            j->failures++;
        }
    }
    return NULL;
}

static void test_list_pagination(void)
{
    enum { N = 2500, T = 8 };
    sm_store_t *st = open_sub("list", NULL);
    sm_error_t e = {0};
    double t0 = now_s();
    put_job jobs[T];
    pthread_t th[T];
    for (int t = 0; t < T; t++) {
        jobs[t] = (put_job){st, t * N / T, (t + 1) * N / T, 0};
        pthread_create(&th[t], NULL, put_many, &jobs[t]);
    }
    int failures = 0;
    for (int t = 0; t < T; t++) {
        pthread_join(th[t], NULL);
        failures += jobs[t].failures;
    }
    CHECK_EQ_INT(failures, 0);
    printf("  2500 PUTs from %d threads: %.2f s\n", T, now_s() - t0);
    CHECK_OK(sm_store_put(st, "manyx", "x", 1, &e), &e);
    CHECK_OK(sm_store_put(st, "other/a", "x", 1, &e), &e);

    int seen = 0, pages = 0;
    bool sorted = true;
    char last[64] = "";
    char *token = NULL;
    for (;;) {
        sm_store_list_opts_t o = {.prefix = "many/", .token = token};
        sm_store_list_t l;
        CHECK_OK(sm_store_list(st, &o, &l, &e), &e);
        pages++;
        for (size_t i = 0; i < l.count; i++) {
            char want[64];
            snprintf(want, sizeof want, "many/k%05d", seen);
            if (strcmp(l.entries[i].key, want) != 0 || l.entries[i].size != strlen(want))
                sorted = false;
            snprintf(last, sizeof last, "%s", l.entries[i].key);
            seen++;
        }
        if (pages == 1)
            CHECK_EQ_INT(l.count, 1000);
        sm_free(token);
        token = l.next_token ? sm_strdup(l.next_token) : NULL;
        bool more = l.truncated;
        if (more)
            CHECK_EQ_STR(l.next_token, last);
        sm_store_list_free(&l);
        if (!more || pages > 10)
            break;
    }
    sm_free(token);
    CHECK_EQ_INT(seen, N);
    CHECK_EQ_INT(pages, 3);
    CHECK(sorted);

    /* small pages, start_after, a prefix that is not a directory */
    sm_store_list_opts_t o = {.prefix = "many/k0249", .max_keys = 7};
    sm_store_list_t l;
    CHECK_OK(sm_store_list(st, &o, &l, &e), &e);
    CHECK_EQ_INT(l.count, 7);
    CHECK(l.truncated);
    CHECK_EQ_STR(l.entries[0].key, "many/k02490");
    CHECK_EQ_STR(l.next_token, "many/k02496");
    sm_store_list_free(&l);
    o = (sm_store_list_opts_t){.prefix = "many/k0249", .start_after = "many/k02496"};
    CHECK_OK(sm_store_list(st, &o, &l, &e), &e);
    CHECK_EQ_INT(l.count, 3);
    CHECK(!l.truncated);
    CHECK(l.next_token == NULL);
    sm_store_list_free(&l);
    o = (sm_store_list_opts_t){.prefix = "many"};
    CHECK_OK(sm_store_list(st, &o, &l, &e), &e);
    CHECK_EQ_INT(l.count, 1000);
    sm_store_list_free(&l);
    o = (sm_store_list_opts_t){.start_after = "many/k02499"};
    CHECK_OK(sm_store_list(st, &o, &l, &e), &e);
    CHECK_EQ_INT(l.count, 2);
    if (l.count == 2) {
        CHECK_EQ_STR(l.entries[0].key, "manyx");
        CHECK_EQ_STR(l.entries[1].key, "other/a");
    }
    sm_store_list_free(&l);
    o = (sm_store_list_opts_t){.prefix = "nothing/"};
    CHECK_OK(sm_store_list(st, &o, &l, &e), &e);
    CHECK_EQ_INT(l.count, 0);
    CHECK(!l.truncated);
    sm_store_list_free(&l);
    sm_store_close(st);
}

/* ---- put_if_absent race ---- */

typedef struct racer {
    sm_store_t *st;
    pthread_barrier_t *bar;
    int id;
    sm_err_t rc;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    char body[32];
    snprintf(body, sizeof body, "writer %d", r->id);
    pthread_barrier_wait(r->bar);
    sm_error_t e;
    r->rc = sm_store_put_if_absent(r->st, "_delta_log/00000000000000000001.json", body,
                                   strlen(body), &e);
    if (r->rc && r->rc != SM_ERR_EXISTS)
        fprintf(stderr, "racer %d: %s\n", r->id, e.msg);
    return NULL;
}

static void test_put_if_absent_race(void)
{
    enum { T = 8 };
    sm_store_t *st = open_sub("race", NULL);
    for (int round = 0; round < 3; round++) {
        sm_error_t e;
        sm_store_delete(st, "_delta_log/00000000000000000001.json", &e);
        pthread_barrier_t bar;
        pthread_barrier_init(&bar, NULL, T);
        racer r[T];
        pthread_t th[T];
        for (int i = 0; i < T; i++) {
            r[i] = (racer){st, &bar, i, SM_OK};
            pthread_create(&th[i], NULL, race, &r[i]);
        }
        int wins = 0, exists = 0, winner = -1;
        for (int i = 0; i < T; i++) {
            pthread_join(th[i], NULL);
            if (r[i].rc == SM_OK) {
                wins++;
                winner = i;
            } else if (r[i].rc == SM_ERR_EXISTS) {
                exists++;
            }
        }
        pthread_barrier_destroy(&bar);
        CHECK_EQ_INT(wins, 1);
        CHECK_EQ_INT(exists, T - 1);
        sm_buf_t b = SM_BUF_INIT;
        CHECK_OK(sm_store_get(st, "_delta_log/00000000000000000001.json", 0, &b, &e), &e);
        char want[32];
        snprintf(want, sizeof want, "writer %d", winner);
        CHECK(b.len == strlen(want) && memcmp(b.data, want, b.len) == 0);
        sm_buf_free(&b);
    }
    sm_store_close(st);
}

/* ---- multipart ---- */

static sm_err_t write_object(sm_store_t *st, const char *key, unsigned flags, const uint8_t *data,
                             size_t n, size_t chunk, sm_error_t *e)
{
    sm_store_writer_t *w;
    sm_err_t rc = sm_store_writer_open(st, key, flags, &w, e);
    if (rc)
        return rc;
    for (size_t off = 0; off < n; off += chunk) {
        size_t k = n - off < chunk ? n - off : chunk;
        if ((rc = sm_store_writer_write(w, data + off, k, e))) {
            sm_store_writer_abort(w);
            return rc;
        }
    }
    return sm_store_writer_commit(w, e);
}

static void test_multipart(void)
{
    const size_t n = 40u * 1000 * 1000 + 12345;
    sm_store_t *st = open_sub("multi", NULL);
    sm_error_t e = {0};
    uint8_t *data = malloc(n);
    fill(data, n, 42);
    double t0 = now_s();
    CHECK_OK(write_object(st, "big.bin", 0, data, n, 1000003, &e), &e);
    printf("  40 MB multipart upload (8 MiB parts, 4 in flight): %.2f s\n", now_s() - t0);
    sm_store_info_t info;
    CHECK_OK(sm_store_head(st, "big.bin", &info, &e), &e);
    CHECK_EQ_INT(info.size, n);
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_store_get(st, "big.bin", 0, &b, &e), &e);
    CHECK(b.len == n && memcmp(b.data, data, n) == 0);
    sm_buf_free(&b);
    /* the bytes around the part boundaries */
    uint8_t got[32];
    size_t k;
    const size_t part = 8u * 1024 * 1024;
    for (size_t p = 1; p <= 4; p++) {
        CHECK_OK(sm_store_get_range(st, "big.bin", p * part - 16, 32, got, 0, &k, &e), &e);
        CHECK(k == 32 && memcmp(got, data + p * part - 16, 32) == 0);
    }
    /* IF_ABSENT on the multipart path and on the one-PUT path */
    CHECK_EQ_INT(write_object(st, "big.bin", SM_STORE_IF_ABSENT, data, 20u << 20, 1 << 20, &e),
                 SM_ERR_EXISTS);
    CHECK_OK(sm_store_head(st, "big.bin", &info, &e), &e);
    CHECK_EQ_INT(info.size, n);
    CHECK_OK(write_object(st, "small", SM_STORE_IF_ABSENT, data, 1000, 100, &e), &e);
    CHECK_EQ_INT(write_object(st, "small", SM_STORE_IF_ABSENT, data, 10, 100, &e), SM_ERR_EXISTS);
    CHECK_OK(write_object(st, "fresh-big", SM_STORE_IF_ABSENT, data, 12u << 20, 1 << 20, &e), &e);
    CHECK_OK(sm_store_head(st, "fresh-big", &info, &e), &e);
    CHECK_EQ_INT(info.size, 12u << 20);
    /* exactly one part, exactly two parts */
    CHECK_OK(write_object(st, "one-part", 0, data, part, part, &e), &e);
    CHECK_OK(write_object(st, "two-parts", 0, data, 2 * part, part, &e), &e);
    CHECK_OK(sm_store_head(st, "two-parts", &info, &e), &e);
    CHECK_EQ_INT(info.size, 2 * part);
    CHECK_OK(write_object(st, "empty", 0, data, 0, 1, &e), &e);
    CHECK_OK(sm_store_head(st, "empty", &info, &e), &e);
    CHECK_EQ_INT(info.size, 0);
    /* abort leaves nothing (test_s3.sh also checks that no upload is left) */
    sm_store_writer_t *w;
    CHECK_OK(sm_store_writer_open(st, "aborted.bin", 0, &w, &e), &e);
    CHECK_OK(sm_store_writer_write(w, data, 30u << 20, &e), &e);
    sm_store_writer_abort(w);
    CHECK_EQ_INT(sm_store_head(st, "aborted.bin", &info, &e), SM_ERR_NOT_FOUND);
    CHECK_OK(sm_store_writer_open(st, "aborted-small", 0, &w, &e), &e);
    CHECK_OK(sm_store_writer_write(w, data, 100, &e), &e);
    sm_store_writer_abort(w);
    CHECK_EQ_INT(sm_store_head(st, "aborted-small", &info, &e), SM_ERR_NOT_FOUND);
    free(data);
    sm_store_close(st);
}

/* ---- names ---- */

static void test_odd_keys(void)
{
    static const char *const keys[] = {
        "with space/a b.txt",
        "plus+sign/1+1=2",
        "utf8/ключ/日本語/ümlaut.parquet",
        "punct/!$&'()*,;=:@[]^`{|}~#?%.bin",
        "amp&lt;/<tag>&amp;\"quote\"",
        "tab\tand\x01control",
    };
    const size_t n = sizeof keys / sizeof keys[0];
    sm_store_t *st = open_sub("odd keys", NULL);
    sm_error_t e = {0};
    for (size_t i = 0; i < n; i++) {
        CHECK_OK(sm_store_put(st, keys[i], keys[i], strlen(keys[i]), &e), &e);
        sm_buf_t b = SM_BUF_INIT;
        CHECK_OK(sm_store_get(st, keys[i], 0, &b, &e), &e);
        CHECK(b.len == strlen(keys[i]) && memcmp(b.data, keys[i], b.len) == 0);
        sm_buf_free(&b);
    }
    sm_store_list_t l;
    CHECK_OK(sm_store_list(st, NULL, &l, &e), &e);
    CHECK_EQ_INT(l.count, n);
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t j = 0; j < l.count; j++)
            found |= strcmp(l.entries[j].key, keys[i]) == 0;
        if (!found)
            fprintf(stderr, "key not listed: '%s'\n", keys[i]);
        CHECK(found);
    }
    for (size_t j = 1; j < l.count; j++)
        CHECK(strcmp(l.entries[j - 1].key, l.entries[j].key) < 0);
    sm_store_list_free(&l);
    sm_store_list_opts_t o = {.prefix = "plus+"};
    CHECK_OK(sm_store_list(st, &o, &l, &e), &e);
    CHECK_EQ_INT(l.count, 1);
    sm_store_list_free(&l);
    o = (sm_store_list_opts_t){.prefix = "with space/"};
    CHECK_OK(sm_store_list(st, &o, &l, &e), &e);
    CHECK_EQ_INT(l.count, 1);
    sm_store_list_free(&l);
    for (size_t i = 0; i < n; i++)
        CHECK_OK(sm_store_delete(st, keys[i], &e), &e);
    CHECK_OK(sm_store_list(st, NULL, &l, &e), &e);
    CHECK_EQ_INT(l.count, 0);
    sm_store_list_free(&l);
    sm_store_close(st);
}

/* ---- errors ---- */

static void test_errors(void)
{
    sm_error_t e = {0};
    sm_buf_t b = SM_BUF_INIT;
    const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
    const char *key_id = getenv("AWS_ACCESS_KEY_ID");
    /* a wrong secret */
    sm_store_opts_t o = {.secret_access_key = "not-the-secret-at-all", .max_attempts = 2};
    sm_store_t *st = open_sub("errors", &o);
    CHECK_EQ_INT(sm_store_put(st, "x", "x", 1, &e), SM_ERR_IO);
    printf("  wrong secret: %s\n", e.msg);
    char want[128];
    snprintf(want, sizeof want, "access key id '%s'", key_id);
    CHECK(strstr(e.msg, want) != NULL);
    CHECK(strstr(e.msg, "SignatureDoesNotMatch") != NULL);
    CHECK(strstr(e.msg, "not-the-secret-at-all") == NULL);
    CHECK(strstr(e.msg, secret) == NULL);
    CHECK_EQ_INT(sm_store_get(st, "x", 0, &b, &e), SM_ERR_IO);
    CHECK(strstr(e.msg, want) != NULL);
    sm_store_list_t l;
    CHECK_EQ_INT(sm_store_list(st, NULL, &l, &e), SM_ERR_IO);
    CHECK(strstr(e.msg, "ListObjectsV2 refused") != NULL);
    sm_store_close(st);
    /* an unknown key id */
    o = (sm_store_opts_t){.access_key_id = "NOSUCHKEYID", .secret_access_key = "whatever"};
    st = open_sub("errors", &o);
    CHECK_EQ_INT(sm_store_put(st, "x", "x", 1, &e), SM_ERR_IO);
    printf("  unknown key id: %s\n", e.msg);
    CHECK(strstr(e.msg, "access key id 'NOSUCHKEYID'") != NULL);
    CHECK(strstr(e.msg, "whatever") == NULL);
    sm_store_close(st);
    /* a missing bucket */
    sm_store_t *nb = NULL;
    CHECK_OK(sm_store_open("s3://no-such-bucket-smelt/p", &nb, &e), &e);
    CHECK_EQ_INT(sm_store_put(nb, "x", "x", 1, &e), SM_ERR_IO);
    printf("  missing bucket: %s\n", e.msg);
    CHECK(strstr(e.msg, "bucket 'no-such-bucket-smelt' does not exist") != NULL);
    CHECK_EQ_INT(sm_store_list(nb, NULL, &l, &e), SM_ERR_IO);
    CHECK(strstr(e.msg, "does not exist") != NULL);
    CHECK_EQ_INT(sm_store_get(nb, "x", 0, &b, &e), SM_ERR_IO);
    CHECK(strstr(e.msg, "does not exist") != NULL);
    sm_store_close(nb);
    /* nothing listens */
    o = (sm_store_opts_t){.endpoint = "http://127.0.0.1:9", .max_attempts = 2, .retry_base_ms = 10};
    st = open_sub("errors", &o);
    CHECK_EQ_INT(sm_store_get(st, "x", 0, &b, &e), SM_ERR_NETWORK);
    printf("  no server: %s\n", e.msg);
    CHECK(strstr(e.msg, "after 2 attempts") != NULL);
    CHECK(e.retriable);
    sm_store_close(st);
    /* bad options */
    o = (sm_store_opts_t){.endpoint = "ftp://x"};
    char loc[300];
    snprintf(loc, sizeof loc, "s3://%s", bucket);
    CHECK_EQ_INT(sm_store_open_ex(loc, &o, &st, &e), SM_ERR_INVALID);
    CHECK(st == NULL);
    o = (sm_store_opts_t){.part_size = 1 << 20};
    CHECK_EQ_INT(sm_store_open_ex(loc, &o, &st, &e), SM_ERR_INVALID);
    sm_buf_free(&b);
}

/* ---- faults (through faultproxy.py) ---- */

static const char *proxy;

static void proxy_ctl(const char *what)
{
    char url[512];
    snprintf(url, sizeof url, "%s/__fault__/%s", proxy, what);
    CURL *h = curl_easy_init();
    FILE *null = fopen("/dev/null", "w");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, null);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    CURLcode cc = curl_easy_perform(h);
    CHECK(cc == CURLE_OK);
    fclose(null);
    curl_easy_cleanup(h);
}

static long proxy_stat(const char *name)
{
    char url[512], out[128] = "";
    snprintf(url, sizeof url, "%s/__fault__/stats", proxy);
    CURL *h = curl_easy_init();
    FILE *f = fmemopen(out, sizeof out - 1, "w");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    curl_easy_perform(h);
    fclose(f);
    curl_easy_cleanup(h);
    const char *p = strstr(out, name);
    return p ? atol(p + strlen(name)) : -1;
}

static long proxy_faults(void)
{
    return proxy_stat("faults=");
}

static void test_faults(void)
{
    if (!proxy) {
        printf("  (no S3_CHECK_PROXY: fault tests skipped)\n");
        return;
    }
    sm_store_opts_t o = {
        .endpoint = proxy, .max_attempts = 4, .retry_base_ms = 20, .request_timeout_ms = 1500};
    sm_store_t *st = open_sub("faults", &o);
    sm_error_t e = {0};
    sm_buf_t b = SM_BUF_INIT;
    struct {
        const char *rule;
        bool put; /* else get */
    } transient[] = {
        {"set?action=503&count=2&method=PUT", true},
        {"set?action=500&count=3&method=PUT", true},
        {"set?action=drop&count=2&method=GET", false},
        {"set?action=reset&count=2&method=GET", false},
        {"set?action=truncate&count=2&method=GET", false},
        {"set?action=slow&count=1&delay=3&method=GET", false},
    };
    uint8_t data[100000];
    fill(data, sizeof data, 3);
    CHECK_OK(sm_store_put(st, "obj", data, sizeof data, &e), &e);
    for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++) {
        long f0 = proxy_faults();
        proxy_ctl(transient[i].rule);
        double t0 = now_s();
        if (transient[i].put) {
            CHECK_OK(sm_store_put(st, "obj", data, sizeof data, &e), &e);
        } else {
            CHECK_OK(sm_store_get(st, "obj", 0, &b, &e), &e);
            CHECK(b.len == sizeof data && memcmp(b.data, data, sizeof data) == 0);
        }
        long injected = proxy_faults() - f0;
        printf("  %-45s %ld faults injected, ok after %.2f s\n", transient[i].rule, injected,
               now_s() - t0);
        CHECK(injected >= 1);
        proxy_ctl("clear");
    }
    /* a multipart upload with failing parts */
    size_t big = 18u << 20;
    uint8_t *bd = malloc(big);
    fill(bd, big, 9);
    proxy_ctl("set?action=503&count=3&match=partNumber");
    CHECK_OK(write_object(st, "multi", 0, bd, big, 1 << 20, &e), &e);
    CHECK_EQ_INT(proxy_faults() >= 3, 1);
    proxy_ctl("clear");
    CHECK_OK(sm_store_get(st, "multi", 0, &b, &e), &e);
    CHECK(b.len == big && memcmp(b.data, bd, big) == 0);
    /* a failing upload is aborted */
    proxy_ctl("set?action=503&count=-1&match=partNumber");
    CHECK_EQ_INT(write_object(st, "multi-failed", 0, bd, big, 1 << 20, &e), SM_ERR_IO);
    printf("  failing parts: %s\n", e.msg);
    CHECK(strstr(e.msg, "UploadPart failed after 4 attempts: HTTP 503 SlowDown") != NULL);
    proxy_ctl("clear");
    sm_store_info_t info;
    CHECK_EQ_INT(sm_store_head(st, "multi-failed", &info, &e), SM_ERR_NOT_FOUND);
    free(bd);
    /* retries exhausted */
    proxy_ctl("set?action=503&count=-1&method=PUT");
    double t0 = now_s();
    CHECK_EQ_INT(sm_store_put(st, "obj", data, sizeof data, &e), SM_ERR_IO);
    printf("  always 503: %s (%.2f s)\n", e.msg, now_s() - t0);
    CHECK(strstr(e.msg, "faults/obj: PUT failed after 4 attempts: HTTP 503 SlowDown: Please "
                        "reduce your request rate.") != NULL);
    CHECK(e.retriable);
    proxy_ctl("set?action=drop&count=-1&method=GET");
    CHECK_EQ_INT(sm_store_get(st, "obj", 0, &b, &e), SM_ERR_NETWORK);
    printf("  always dropped: %s\n", e.msg);
    CHECK(strstr(e.msg, "GET failed after 4 attempts") != NULL);
    proxy_ctl("set?action=slow&count=-1&delay=3&method=HEAD");
    t0 = now_s();
    CHECK_EQ_INT(sm_store_head(st, "obj", &info, &e), SM_ERR_TIMEOUT);
    printf("  always slow: %s (%.2f s)\n", e.msg, now_s() - t0);
    CHECK(now_s() - t0 < 12);
    proxy_ctl("clear");
    /* a total budget cuts retries short */
    sm_store_close(st);
    o.max_attempts = 50;
    o.retry_base_ms = 200;
    o.retry_budget_ms = 1000;
    st = open_sub("faults", &o);
    proxy_ctl("set?action=503&count=-1&method=GET");
    t0 = now_s();
    CHECK_EQ_INT(sm_store_get(st, "obj", 0, &b, &e), SM_ERR_IO);
    printf("  budget: %s (%.2f s)\n", e.msg, now_s() - t0);
    CHECK(strstr(e.msg, "gave up retrying") != NULL);
    CHECK(now_s() - t0 < 3);
    proxy_ctl("clear");
    sm_buf_free(&b);
    sm_store_close(st);
}

/* ---- parallel gets (store/s3_get.c) ---- */

enum { SPLIT = 1 << 20, GPART = 256 << 10 }; /* small, so boundaries are cheap */

/* A whole get of n bytes through the proxy: content equal byte for byte,
 * in the number of requests the split predicts. */
static void check_whole_get(sm_store_t *st, const char *key, const uint8_t *data, size_t n)
{
    sm_error_t e = {0};
    sm_buf_t b = SM_BUF_INIT;
    long r0 = proxy_stat("requests=");
    CHECK_OK(sm_store_get(st, key, 0, &b, &e), &e);
    long reqs = proxy_stat("requests=") - r0;
    long want = 1 + (n > SPLIT ? (long)((n - SPLIT + GPART - 1) / GPART) : 0);
    if (n == 0)
        want = 2; /* a Range on an empty object is 416, then one plain GET */
    if (b.len != n || (n && memcmp(b.data, data, n) != 0))
        fprintf(stderr, "  whole get of %zu bytes: got %zu bytes, content %s\n", n, b.len,
                b.len == n ? "differs" : "-");
    CHECK(b.len == n && (n == 0 || memcmp(b.data, data, n) == 0));
    CHECK(b.len == 0 || b.data[b.len] == '\0');
    if (reqs != want)
        fprintf(stderr, "  whole get of %zu bytes: %ld requests, want %ld\n", n, reqs, want);
    CHECK_EQ_INT(reqs, want);
    /* the limit holds before anything large is fetched (max_bytes 0 is "none") */
    if (n > 1) {
        CHECK_EQ_INT(sm_store_get(st, key, n - 1, &b, &e), SM_ERR_LIMIT);
        CHECK(strstr(e.msg, "larger than") != NULL);
        CHECK_EQ_INT(b.len, 0);
        CHECK_OK(sm_store_get(st, key, n, &b, &e), &e);
        CHECK(b.len == n && memcmp(b.data, data, n) == 0);
    }
    sm_buf_free(&b);
}

typedef struct overwriter {
    sm_store_t *st;
    const uint8_t *data;
    size_t n;
    sm_err_t rc;
} overwriter;

static void *overwrite_later(void *arg)
{
    overwriter *o = arg;
    struct timespec ts = {0, 500 * 1000 * 1000};
    nanosleep(&ts, NULL);
    sm_error_t e;
    o->rc = sm_store_put(o->st, "changing", o->data, o->n, &e);
    return NULL;
}

static void test_parallel_get(void)
{
    if (!proxy) {
        printf("  (no S3_CHECK_PROXY: parallel get tests skipped)\n");
        return;
    }
    sm_store_opts_t o = {.endpoint = proxy,
                         .get_split_size = SPLIT,
                         .get_part_size = GPART,
                         .parts_in_flight = 4,
                         .max_attempts = 4,
                         .retry_base_ms = 20};
    sm_store_t *st = open_sub("pget", &o);
    sm_error_t e = {0};
    const size_t big = 7 * GPART + SPLIT + 1;
    uint8_t *data = malloc(big), *data2 = malloc(big), *got = malloc(big);
    fill(data, big, 77);
    fill(data2, big, 78);
    /* sizes at and around the split and the range boundaries */
    const size_t sizes[] = {0,
                            1,
                            SPLIT - 1,
                            SPLIT,
                            SPLIT + 1,
                            SPLIT + GPART,
                            SPLIT + GPART + 1,
                            SPLIT + 3 * GPART,
                            SPLIT + 3 * GPART + 1,
                            SPLIT + 7 * GPART - 1,
                            big};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char key[64];
        snprintf(key, sizeof key, "size-%zu", sizes[i]);
        CHECK_OK(sm_store_put(st, key, data, sizes[i], &e), &e);
        check_whole_get(st, key, data, sizes[i]);
    }
    /* ranges longer than the split, spanning several parts */
    const char *bk = "size-" /* big */;
    char bigkey[64];
    snprintf(bigkey, sizeof bigkey, "%s%zu", bk, big);
    size_t n = 0;
    const uint64_t offs[] = {0, 1, GPART - 1, 12345};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        size_t len = SPLIT + 2 * GPART + 7;
        memset(got, 0, big);
        CHECK_OK(sm_store_get_range(st, bigkey, offs[i], len, got, 0, &n, &e), &e);
        CHECK(n == len && memcmp(got, data + offs[i], len) == 0);
        CHECK(got[len] == 0); /* nothing written past the range */
    }
    /* a long range that runs past the end */
    uint64_t off = big - SPLIT - 100;
    CHECK_OK(sm_store_get_range(st, bigkey, off, SPLIT + 5000, got, SM_STORE_SHORT_OK, &n, &e), &e);
    CHECK(n == SPLIT + 100 && memcmp(got, data + off, n) == 0);
    CHECK_EQ_INT(sm_store_get_range(st, bigkey, off, SPLIT + 5000, got, 0, &n, &e), SM_ERR_CORRUPT);
    off = big - SPLIT / 2;
    CHECK_OK(sm_store_get_range(st, bigkey, off, SPLIT + 5000, got, SM_STORE_SHORT_OK, &n, &e), &e);
    CHECK(n == SPLIT / 2 && memcmp(got, data + off, n) == 0);
    CHECK_OK(sm_store_get_range(st, bigkey, big + 10, SPLIT + 5, got, SM_STORE_SHORT_OK, &n, &e),
             &e);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(sm_store_get_range(st, "missing", 0, SPLIT + 5, got, 0, &n, &e), SM_ERR_NOT_FOUND);
    sm_buf_t b = SM_BUF_INIT;
    CHECK_EQ_INT(sm_store_get(st, "missing", 0, &b, &e), SM_ERR_NOT_FOUND);

    /* faults in the middle of ranges: retried, the bytes still right */
    struct {
        const char *rule;
        const char *what;
    } faults[] = {
        {"set?action=truncate&count=2&method=GET&header=If-Match", "later ranges cut short"},
        {"set?action=reset&count=3&method=GET&header=If-Match", "later ranges reset"},
        {"set?action=503&count=2&method=GET&header=If-Match", "later ranges 503"},
        {"set?action=truncate&count=1&method=GET", "the first GET cut short"},
    };
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        long f0 = proxy_faults();
        proxy_ctl(faults[i].rule);
        CHECK_OK(sm_store_get(st, bigkey, 0, &b, &e), &e);
        CHECK(b.len == big && memcmp(b.data, data, big) == 0);
        proxy_ctl("clear");
        memset(got, 0, big);
        proxy_ctl(faults[i].rule);
        CHECK_OK(sm_store_get_range(st, bigkey, 3, big - 3, got, 0, &n, &e), &e);
        CHECK(n == big - 3 && memcmp(got, data + 3, n) == 0);
        long injected = proxy_faults() - f0;
        printf("  parallel get, %-24s %ld faults injected, bytes equal\n", faults[i].what,
               injected);
        CHECK(injected >= 2);
        proxy_ctl("clear");
    }
    /* ranges that keep failing: the error names the range's failure */
    proxy_ctl("set?action=503&count=-1&method=GET&header=If-Match");
    CHECK_EQ_INT(sm_store_get(st, bigkey, 0, &b, &e), SM_ERR_IO);
    printf("  ranges always 503: %s\n", e.msg);
    CHECK(strstr(e.msg, "GET failed after 4 attempts: HTTP 503") != NULL);
    CHECK_EQ_INT(b.len, 0);
    proxy_ctl("clear");

    /* the object is replaced between the first GET and the later ranges:
     * the later ranges wait 1.5 s in the proxy, the PUT lands after 0.5 s */
    CHECK_OK(sm_store_put(st, "changing", data, big, &e), &e);
    for (int round = 0; round < 2; round++) {
        const uint8_t *now = round == 0 ? data2 : data;
        overwriter ow = {st, now, big, SM_OK};
        pthread_t th;
        proxy_ctl("set?action=slow&delay=1.5&count=-1&method=GET&header=If-Match");
        pthread_create(&th, NULL, overwrite_later, &ow);
        sm_err_t rc;
        if (round == 0) {
            rc = sm_store_get(st, "changing", 0, &b, &e);
            CHECK_EQ_INT(b.len, 0);
        } else {
            rc = sm_store_get_range(st, "changing", 10, big - 10, got, 0, &n, &e);
        }
        pthread_join(th, NULL);
        proxy_ctl("clear");
        CHECK_OK(ow.rc, &e);
        CHECK_EQ_INT(rc, SM_ERR_IO);
        printf("  replaced while read: %s\n", e.msg);
        CHECK(strstr(e.msg, "changed while it was read") != NULL);
        CHECK(e.retriable);
        /* read again: all new bytes */
        CHECK_OK(sm_store_get(st, "changing", 0, &b, &e), &e);
        CHECK(b.len == big && memcmp(b.data, now, big) == 0);
    }
    sm_buf_free(&b);

    /* the default split (16 MiB) and range size (8 MiB), and no split at all */
    sm_store_close(st);
    o = (sm_store_opts_t){.endpoint = proxy};
    st = open_sub("pget", &o);
    const size_t def = 16u << 20, dpart = 8u << 20;
    uint8_t *dd = malloc(def + dpart + 1);
    fill(dd, def + dpart + 1, 5);
    const size_t dsizes[] = {def, def + 1, def + dpart + 1};
    const long dreqs[] = {1, 2, 3};
    for (size_t i = 0; i < 3; i++) {
        CHECK_OK(sm_store_put(st, "default", dd, dsizes[i], &e), &e);
        long r0 = proxy_stat("requests=");
        CHECK_OK(sm_store_get(st, "default", 0, &b, &e), &e);
        CHECK_EQ_INT(proxy_stat("requests=") - r0, dreqs[i]);
        CHECK(b.len == dsizes[i] && memcmp(b.data, dd, dsizes[i]) == 0);
    }
    sm_store_close(st);
    o = (sm_store_opts_t){.endpoint = proxy, .get_split_size = SIZE_MAX};
    st = open_sub("pget", &o);
    long r0 = proxy_stat("requests=");
    CHECK_OK(sm_store_get(st, "default", 0, &b, &e), &e);
    CHECK_EQ_INT(proxy_stat("requests=") - r0, 1);
    CHECK(b.len == def + dpart + 1 && memcmp(b.data, dd, b.len) == 0);
    o = (sm_store_opts_t){.get_part_size = 1000};
    char loc[300];
    sm_store_t *bad = NULL;
    snprintf(loc, sizeof loc, "s3://%s", bucket);
    CHECK_EQ_INT(sm_store_open_ex(loc, &o, &bad, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "get part size") != NULL);
    sm_buf_free(&b);
    free(dd);
    free(data);
    free(data2);
    free(got);
    sm_store_close(st);
}

/* ---- throughput ---- */

static void bench(void)
{
    if (!getenv("S3_CHECK_BENCH"))
        return;
    const size_t n = 64u << 20;
    sm_store_t *st = open_sub("bench", NULL);
    sm_error_t e = {0};
    uint8_t *data = malloc(n);
    fill(data, n, 1);
    double t0 = now_s();
    CHECK_OK(write_object(st, "64m", 0, data, n, 1 << 20, &e), &e);
    double tw = now_s() - t0;
    t0 = now_s();
    CHECK_OK(sm_store_put(st, "64m-single", data, n, &e), &e);
    double tp = now_s() - t0;
    sm_buf_t b = SM_BUF_INIT;
    t0 = now_s();
    CHECK_OK(sm_store_get(st, "64m", 0, &b, &e), &e);
    double tg = now_s() - t0;
    CHECK(b.len == n);
    printf("BENCH 64 MiB: writer (multipart) %.0f MiB/s, single PUT %.0f MiB/s, GET %.0f MiB/s\n",
           64 / tw, 64 / tp, 64 / tg);
    sm_buf_free(&b);
    free(data);
    sm_store_close(st);
}

int main(void)
{
    bucket = getenv("S3_CHECK_BUCKET");
    proxy = getenv("S3_CHECK_PROXY");
    if (!bucket || !getenv("AWS_ENDPOINT_URL")) {
        fprintf(stderr, "s3_check: set S3_CHECK_BUCKET and AWS_ENDPOINT_URL\n");
        return 2;
    }
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != sizeof r)
        r = (uint32_t)time(NULL);
    snprintf(root, sizeof root, "s3a://%s/run-%08x", bucket, r);
    printf("s3_check: %s\n", root);
    RUN(test_put_get_head_delete);
    RUN(test_ranges);
    RUN(test_odd_keys);
    RUN(test_put_if_absent_race);
    RUN(test_list_pagination);
    RUN(test_multipart);
    RUN(test_errors);
    RUN(test_faults);
    RUN(test_parallel_get);
    RUN(bench);
    return check_summary();
}
