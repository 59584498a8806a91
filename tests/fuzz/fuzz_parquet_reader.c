/* libFuzzer target: a whole Parquet file in memory through the reader —
 * footer, schema, every page of every column, record assembly — with
 * small batches and tight limits so that corrupt sizes cannot exhaust
 * memory.  Any outcome but a crash, a leak or a hang is fine. */
#include <stddef.h>
#include <stdint.h>

#include "parquet/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sm_pq_reader_opts_t o = {
        .batch_rows = size ? 1 + data[size - 1] % 64 : 16,
        .verify_crc = size > 1 && (data[0] & 1),
        .max_batch_levels = 1u << 16,
        .max_page_bytes = 16u << 20,
        .max_batch_bytes = 32u << 20,
    };
    sm_error_t e;
    sm_pq_reader_t *r = NULL;
    if (sm_pq_reader_open_mem(data, size, "fuzz.parquet", &o, &r, &e) != SM_OK)
        return 0;
    for (int i = 0; i < 100000; i++) {
        sm_batch_t *b = NULL;
        if (sm_pq_reader_next(r, &b, &e) != SM_OK || !b)
            break;
        sm_batch_free(b);
    }
    sm_pq_reader_close(r);
    return 0;
}
