/* libFuzzer target: Parquet footer framing, FileMetaData and PageHeader
 * decoding of arbitrary bytes.  Whatever decodes is encoded again and must
 * decode to the same bytes a second time. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "parquet/meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reencode(const sm_pq_file_meta_t *fm, sm_arena_t *arena)
{
    sm_buf_t b1 = SM_BUF_INIT, b2 = SM_BUF_INIT;
    sm_error_t e;
    if (sm_pq_file_meta_encode(fm, &b1, &e) == SM_OK) {
        sm_pq_file_meta_t fm2;
        if (sm_pq_file_meta_decode(b1.data, b1.len, arena, &fm2, &e) != SM_OK)
            __builtin_trap();
        if (sm_pq_file_meta_encode(&fm2, &b2, &e) != SM_OK || b1.len != b2.len ||
            memcmp(b1.data, b2.data, b1.len) != 0)
            __builtin_trap();
    }
    sm_buf_free(&b1);
    sm_buf_free(&b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sm_arena_t arena;
    sm_error_t e;
    sm_pq_file_meta_t fm;
    sm_arena_init(&arena, 4096);

    /* the input as a whole file */
    if (sm_pq_footer_parse(data, size, &arena, &fm, &e) == SM_OK)
        reencode(&fm, &arena);
    sm_arena_reset(&arena);

    /* the input as a bare FileMetaData */
    if (sm_pq_file_meta_decode(data, size, &arena, &fm, &e) == SM_OK)
        reencode(&fm, &arena);
    sm_arena_reset(&arena);

    /* the input as a page header, with and without an arena */
    sm_pq_page_header_t ph;
    size_t used;
    if (sm_pq_page_header_decode(data, size, &arena, &ph, &used, &e) == SM_OK) {
        if (used > size)
            __builtin_trap();
        sm_buf_t b = SM_BUF_INIT;
        sm_pq_page_header_t ph2;
        size_t used2;
        if (sm_pq_page_header_encode(&ph, &b, &e) != SM_OK ||
            sm_pq_page_header_decode(b.data, b.len, NULL, &ph2, &used2, &e) != SM_OK ||
            used2 != b.len)
            __builtin_trap();
        sm_buf_free(&b);
    }
    sm_pq_page_header_decode(data, size, NULL, &ph, &used, &e);
    sm_arena_free(&arena);
    return 0;
}
