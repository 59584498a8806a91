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
 * "numOfAddFiles":<adds>}.  Writers checkpoint every
 * delta.checkpointInterval commits, else every 10
 * (SM_DELTA_CHECKPOINT_INTERVAL), as Spark does (delta/cleanup.h).
 *
 * Paths are written percent-encoded, exactly as in JSON commits (Spark and
 * delta-rs store the same string in both).
 *
 * Threads: any; the store may be shared.
 */
#ifndef SM_DELTA_CHECKPOINT_H
#define SM_DELTA_CHECKPOINT_H

#include "columnar/types.h"
#include "core/arena.h"
#include "delta/action.h"
#include "core/err.h"
#include "delta/snapshot.h"
#include "store/store.h"

#define SM_DELTA_CHECKPOINT_INTERVAL 10

/* Writes the checkpoint of `snap` (its version) and updates
 * _last_checkpoint.  An existing checkpoint file for that version is left
 * as it is (another writer made it; checkpoints are deterministic in
 * content). */
sm_err_t sm_delta_checkpoint_write(sm_store_t *st, const sm_delta_snapshot_t *snap, sm_error_t *e);

/* Reading: called once per action row of a checkpoint, in file order.
 * A non-zero return stops the reading and is returned. */
typedef sm_err_t (*sm_delta_checkpoint_fn)(void *arg, const sm_delta_action_t *a);

/* Reads one checkpoint file (a classic checkpoint or one part of a
 * multi-part one) at `key`: every non-null txn, add, remove, metaData and
 * protocol row becomes an action whose strings live in `arena` (paths are
 * percent-decoded as in JSON commits).  Columns of other kinds
 * (commitInfo, domainMetadata, checkpointMetadata...) are not read; struct
 * fields we do not know (stats_parsed, partitionValues_parsed, tags,
 * baseRowId...) are ignored; a missing column or field means null.
 * Errors: SM_ERR_NOT_FOUND (no such file), SM_ERR_CORRUPT (naming the file,
 * the row and the field), SM_ERR_UNSUPPORTED for a v2 checkpoint whose
 * rows point at sidecar files ("v2 checkpoints (v2Checkpoint feature) are
 * not supported"), and whatever fn returns. */
sm_err_t sm_delta_checkpoint_read(sm_store_t *st, const char *key, sm_arena_t *arena,
                                  sm_delta_checkpoint_fn fn, void *arg, sm_error_t *e);

/* The checkpoint schema (a new reference). */
sm_type_t *sm_delta_checkpoint_schema(sm_error_t *e);

#endif
