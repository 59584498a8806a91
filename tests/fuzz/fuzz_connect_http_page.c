/*
 * fuzz_connect_http_page — any bytes as an HTTP API page and as a Link
 * header (connect/http.c): the first byte picks where the records are
 * (top level, under "data", under "a.b") and the next field; the rest is
 * the body.  Must never crash, hang or leak; every line produced must be a
 * record the JSON-lines reader accepts (the records go on to it), and the
 * Link parser's result must fit and be resolvable without overflow.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "connect/files.h"
#include "connect/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t k = data[0];
    data++;
    size--;
    static const char *const keys[] = {NULL, "data", "a.b", NULL};
    static const char *const nexts[] = {NULL, "next", "links.next", "link"};
    sm_buf_t out = SM_BUF_INIT;
    out.limit = (k & 16) ? 64 : 0;
    uint64_t n = 0;
    char next[64];
    sm_err_t rc = sm_http_page_parse(data, size, keys[k & 3], nexts[(k >> 2) & 3], "page", &out, &n,
                                     next, sizeof next, NULL);
    if (!rc && strlen(next) >= sizeof next)
        abort();
    if (!rc && n) {
        /* what the page gave must read back as exactly n JSON-lines rows */
        sm_file_source_t *src = NULL;
        sm_batch_t *b = NULL;
        uint64_t rows = 0;
        sm_err_t r2 =
            sm_file_source_open_mem(out.data, out.len, "p", SM_FILE_JSONL, NULL, &src, NULL);
        while (!r2 && !(r2 = sm_file_source_next(src, &b, NULL)) && b) {
            rows += b->nrows;
            sm_batch_free(b);
        }
        sm_file_source_close(src);
        if (r2 == SM_OK && rows != n)
            abort();
    }
    sm_buf_free(&out);
    /* the same bytes as a Link header value */
    char link[64], resolved[96];
    if (sm_http_link_next((const char *)data, size, link, sizeof link)) {
        if (strlen(link) >= sizeof link)
            abort();
        if (sm_http_resolve("http://h/a/b?q=1", link, resolved, sizeof resolved) &&
            strlen(resolved) >= sizeof resolved)
            abort();
    }
    return 0;
}
