/*
 * delta/checkpoint — Parquet checkpoints of a table's state
 * (PROTOCOL.md "Checkpoints"; INTEROP.md 1.4).
 *
 * A checkpoint at version v is `_delta_log/<v>.checkpoint.parquet`: one row
 * per action (protocol, metaData, every live add, every unexpired remove,
 * every txn), each row with one non-null column among txn, add, remove,
 * metaData, protocol — the layout Spark writes (all fields OPTIONAL, maps
 * as key_value, lists as list/element).  Then `_last_checkpoint` is
 * replaced with {"version":v,"size":<rows>,"sizeInBytes":<bytes>,
 * "numOfAddFiles":<adds>}.  Writers checkpoint every 10 commits
 * (SM_DELTA_CHECKPOINT_INTERVAL), as Spark does.
 *
 * Threads: any; the store may be shared.
 */
#ifndef SM_DELTA_CHECKPOINT_H
#define SM_DELTA_CHECKPOINT_H

#include "columnar/types.h"
#include "core/err.h"
#include "delta/snapshot.h"
#include "store/store.h"

#define SM_DELTA_CHECKPOINT_INTERVAL 10

/* Writes the checkpoint of `snap` (its version) and updates
 * _last_checkpoint.  An existing checkpoint file for that version is left
 * as it is (another writer made it; checkpoints are deterministic in
 * content). */
sm_err_t sm_delta_checkpoint_write(sm_store_t *st, const sm_delta_snapshot_t *snap, sm_error_t *e);

/* The checkpoint schema (a new reference). */
sm_type_t *sm_delta_checkpoint_schema(sm_error_t *e);

#endif
