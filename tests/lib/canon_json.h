/* tests/lib/canon_json — canonical JSON of columnar values (see the .c). */
#ifndef SM_TEST_CANON_JSON_H
#define SM_TEST_CANON_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "columnar/vector.h"

/* Prints n bytes as a JSON string (escaped) to stdout. */
void canon_put_str(const uint8_t *s, size_t n);

/* Prints row i of v to stdout in the canonical form. */
void canon_put_value(const sm_vector_t *v, size_t i);

#endif
