/* serve/provider — helpers for provider results. */
#include "serve/provider.h"

#include <string.h>

#include "core/mem.h"

void sm_prov_result_free(sm_prov_result_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nbatches; i++)
        sm_batch_free(r->batches ? r->batches[i] : NULL);
    sm_free(r->batches);
    sm_type_free(r->schema);
    memset(r, 0, sizeof *r);
}

size_t sm_prov_result_rows(const sm_prov_result_t *r)
{
    size_t n = 0;
    for (size_t i = 0; r && r->batches && i < r->nbatches; i++)
        n += r->batches[i] ? r->batches[i]->nrows : 0;
    return n;
}
