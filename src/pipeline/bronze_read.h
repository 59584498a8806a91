/*
 * pipeline/bronze_read — the files of a `type: files` source, or the
 * records of a `type: http` source, as a sequence of connect/files
 * sources feeding one bronze table.
 *
 * Files: path is a file, a directory (every file below it whose format is
 * known by its extension, or all of them with an explicit format; names
 * starting with '_' or '.' are skipped) or a glob in its last component
 * (data/sales-*.csv); relative local paths are taken from the project
 * directory; s3://bucket/prefix... paths go through the store module.
 * Files are read in key order; every file after the first is read with the
 * first one's schema (explicit or inferred), so one table gets one schema.
 * HTTP: every page is fetched first (connect/http.h, bounded by max_bytes)
 * and the records are one JSON-lines source.
 *
 * Ownership: a reader owns its store, keys and body; each source it hands
 * out belongs to the caller (sm_file_source_close) but borrows the reader,
 * which must outlive it.  Threads: one thread at a time.
 */
#ifndef SM_PIPELINE_BRONZE_READ_H
#define SM_PIPELINE_BRONZE_READ_H

#include "connect/files.h"
#include "core/err.h"
#include "pipeline/project.h"

typedef struct sm_bronze_reader sm_bronze_reader_t;

/* Lists the files (or fetches the pages) of src.  SM_ERR_NOT_FOUND when a
 * path matches no file. */
sm_err_t sm_bronze_reader_open(const char *project_dir, const sm_source_t *src,
                               sm_bronze_reader_t **out, sm_error_t *e);
/* The next source in *out (NULL at the end). */
sm_err_t sm_bronze_reader_next(sm_bronze_reader_t *r, sm_file_source_t **out, sm_error_t *e);
/* "csv", "jsonl", "parquet", "json" (files: the first file's format) or "http". */
const char *sm_bronze_reader_label(const sm_bronze_reader_t *r);
/* Files listed (1 for HTTP). */
size_t sm_bronze_reader_count(const sm_bronze_reader_t *r);
void sm_bronze_reader_close(sm_bronze_reader_t *r);

#endif
