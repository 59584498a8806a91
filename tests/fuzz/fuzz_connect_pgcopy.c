/* Fuzz target: the PostgreSQL COPY BINARY stream decoder.
 *
 * Input layout: byte 0 picks the column count (1..6); the next ncols bytes
 * pick each column's type from `types` (bit 7 set = NOT NULL); then one
 * byte picks the chunk size (1..64, 0 = whole) and one the batch size
 * (1..8); the rest is the stream, fed in chunks of that size. */
#include <stdint.h>
#include <stdlib.h>

#include "connect/pg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    uint32_t oid;
    int32_t typmod;
} types[] = {
    {16, -1},
    {21, -1},
    {23, -1},
    {20, -1},
    {700, -1},
    {701, -1},
    {1700, -1},
    {1700, ((10 << 16) | 2) + 4},
    {1700, ((38 << 16) | 0) + 4},
    {25, -1},
    {17, -1},
    {1082, -1},
    {1083, -1},
    {1114, -1},
    {1184, -1},
    {2950, -1},
    {3802, -1},
    {18, -1},
    {26, -1},
    {1007, -1},
    {1009, -1},
    {1231, ((6 << 16) | 2) + 4},
    {1182, -1},
    {3807, -1},
    {1000, -1},
};
#define NTYPES (sizeof types / sizeof types[0])

static sm_err_t sink(void *ud, sm_batch_t *b, sm_error_t *e)
{
    (void)e;
    *(size_t *)ud += b->nrows;
    return SM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t ncols = 1 + data[0] % 6;
    if (size < 3 + ncols)
        return 0;
    uint32_t oids[6];
    int32_t mods[6];
    for (size_t i = 0; i < ncols; i++) {
        oids[i] = types[(data[1 + i] & 0x7f) % NTYPES].oid;
        mods[i] = types[(data[1 + i] & 0x7f) % NTYPES].typmod;
    }
    size_t chunk = data[1 + ncols] % 65;
    size_t batch_rows = 1 + data[2 + ncols] % 8;
    const uint8_t *p = data + 3 + ncols;
    size_t n = size - 3 - ncols;
    sm_pg_schema_t *sc;
    if (sm_pg_schema_builtin(ncols, NULL, oids, mods, NULL, &sc, NULL))
        return 0;
    for (size_t i = 0; i < ncols; i++)
        sc->cols[i].nullable = !(data[1 + i] & 0x80);
    sm_pg_decoder_t *d;
    size_t rows = 0;
    sm_error_t e;
    if (sm_pg_decoder_new(sc, "fuzz", batch_rows, sink, &rows, &d, &e) == SM_OK) {
        sm_err_t rc = SM_OK;
        if (!chunk)
            chunk = n ? n : 1;
        for (size_t at = 0; at < n && !rc; at += chunk)
            rc = sm_pg_decoder_feed(d, p + at, n - at < chunk ? n - at : chunk, &e);
        if (!rc && sm_pg_decoder_finish(d, &e) == SM_OK && rows != sm_pg_decoder_rows(d))
            abort(); /* every decoded row was handed out */
        sm_pg_decoder_free(d);
    }
    sm_pg_schema_free(sc);
    return 0;
}
