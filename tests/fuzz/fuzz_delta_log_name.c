/* Fuzz target: a file name found in a _delta_log listing (the names come
 * from the store, i.e. from outside).  Each is tried as a commit and as a
 * checkpoint; a classic checkpoint that parses must come back unchanged
 * through sm_delta_checkpoint_name, and a commit's version must print
 * back as the same 20 digits. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "delta/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char name[256];
    if (size >= sizeof name)
        return 0;
    memcpy(name, data, size);
    name[size] = '\0';
    int64_t v = -1;
    if (sm_delta_log_is_commit(name, &v)) {
        char again[64];
        snprintf(again, sizeof again, "%020" PRId64 ".json", v);
        if (v < 0 || strcmp(again, name) != 0)
            __builtin_trap();
    }
    int part = 0, parts = 0;
    bool v2 = false;
    if (sm_delta_log_is_checkpoint(name, &v, &part, &parts, &v2)) {
        if (v < 0 || part < 1 || part > parts)
            __builtin_trap();
        if (!v2) {
            char again[64];
            int64_t v_again = -1;
            int part_again = 0, parts_again = 0;
            bool v2_again = true;
            sm_delta_checkpoint_name(v, part, parts, again);
            if (!sm_delta_log_is_checkpoint(again, &v_again, &part_again, &parts_again,
                                            &v2_again) ||
                v_again != v || part_again != part || parts_again != parts || v2_again)
                __builtin_trap();
        }
    }
    return 0;
}
