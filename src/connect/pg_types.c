/* connect/pg_types — PostgreSQL type OIDs to decoder kinds and columnar
 * types (the mapping table is documented in pg.h). */
#include <stdio.h>
#include <string.h>

#include "connect/pg_int.h"
#include "core/mem.h"

typedef struct builtin {
    uint32_t oid;
    sm_pg_kind_t kind;
    uint32_t elem; /* array types: the element OID */
    const char *name;
} builtin_t;

static const builtin_t builtins[] = {
    {SM_PG_OID_BOOL, SM_PG_BOOL, 0, "boolean"},
    {SM_PG_OID_BYTEA, SM_PG_BYTEA, 0, "bytea"},
    {SM_PG_OID_CHAR, SM_PG_CHAR, 0, "\"char\""},
    {SM_PG_OID_NAME, SM_PG_TEXT, 0, "name"},
    {SM_PG_OID_INT8, SM_PG_INT8, 0, "bigint"},
    {SM_PG_OID_INT2, SM_PG_INT2, 0, "smallint"},
    {SM_PG_OID_INT4, SM_PG_INT4, 0, "integer"},
    {SM_PG_OID_TEXT, SM_PG_TEXT, 0, "text"},
    {SM_PG_OID_OID, SM_PG_OID, 0, "oid"},
    {SM_PG_OID_JSON, SM_PG_TEXT, 0, "json"},
    {SM_PG_OID_FLOAT4, SM_PG_FLOAT4, 0, "real"},
    {SM_PG_OID_FLOAT8, SM_PG_FLOAT8, 0, "double precision"},
    {SM_PG_OID_BPCHAR, SM_PG_TEXT, 0, "character"},
    {SM_PG_OID_VARCHAR, SM_PG_TEXT, 0, "character varying"},
    {SM_PG_OID_DATE, SM_PG_DATE, 0, "date"},
    {SM_PG_OID_TIME, SM_PG_TIME, 0, "time without time zone"},
    {SM_PG_OID_TIMESTAMP, SM_PG_TIMESTAMP, 0, "timestamp without time zone"},
    {SM_PG_OID_TIMESTAMPTZ, SM_PG_TIMESTAMPTZ, 0, "timestamp with time zone"},
    {SM_PG_OID_NUMERIC, SM_PG_NUMERIC, 0, "numeric"},
    {SM_PG_OID_UUID, SM_PG_UUID, 0, "uuid"},
    {SM_PG_OID_JSONB, SM_PG_JSONB, 0, "jsonb"},
    /* arrays */
    {1000, SM_PG_ARRAY, SM_PG_OID_BOOL, "boolean[]"},
    {1001, SM_PG_ARRAY, SM_PG_OID_BYTEA, "bytea[]"},
    {1002, SM_PG_ARRAY, SM_PG_OID_CHAR, "\"char\"[]"},
    {1003, SM_PG_ARRAY, SM_PG_OID_NAME, "name[]"},
    {1005, SM_PG_ARRAY, SM_PG_OID_INT2, "smallint[]"},
    {1007, SM_PG_ARRAY, SM_PG_OID_INT4, "integer[]"},
    {1009, SM_PG_ARRAY, SM_PG_OID_TEXT, "text[]"},
    {1014, SM_PG_ARRAY, SM_PG_OID_BPCHAR, "character[]"},
    {1015, SM_PG_ARRAY, SM_PG_OID_VARCHAR, "character varying[]"},
    {1016, SM_PG_ARRAY, SM_PG_OID_INT8, "bigint[]"},
    {1021, SM_PG_ARRAY, SM_PG_OID_FLOAT4, "real[]"},
    {1022, SM_PG_ARRAY, SM_PG_OID_FLOAT8, "double precision[]"},
    {1028, SM_PG_ARRAY, SM_PG_OID_OID, "oid[]"},
    {1115, SM_PG_ARRAY, SM_PG_OID_TIMESTAMP, "timestamp without time zone[]"},
    {1182, SM_PG_ARRAY, SM_PG_OID_DATE, "date[]"},
    {1183, SM_PG_ARRAY, SM_PG_OID_TIME, "time without time zone[]"},
    {1185, SM_PG_ARRAY, SM_PG_OID_TIMESTAMPTZ, "timestamp with time zone[]"},
    {1231, SM_PG_ARRAY, SM_PG_OID_NUMERIC, "numeric[]"},
    {199, SM_PG_ARRAY, SM_PG_OID_JSON, "json[]"},
    {2951, SM_PG_ARRAY, SM_PG_OID_UUID, "uuid[]"},
    {3807, SM_PG_ARRAY, SM_PG_OID_JSONB, "jsonb[]"},
};

static const builtin_t *find_builtin(uint32_t oid)
{
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (builtins[i].oid == oid)
            return &builtins[i];
    return NULL;
}

bool sm_pg_builtin(uint32_t oid, sm_pg_kind_t *kind, uint32_t *elem_oid, sm_pg_kind_t *elem_kind,
                   const char **name)
{
    const builtin_t *b = find_builtin(oid);
    if (!b)
        return false;
    *kind = b->kind;
    *elem_oid = b->elem;
    *elem_kind = 0;
    if (b->elem)
        *elem_kind = find_builtin(b->elem)->kind;
    if (name)
        *name = b->name;
    return true;
}

/* decimal(p,s) for a numeric typmod (-1 = unconstrained). */
static sm_type_t *numeric_type(int32_t typmod, const sm_pg_types_t *types)
{
    int p, s;
    if (typmod < 4) {
        p = types && types->numeric_precision > 0 ? types->numeric_precision : 38;
        s = types && types->numeric_scale >= 0 ? types->numeric_scale : 18;
    } else {
        int32_t t = typmod - 4;
        p = (t >> 16) & 0xffff;
        s = (((t & 0x7ff) ^ 1024) - 1024); /* PostgreSQL 15: scale may be negative */
        if (s < 0) {
            p = p - s;
            s = 0;
        }
        if (p > SM_DECIMAL_MAX_PRECISION)
            p = SM_DECIMAL_MAX_PRECISION;
        if (p < 1)
            p = 1;
        if (s > p)
            s = p;
    }
    if (p > SM_DECIMAL_MAX_PRECISION)
        p = SM_DECIMAL_MAX_PRECISION;
    if (s > p)
        s = p;
    return sm_type_decimal(p, s);
}

static sm_type_t *scalar_type(sm_pg_kind_t kind, int32_t typmod, const sm_pg_types_t *types)
{
    switch (kind) {
    case SM_PG_BOOL:
        return sm_type_bool();
    case SM_PG_INT2:
        return sm_type_int16();
    case SM_PG_INT4:
        return sm_type_int32();
    case SM_PG_INT8:
    case SM_PG_OID:
        return sm_type_int64();
    case SM_PG_FLOAT4:
        return sm_type_float32();
    case SM_PG_FLOAT8:
        return sm_type_float64();
    case SM_PG_NUMERIC:
        return numeric_type(typmod, types);
    case SM_PG_TEXT:
    case SM_PG_CHAR:
    case SM_PG_JSONB:
    case SM_PG_UUID:
    case SM_PG_TIME:
        return sm_type_string();
    case SM_PG_BYTEA:
        return sm_type_binary();
    case SM_PG_DATE:
        return sm_type_date();
    case SM_PG_TIMESTAMP:
        return types && types->timestamp_ntz ? sm_type_timestamp() : sm_type_timestamp_tz();
    case SM_PG_TIMESTAMPTZ:
        return sm_type_timestamp_tz();
    case SM_PG_ARRAY:
        break;
    }
    return NULL;
}

sm_err_t sm_pg_column_type(const sm_pg_column_t *col, const sm_pg_types_t *types, sm_type_t **out,
                           sm_error_t *e)
{
    sm_type_t *t;
    if (col->kind == SM_PG_ARRAY) {
        if (col->elem_kind == SM_PG_ARRAY || !col->elem_kind)
            return sm_error_set(e, SM_ERR_INTERNAL, "column \"%s\": bad array element kind",
                                col->name);
        t = sm_type_list(scalar_type(col->elem_kind, col->typmod, types));
    } else {
        t = scalar_type(col->kind, col->typmod, types);
    }
    if (!t)
        return sm_error_nomem(e, "PostgreSQL column type");
    *out = t;
    return SM_OK;
}

sm_err_t sm_pg_schema_alloc(size_t n, sm_pg_schema_t **out, sm_error_t *e)
{
    *out = NULL;
    if (n > SM_PG_MAX_COLUMNS)
        return sm_error_set(e, SM_ERR_LIMIT, "%zu columns: more than %d", n, SM_PG_MAX_COLUMNS);
    sm_pg_schema_t *s = sm_calloc(1, sizeof *s);
    if (!s)
        return sm_error_nomem(e, "PostgreSQL schema");
    if (n && !(s->cols = sm_calloc(n, sizeof *s->cols))) {
        sm_free(s);
        return sm_error_nomem(e, "PostgreSQL schema");
    }
    s->ncols = n;
    *out = s;
    return SM_OK;
}

void sm_pg_schema_free(sm_pg_schema_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ncols; i++) {
        sm_free(s->cols[i].name);
        sm_free(s->cols[i].type_name);
    }
    sm_free(s->cols);
    sm_type_free(s->type);
    sm_free(s);
}

sm_err_t sm_pg_schema_build_type(sm_pg_schema_t *s, const sm_pg_types_t *types, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    sm_field_t *fields = s->ncols ? sm_calloc(s->ncols, sizeof *fields) : NULL;
    if (s->ncols && !fields)
        return sm_error_nomem(e, "PostgreSQL schema");
    size_t i;
    for (i = 0; i < s->ncols; i++) {
        fields[i].name = s->cols[i].name;
        fields[i].nullable = s->cols[i].nullable;
        if ((rc = sm_pg_column_type(&s->cols[i], types, &fields[i].type, e)))
            break;
    }
    if (rc) {
        for (size_t k = 0; k < i; k++)
            sm_type_free(fields[k].type);
        sm_free(fields);
        return rc;
    }
    sm_type_free(s->type);
    s->type = sm_type_struct(fields, s->ncols);
    sm_free(fields);
    if (!s->type)
        return sm_error_nomem(e, "PostgreSQL schema");
    return SM_OK;
}

sm_err_t sm_pg_schema_builtin(size_t n, const char *const *names, const uint32_t *oids,
                              const int32_t *typmods, const sm_pg_types_t *types,
                              sm_pg_schema_t **out, sm_error_t *e)
{
    sm_pg_schema_t *s = NULL;
    sm_err_t rc = sm_pg_schema_alloc(n, &s, e);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        sm_pg_column_t *c = &s->cols[i];
        char buf[32];
        const char *tname = NULL;
        snprintf(buf, sizeof buf, "c%zu", i);
        c->name = sm_strdup(names && names[i] ? names[i] : buf);
        if (!c->name) {
            rc = sm_error_nomem(e, "PostgreSQL schema");
            goto out;
        }
        c->oid = oids[i];
        c->typmod = typmods ? typmods[i] : -1;
        c->nullable = true;
        if (!sm_pg_builtin(oids[i], &c->kind, &c->elem_oid, &c->elem_kind, &tname)) {
            rc = sm_error_set(e, SM_ERR_UNSUPPORTED,
                              "column \"%s\": PostgreSQL type OID %u is not a supported built-in "
                              "type",
                              c->name, oids[i]);
            goto out;
        }
        if (!(c->type_name = sm_strdup(tname))) {
            rc = sm_error_nomem(e, "PostgreSQL schema");
            goto out;
        }
    }
    rc = sm_pg_schema_build_type(s, types, e);
out:
    if (rc) {
        sm_pg_schema_free(s);
        s = NULL;
    }
    *out = s;
    return rc;
}

const char *sm_pg_fmt_count(uint64_t n, char out[32])
{
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)n);
    size_t o = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = tmp[i];
    }
    out[o] = '\0';
    return out;
}
