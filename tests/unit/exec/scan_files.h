/* tests/unit/exec/scan_files.h — a scan's file list from store keys, for
 * the scan operator tests.  Include after check.h. */
#ifndef SM_TEST_SCAN_FILES_H
#define SM_TEST_SCAN_FILES_H

#include "core/mem.h"
#include "exec/op_scan.h"

/* The files keys[0..n) with unknown sizes and row counts; takes schema.
 * The caller frees the list with sm_scan_files_free (or hands it to the
 * scan). */
static inline sm_scan_files_t tu_scan_files(sm_type_t *schema, const char *const *keys, size_t n)
{
    sm_scan_files_t f = {0};
    f.schema = schema;
    f.files = sm_calloc(n, sizeof *f.files);
    CHECK(f.files != NULL);
    if (!f.files)
        return f;
    for (size_t i = 0; i < n; i++) {
        f.files[i].key = sm_strdup(keys[i]);
        f.files[i].size = -1;
        f.files[i].num_records = -1;
    }
    f.nfiles = f.nfiles_total = n;
    return f;
}

#endif
