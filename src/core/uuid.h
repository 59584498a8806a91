/*
 * core/uuid — random (version 4) UUIDs from the kernel's CSPRNG, for table
 * ids, file names and transaction ids.  Thread-safe; no state.
 */
#ifndef SM_CORE_UUID_H
#define SM_CORE_UUID_H

#include "core/err.h"

#define SM_UUID_STR_LEN 36

/* Writes a lowercase "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" and a NUL into
 * out.  Fails only when the kernel refuses randomness (SM_ERR_IO). */
sm_err_t sm_uuid4(char out[SM_UUID_STR_LEN + 1], sm_error_t *e);

#endif
