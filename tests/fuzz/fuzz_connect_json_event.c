/*
 * fuzz_connect_json_event — Kafka message values through the JSON event
 * decoder (two schemas: the reference event and one with every supported
 * kind, NOT NULL included) and the plain validator.  Must never crash,
 * hang or leak, whatever the bytes; and the decoder may only accept a
 * value that the validator accepts, leaving every column the same length.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "columnar/batch.h"
#include "connect/kafka.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(sm_type_t *schema, const uint8_t *data, size_t size, bool valid)
{
    sm_error_t e;
    sm_kafka_json_decoder_t *d = NULL;
    sm_batch_t *b = NULL;
    sm_kafka_dead_letters_t dl = SM_KAFKA_DEAD_LETTERS_INIT;
    if (!schema || sm_kafka_json_decoder_new(schema, 4096, &d, &e) ||
        sm_batch_new(schema, 4, &b, &e))
        goto out;
    /* twice: the second row must not see state left by the first */
    for (int i = 0; i < 2; i++) {
        bool dead = true;
        if (sm_kafka_json_decode(d, data, size, 0, i, b, &dl, &dead, &e))
            goto out;
        if (!dead && !valid)
            abort(); /* accepted something that is not JSON */
        if (dead && (dl.n != (size_t)i + 1 || dl.items[i].reason[0] == 0))
            abort();
    }
    for (size_t c = 0; c < b->ncols; c++)
        if (b->cols[c]->len != b->nrows)
            abort();
out:
    sm_kafka_dead_letters_free(&dl);
    sm_batch_free(b);
    sm_kafka_json_decoder_free(d);
    sm_type_free(schema);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool valid = sm_kafka_json_validate(data, size, NULL) == SM_OK;
    one(sm_kafka_event_schema(false), data, size, valid);
    one(sm_type_struct((sm_field_t[]){{"b", sm_type_bool(), true},
                                      {"i8", sm_type_int8(), true},
                                      {"i", sm_type_int32(), false},
                                      {"f", sm_type_float32(), true},
                                      {"dec", sm_type_decimal(10, 3), true},
                                      {"day", sm_type_date(), true},
                                      {"ts", sm_type_timestamp(), true},
                                      {"s", sm_type_string(), true}},
                       8),
        data, size, valid);
    return 0;
}
