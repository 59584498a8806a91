/* cli/output — printing rows and opening the lake, shared by commands. */
#ifndef SM_CLI_OUTPUT_H
#define SM_CLI_OUTPUT_H

#include "cli/cli.h"
#include "columnar/batch.h"
#include "columnar/print.h"
#include "lake/lake.h"

/* Prints batches to stdout in a format (SM_PRINT_*).  Returns an exit code. */
int sm_cli_print(const char *cmd, int format, const sm_type_t *schema,
                 const sm_batch_t *const *batches, size_t n);

/* A batch of `schema` (a Spark type string, e.g. "struct<a:string,b:bigint>")
 * for building output rows with sm_batch_append_row.  NULL after printing
 * the reason. */
sm_batch_t *sm_cli_batch(const char *cmd, const char *schema);

/* Loads settings and opens the lake they name.  Returns an exit code. */
int sm_cli_open_lake(sm_cli_ctx_t *ctx, const char *cmd, sm_lake_t **lake);

#endif
