/* Fuzz target: a Delta commit file (newline-delimited JSON actions).  Every
 * action that parses is written back and parsed again. */
#include <stdint.h>
#include <stdlib.h>

#include "delta/action.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sm_arena_t arena;
    sm_arena_init(&arena, 0);
    sm_delta_action_t *acts;
    size_t n;
    sm_error_t e;
    if (sm_delta_parse_commit("fuzz.json", data, size, &arena, &acts, &n, &e) == SM_OK) {
        sm_buf_t out = SM_BUF_INIT;
        for (size_t i = 0; i < n; i++)
            if (acts[i].kind != SM_DELTA_OTHER)
                sm_delta_action_write(&acts[i], &out, NULL);
        sm_delta_action_t *again;
        size_t m;
        if (out.len)
            sm_delta_parse_commit("again.json", out.data, out.len, &arena, &again, &m, NULL);
        sm_buf_free(&out);
    }
    sm_arena_free(&arena);
    return 0;
}
