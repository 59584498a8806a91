/* Puts into directories that do not exist yet (a new partition, a new
 * _delta_log): racing put_if_absent writers into one new directory end
 * with exactly one winner, a readable object and no temporary file left;
 * the writers losing the race report SM_ERR_EXISTS. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store/store.h"

typedef struct racer {
    sm_store_t *st;
    const char *key;
    int id;
    sm_err_t rc;
    pthread_barrier_t *bar;
} racer_t;

static void *racer_main(void *arg)
{
    racer_t *r = arg;
    char body[32];
    int n = snprintf(body, sizeof body, "writer %d", r->id);
    sm_error_t e = {0};
    pthread_barrier_wait(r->bar);
    r->rc = sm_store_put_if_absent(r->st, r->key, body, (size_t)n, &e);
    return NULL;
}

/* Entries of dir (temporary files included), -1 when it cannot be read. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void test_race_into_new_dirs(void)
{
    char root[] = "/tmp/smelt-newdir-XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    sm_error_t e = {0};
    sm_store_t *st = NULL;
    CHECK_OK(sm_store_open(root, &st, &e), &e);
    enum { THREADS = 6, ROUNDS = 10 };
    for (int round = 0; round < ROUNDS; round++) {
        /* a new table directory and a new log directory each round */
        char key[128];
        snprintf(key, sizeof key, "bronze/t%d/_delta_log/00000000000000000000.json", round);
        pthread_barrier_t bar;
        pthread_barrier_init(&bar, NULL, THREADS);
        pthread_t th[THREADS];
        racer_t r[THREADS];
        for (int i = 0; i < THREADS; i++) {
            r[i] = (racer_t){.st = st, .key = key, .id = i, .bar = &bar};
            CHECK(pthread_create(&th[i], NULL, racer_main, &r[i]) == 0);
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
        sm_buf_t b = SM_BUF_INIT;
        CHECK_OK(sm_store_get(st, key, 0, &b, &e), &e);
        char want[32];
        snprintf(want, sizeof want, "writer %d", winner);
        CHECK_EQ_INT((int)b.len, (int)strlen(want));
        CHECK(b.len == strlen(want) && memcmp(b.data, want, b.len) == 0);
        sm_buf_free(&b);
        char dir[512];
        snprintf(dir, sizeof dir, "%s/bronze/t%d/_delta_log", root, round);
        CHECK_EQ_INT(entries(dir), 1); /* no temporary file left behind */
    }
    /* a data file in a new partition directory of a new table: put */
    CHECK_OK(sm_store_put(st, "silver/x/p=1/part-0.parquet", "PAR1", 4, &e), &e);
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_store_get(st, "silver/x/p=1/part-0.parquet", 0, &b, &e), &e);
    CHECK(b.len == 4 && memcmp(b.data, "PAR1", 4) == 0);
    sm_buf_free(&b);
    sm_store_close(st);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    RUN(test_race_into_new_dirs);
    return check_summary();
}
