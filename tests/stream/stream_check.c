/* stream_check — helper of the streaming integration tier.
 *
 *   stream_check expect SEED FIRST LAST
 *       per-country "PAYS COUNT CENTS" of the producer's events FIRST..LAST
 *   stream_check table LAKE TABLE
 *       the same from a (pays, total, count) Delta table of the lake, then
 *       "rows N" (one row per country expected)
 *   stream_check count LAKE TABLE
 *       "rows N" of any Delta table
 * Exit 0, or 1 with a message on stderr. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/kafka.h"
#include "delta/snapshot.h"
#include "lake/lake.h"
#include "parquet/reader.h"

static const char *names[4] = {"FRANCE", "GERMANY", "UK", "USA"}; /* printed order */

static int idx_of(const char *p, size_t n)
{
    for (int i = 0; i < 4; i++)
        if (strlen(names[i]) == n && memcmp(names[i], p, n) == 0)
            return i;
    return -1;
}

static void print_totals(const long long cnt[4], const long long cents[4])
{
    for (int i = 0; i < 4; i++)
        printf("%s %lld %lld\n", names[i], cnt[i], cents[i]);
}

static int scan(const char *lakedir, const char *table, int totals)
{
    sm_error_t e;
    sm_lake_t *lake = NULL;
    sm_lake_table_t t = {0};
    sm_delta_snapshot_t *snap = NULL;
    long long cnt[4] = {0}, cents[4] = {0}, rows = 0;
    int status = 1;
    if (sm_lake_open(lakedir, NULL, &lake, &e) || sm_lake_resolve(lake, table, &t, &e) ||
        sm_delta_snapshot_load(t.store, t.prefix, NULL, &snap, &e)) {
        fprintf(stderr, "stream_check: %s: %s\n", table, e.msg);
        goto fail;
    }
    for (size_t i = 0; i < snap->nfiles; i++) {
        char key[2048];
        snprintf(key, sizeof key, "%s/%s", t.prefix, snap->files[i].path);
        sm_pq_reader_t *r = NULL;
        if (sm_pq_reader_open(t.store, key, NULL, &r, &e)) {
            fprintf(stderr, "stream_check: %s: %s\n", key, e.msg);
            goto fail;
        }
        sm_batch_t *b;
        while (!sm_pq_reader_next(r, &b, &e) && b) {
            for (size_t k = 0; totals && k < b->nrows; k++) {
                size_t len;
                const char *p = sm_vector_get_str(b->cols[0], k, &len);
                int c = idx_of(p, len);
                if (c < 0) {
                    fprintf(stderr, "stream_check: unexpected pays %.*s\n", (int)len, p);
                    sm_batch_free(b);
                    sm_pq_reader_close(r);
                    goto fail;
                }
                cents[c] += llround(sm_vector_get_f64(b->cols[1], k) * 100);
                cnt[c] += sm_vector_get_i64(b->cols[2], k);
            }
            rows += (long long)b->nrows;
            sm_batch_free(b);
        }
        sm_pq_reader_close(r);
    }
    if (totals)
        print_totals(cnt, cents);
    printf("rows %lld\n", rows);
    status = 0;
fail:
    sm_delta_snapshot_free(snap);
    sm_lake_table_free(&t);
    sm_lake_close(lake);
    return status;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "expect") == 0) {
        unsigned long long seed = strtoull(argv[2], NULL, 10);
        long long first = atoll(argv[3]), last = atoll(argv[4]);
        long long cnt[4] = {0}, cents[4] = {0};
        for (long long id = first; id <= last; id++) {
            sm_kafka_event_t ev;
            sm_kafka_event_make(seed, id, 0, &ev);
            const char *p = sm_kafka_countries[ev.pays];
            int c = idx_of(p, strlen(p));
            cnt[c]++;
            cents[c] += ev.montant_cents;
        }
        print_totals(cnt, cents);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "table") == 0)
        return scan(argv[2], argv[3], 1);
    if (argc == 4 && strcmp(argv[1], "count") == 0)
        return scan(argv[2], argv[3], 0);
    fprintf(stderr,
            "usage: stream_check expect SEED FIRST LAST | table LAKE TABLE | count LAKE TABLE\n");
    return 2;
}
