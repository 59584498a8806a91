/*
 * connect/pg_int — private details of the PostgreSQL source shared by
 * pg_types.c (type mapping), pg_copy.c (the COPY decoder) and pg_conn.c
 * (connections and reads).  Not for use outside src/connect/.
 */
#ifndef SM_CONNECT_PG_INT_H
#define SM_CONNECT_PG_INT_H

#include "connect/pg.h"

/* The built-in type OIDs we read (pg_type.dat). */
enum {
    SM_PG_OID_BOOL = 16,
    SM_PG_OID_BYTEA = 17,
    SM_PG_OID_CHAR = 18,
    SM_PG_OID_NAME = 19,
    SM_PG_OID_INT8 = 20,
    SM_PG_OID_INT2 = 21,
    SM_PG_OID_INT4 = 23,
    SM_PG_OID_TEXT = 25,
    SM_PG_OID_OID = 26,
    SM_PG_OID_JSON = 114,
    SM_PG_OID_FLOAT4 = 700,
    SM_PG_OID_FLOAT8 = 701,
    SM_PG_OID_BPCHAR = 1042,
    SM_PG_OID_VARCHAR = 1043,
    SM_PG_OID_DATE = 1082,
    SM_PG_OID_TIME = 1083,
    SM_PG_OID_TIMESTAMP = 1114,
    SM_PG_OID_TIMESTAMPTZ = 1184,
    SM_PG_OID_NUMERIC = 1700,
    SM_PG_OID_UUID = 2950,
    SM_PG_OID_JSONB = 3802,
};

/* A built-in type: its kind and, for an array type, its element's OID and
 * kind.  Returns false for an OID that is not built in (or not read). */
bool sm_pg_builtin(uint32_t oid, sm_pg_kind_t *kind, uint32_t *elem_oid, sm_pg_kind_t *elem_kind,
                   const char **name);

/* The columnar type of a resolved column (kind, elem_kind, typmod set).
 * SM_ERR_NOMEM.  *out is a new reference. */
sm_err_t sm_pg_column_type(const sm_pg_column_t *col, const sm_pg_types_t *types, sm_type_t **out,
                           sm_error_t *e);

/* Builds s->type (a STRUCT) from s->cols; SM_ERR_NOMEM. */
sm_err_t sm_pg_schema_build_type(sm_pg_schema_t *s, const sm_pg_types_t *types, sm_error_t *e);

/* An empty schema of n columns (names and type names NULL). */
sm_err_t sm_pg_schema_alloc(size_t n, sm_pg_schema_t **out, sm_error_t *e);

/* "1,234,567" into out (>= 32 bytes); returns out. */
const char *sm_pg_fmt_count(uint64_t n, char out[32]);

#endif
