#include "parquet/schema.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "parquet/encoding.h"

#define MAX_DEPTH 64

/* ---- reading: SchemaElement list → node tree --------------------------- */

typedef struct builder {
    const sm_pq_schema_elem_t *el;
    uint32_t n, pos;
    sm_pq_schema_t *s;
    sm_buf_t leaves; /* sm_pq_leaf_t array under construction */
    char path[1024];
    const char *names[MAX_DEPTH * 2 + 8]; /* the path's components */
    uint32_t nnames;
    sm_error_t *e;
} builder_t;

static sm_err_t fail(builder_t *b, sm_err_t code, const char *what)
{
    return sm_error_set(b->e, code, "parquet schema: column \"%s\": %s",
                        b->path[0] ? b->path : "(root)", what);
}

static size_t path_push(builder_t *b, const char *name)
{
    size_t len = strlen(b->path);
    snprintf(b->path + len, sizeof b->path - len, "%s%s", len ? "." : "", name);
    if (b->nnames < sizeof b->names / sizeof b->names[0])
        b->names[b->nnames] = name;
    b->nnames++;
    return len;
}

static void path_pop(builder_t *b, size_t mark)
{
    b->path[mark] = '\0';
    b->nnames--;
}

/* The columnar type and conversion of a primitive element. */
static sm_err_t leaf_type(builder_t *b, const sm_pq_schema_elem_t *el, sm_type_t **out,
                          sm_pq_conv_t *conv)
{
    const sm_pq_logical_t *lt = &el->logical;
    int ct = el->has_converted_type ? (int)el->converted_type : -1;
    *conv = SM_PQ_CONV_NONE;
    *out = NULL;
    bool is_decimal = lt->kind == SM_PQ_LT_DECIMAL || ct == SM_PQ_CT_DECIMAL;
    if (is_decimal) {
        int p = lt->kind == SM_PQ_LT_DECIMAL ? lt->precision : el->precision;
        int sc = lt->kind == SM_PQ_LT_DECIMAL ? lt->scale : el->scale;
        if (p < 1 || p > 38 || sc < 0 || sc > p)
            return fail(b, SM_ERR_UNSUPPORTED,
                        "decimal precision must be 1..38 (scale 0..precision)");
        switch (el->type) {
        case SM_PQ_INT32:
        case SM_PQ_INT64:
            *conv = SM_PQ_CONV_DECIMAL_INT;
            break;
        case SM_PQ_BYTE_ARRAY:
        case SM_PQ_FIXED_LEN_BYTE_ARRAY:
            *conv = SM_PQ_CONV_DECIMAL_BIN;
            break;
        default:
            return fail(b, SM_ERR_CORRUPT, "DECIMAL on a physical type that cannot hold it");
        }
        *out = sm_type_decimal(p, sc);
        return *out ? SM_OK : sm_error_nomem(b->e, "decimal type");
    }
    if (lt->kind == SM_PQ_LT_TIME || ct == SM_PQ_CT_TIME_MILLIS || ct == SM_PQ_CT_TIME_MICROS)
        return fail(b, SM_ERR_UNSUPPORTED, "the TIME type is not supported");
    if (lt->kind == SM_PQ_LT_FLOAT16) {
        if (el->type != SM_PQ_FIXED_LEN_BYTE_ARRAY || el->type_length != 2)
            return fail(b, SM_ERR_CORRUPT, "FLOAT16 must be a 2-byte FIXED_LEN_BYTE_ARRAY");
        *conv = SM_PQ_CONV_FLOAT16;
        *out = sm_type_float32();
        return SM_OK;
    }
    if (ct == SM_PQ_CT_INTERVAL)
        return fail(b, SM_ERR_UNSUPPORTED, "the INTERVAL type is not supported");
    int bits = 0;
    bool is_signed = true;
    if (lt->kind == SM_PQ_LT_INTEGER) {
        bits = lt->bit_width;
        is_signed = lt->is_signed;
    } else if (ct >= SM_PQ_CT_UINT_8 && ct <= SM_PQ_CT_INT_64) {
        static const int widths[] = {8, 16, 32, 64, 8, 16, 32, 64};
        bits = widths[ct - SM_PQ_CT_UINT_8];
        is_signed = ct >= SM_PQ_CT_INT_8;
    }
    switch (el->type) {
    case SM_PQ_BOOLEAN:
        *out = sm_type_bool();
        return SM_OK;
    case SM_PQ_FLOAT:
        *out = sm_type_float32();
        return SM_OK;
    case SM_PQ_DOUBLE:
        *out = sm_type_float64();
        return SM_OK;
    case SM_PQ_INT96:
        *conv = SM_PQ_CONV_INT96;
        *out = sm_type_timestamp_tz();
        return SM_OK;
    case SM_PQ_INT32:
        if (lt->kind == SM_PQ_LT_DATE || ct == SM_PQ_CT_DATE) {
            *out = sm_type_date();
        } else if (bits == 8 || (bits == 16 && is_signed)) {
            *conv = SM_PQ_CONV_NARROW;
            *out = bits == 8 && is_signed ? sm_type_int8() : sm_type_int16();
        } else if (bits == 32 && !is_signed) {
            *conv = SM_PQ_CONV_UINT32;
            *out = sm_type_int64();
        } else {
            *out = sm_type_int32(); /* int32, and uint16 which fits */
        }
        return SM_OK;
    case SM_PQ_INT64:
        if (lt->kind == SM_PQ_LT_TIMESTAMP) {
            *conv = lt->unit == SM_PQ_UNIT_MILLIS  ? SM_PQ_CONV_MILLIS
                    : lt->unit == SM_PQ_UNIT_NANOS ? SM_PQ_CONV_NANOS
                                                   : SM_PQ_CONV_NONE;
            if (lt->unit == SM_PQ_UNIT_NONE)
                return fail(b, SM_ERR_CORRUPT, "TIMESTAMP without a time unit");
            *out = lt->is_adjusted_to_utc ? sm_type_timestamp_tz() : sm_type_timestamp();
        } else if (ct == SM_PQ_CT_TIMESTAMP_MILLIS || ct == SM_PQ_CT_TIMESTAMP_MICROS) {
            *conv = ct == SM_PQ_CT_TIMESTAMP_MILLIS ? SM_PQ_CONV_MILLIS : SM_PQ_CONV_NONE;
            *out = sm_type_timestamp_tz();
        } else if (lt->kind == SM_PQ_LT_DATE || ct == SM_PQ_CT_DATE) {
            *conv = SM_PQ_CONV_DATE_MILLIS;
            *out = sm_type_date();
        } else if (bits == 64 && !is_signed) {
            *conv = SM_PQ_CONV_UINT64;
            *out = sm_type_decimal(20, 0);
            if (!*out)
                return sm_error_nomem(b->e, "decimal type");
        } else {
            *out = sm_type_int64();
        }
        return SM_OK;
    case SM_PQ_BYTE_ARRAY:
        if (lt->kind == SM_PQ_LT_STRING || lt->kind == SM_PQ_LT_ENUM || lt->kind == SM_PQ_LT_JSON ||
            ct == SM_PQ_CT_UTF8 || ct == SM_PQ_CT_ENUM || ct == SM_PQ_CT_JSON)
            *out = sm_type_string();
        else
            *out = sm_type_binary();
        return SM_OK;
    case SM_PQ_FIXED_LEN_BYTE_ARRAY:
        if (!el->has_type_length || el->type_length < 0)
            return fail(b, SM_ERR_CORRUPT, "FIXED_LEN_BYTE_ARRAY without a type_length");
        *out = sm_type_binary();
        return SM_OK;
    }
    return fail(b, SM_ERR_CORRUPT, "unknown physical type");
}

static sm_err_t add_leaf(builder_t *b, const sm_pq_schema_elem_t *el, sm_pq_node_t *node,
                         sm_pq_conv_t conv)
{
    if (b->nnames > sizeof b->names / sizeof b->names[0])
        return fail(b, SM_ERR_LIMIT, "the schema is nested too deeply");
    const char **parts = sm_arena_alloc(&b->s->arena, b->nnames * sizeof *parts);
    if (!parts)
        return sm_error_nomem(b->e, "parquet schema");
    memcpy(parts, b->names, b->nnames * sizeof *parts);
    sm_pq_leaf_t leaf = {
        .elem = el,
        .parts = parts,
        .nparts = b->nnames,
        .path = sm_arena_strdup(&b->s->arena, b->path),
        .max_def = node->def,
        .max_rep = node->rep,
        .physical = el->type,
        .type_length = el->has_type_length ? el->type_length : 0,
        .type = node->type,
        .conv = conv,
    };
    if (!leaf.path)
        return sm_error_nomem(b->e, "parquet schema");
    node->leaf = (int32_t)(b->leaves.len / sizeof leaf);
    return sm_buf_append(&b->leaves, &leaf, sizeof leaf, b->e);
}

static sm_err_t parse_node(builder_t *b, int16_t def, int16_t rep, bool force_required, int depth,
                           sm_pq_node_t *node);

/* Parses `count` consecutive sibling elements as the children of node. */
static sm_err_t parse_children(builder_t *b, uint32_t count, int16_t def, int16_t rep, int depth,
                               sm_pq_node_t *node)
{
    node->children = sm_arena_calloc(&b->s->arena, (count ? count : 1) * sizeof(sm_pq_node_t));
    if (!node->children)
        return sm_error_nomem(b->e, "parquet schema");
    node->nchildren = count;
    for (uint32_t i = 0; i < count; i++) {
        sm_err_t rc = parse_node(b, def, rep, false, depth + 1, &node->children[i]);
        if (rc)
            return rc;
    }
    return SM_OK;
}

/* Releases the child types already built (on failure, before the parent
 * type took them over). */
static void free_child_types(sm_pq_node_t *node)
{
    for (uint32_t i = 0; i < node->nchildren; i++) {
        sm_type_free(node->children[i].type);
        node->children[i].type = NULL;
    }
}

static sm_err_t make_struct(builder_t *b, sm_pq_node_t *node)
{
    sm_field_t *fs = sm_calloc(node->nchildren ? node->nchildren : 1, sizeof *fs);
    if (!fs) {
        free_child_types(node);
        return sm_error_nomem(b->e, "parquet schema");
    }
    for (uint32_t i = 0; i < node->nchildren; i++) {
        fs[i].name = (char *)node->children[i].name;
        fs[i].type = node->children[i].type;
        fs[i].nullable = node->children[i].nullable;
    }
    node->type = sm_type_struct(fs, node->nchildren); /* takes the child types */
    sm_free(fs);
    return node->type ? SM_OK : sm_error_nomem(b->e, "parquet schema");
}

static const sm_pq_schema_elem_t *take(builder_t *b)
{
    return b->pos < b->n ? &b->el[b->pos++] : NULL;
}

/* LIST-annotated group: one REPEATED child, then the element. */
static sm_err_t parse_list(builder_t *b, const sm_pq_schema_elem_t *group, int depth,
                           sm_pq_node_t *node)
{
    if (!group->has_num_children || group->num_children != 1)
        return fail(b, SM_ERR_CORRUPT, "a LIST group must have exactly one child");
    const sm_pq_schema_elem_t *r = &b->el[b->pos]; /* bounds checked by caller */
    if (!r->has_repetition || r->repetition != SM_PQ_REPEATED)
        return fail(b, SM_ERR_CORRUPT, "the child of a LIST group must be repeated");
    node->entry_def = (int16_t)(node->def + 1);
    node->entry_rep = (int16_t)(node->rep + 1);
    node->children = sm_arena_calloc(&b->s->arena, sizeof(sm_pq_node_t));
    if (!node->children)
        return sm_error_nomem(b->e, "parquet schema");
    node->nchildren = 1;
    sm_pq_node_t *elem = &node->children[0];
    char tuple[300];
    snprintf(tuple, sizeof tuple, "%s_tuple", group->name);
    bool repeated_is_element =
        !r->has_num_children || r->num_children == 0 || /* a repeated primitive */
        r->num_children > 1 || strcmp(r->name, "array") == 0 || strcmp(r->name, tuple) == 0;
    sm_err_t rc;
    if (repeated_is_element) {
        rc = parse_node(b, node->entry_def, node->entry_rep, true, depth + 1, elem);
    } else {
        size_t mark = path_push(b, r->name);
        b->pos++; /* the repeated group itself */
        rc = parse_node(b, node->entry_def, node->entry_rep, false, depth + 1, elem);
        path_pop(b, mark);
    }
    if (rc)
        return rc;
    node->type = sm_type_list_ex(elem->type, elem->nullable);
    return node->type ? SM_OK : sm_error_nomem(b->e, "parquet schema");
}

/* MAP group: one REPEATED group of (key, value). */
static sm_err_t parse_map(builder_t *b, const sm_pq_schema_elem_t *group, int depth,
                          sm_pq_node_t *node)
{
    if (!group->has_num_children || group->num_children != 1)
        return fail(b, SM_ERR_CORRUPT, "a MAP group must have exactly one child");
    const sm_pq_schema_elem_t *kv = take(b);
    if (!kv || !kv->has_repetition || kv->repetition != SM_PQ_REPEATED || !kv->has_num_children)
        return fail(b, SM_ERR_CORRUPT, "the child of a MAP group must be a repeated group");
    if (kv->num_children != 2 && kv->num_children != 1)
        return fail(b, SM_ERR_UNSUPPORTED, "a MAP's key_value group must have a key and a value");
    node->entry_def = (int16_t)(node->def + 1);
    node->entry_rep = (int16_t)(node->rep + 1);
    size_t mark = path_push(b, kv->name);
    if (kv->num_children == 1) {
        /* A map without values (parquet-testing map_no_value): read, as
         * Arrow does, as a list of its keys. */
        node->children = sm_arena_calloc(&b->s->arena, sizeof(sm_pq_node_t));
        if (!node->children) {
            b->path[mark] = '\0';
            return sm_error_nomem(b->e, "parquet schema");
        }
        node->nchildren = 1;
        sm_err_t rc1 =
            parse_node(b, node->entry_def, node->entry_rep, true, depth + 1, &node->children[0]);
        b->path[mark] = '\0';
        if (rc1)
            return rc1;
        node->type = sm_type_list_ex(node->children[0].type, node->children[0].nullable);
        return node->type ? SM_OK : sm_error_nomem(b->e, "parquet schema");
    }
    sm_err_t rc = parse_children(b, 2, node->entry_def, node->entry_rep, depth, node);
    path_pop(b, mark);
    if (rc) {
        free_child_types(node);
        return rc;
    }
    sm_pq_node_t *k = &node->children[0], *v = &node->children[1];
    if (k->nullable) {
        /* Some writers mark the key OPTIONAL; keys are never null in a map. */
        k->nullable = false;
    }
    node->type = sm_type_map_ex(k->type, v->type, v->nullable);
    return node->type ? SM_OK : sm_error_nomem(b->e, "parquet schema");
}

static sm_err_t parse_node(builder_t *b, int16_t def, int16_t rep, bool force_required, int depth,
                           sm_pq_node_t *node)
{
    memset(node, 0, sizeof *node);
    node->leaf = -1;
    if (depth > MAX_DEPTH)
        return fail(b, SM_ERR_LIMIT, "the schema is nested too deeply");
    uint32_t at = b->pos;
    const sm_pq_schema_elem_t *el = take(b);
    if (!el)
        return fail(b, SM_ERR_CORRUPT, "the schema ends before all children were listed");
    node->name = el->name;
    size_t mark = path_push(b, el->name);
    int repetition = el->has_repetition ? (int)el->repetition : SM_PQ_REQUIRED;
    sm_err_t rc = SM_OK;

    if (repetition == SM_PQ_REPEATED && !force_required) {
        /* A bare repeated field: a list of required elements. */
        node->nullable = false;
        node->def = def;
        node->rep = rep;
        node->entry_def = (int16_t)(def + 1);
        node->entry_rep = (int16_t)(rep + 1);
        node->children = sm_arena_calloc(&b->s->arena, sizeof(sm_pq_node_t));
        if (!node->children) {
            rc = sm_error_nomem(b->e, "parquet schema");
            goto out;
        }
        node->nchildren = 1;
        b->pos = at; /* parse the same element again as the entry */
        path_pop(b, mark);
        rc = parse_node(b, node->entry_def, node->entry_rep, true, depth + 1, &node->children[0]);
        if (rc)
            return rc;
        node->type = sm_type_list_ex(node->children[0].type, false);
        return node->type ? SM_OK : sm_error_nomem(b->e, "parquet schema");
    }
    if (repetition != SM_PQ_REQUIRED && repetition != SM_PQ_OPTIONAL &&
        repetition != SM_PQ_REPEATED) {
        rc = fail(b, SM_ERR_CORRUPT, "unknown repetition type");
        goto out;
    }
    node->nullable = repetition == SM_PQ_OPTIONAL;
    node->def = (int16_t)(def + (node->nullable ? 1 : 0));
    node->rep = rep;

    bool is_group = el->has_num_children && el->num_children > 0 && !el->has_type;
    if (!is_group && el->has_num_children && el->num_children > 0) {
        rc = fail(b, SM_ERR_CORRUPT, "an element has both a type and children");
        goto out;
    }
    if (!is_group) {
        if (!el->has_type) {
            rc = fail(b, SM_ERR_CORRUPT, "a leaf has no physical type");
            goto out;
        }
        sm_pq_conv_t conv;
        if ((rc = leaf_type(b, el, &node->type, &conv)))
            goto out;
        rc = add_leaf(b, el, node, conv);
        goto out;
    }
    if ((uint32_t)el->num_children > b->n - b->pos) {
        rc = fail(b, SM_ERR_CORRUPT, "a group claims more children than the schema has");
        goto out;
    }
    bool is_list = el->logical.kind == SM_PQ_LT_LIST ||
                   (el->has_converted_type && el->converted_type == SM_PQ_CT_LIST);
    bool is_map = el->logical.kind == SM_PQ_LT_MAP ||
                  (el->has_converted_type && (el->converted_type == SM_PQ_CT_MAP ||
                                              el->converted_type == SM_PQ_CT_MAP_KEY_VALUE));
    if (is_list) {
        rc = parse_list(b, el, depth, node);
    } else if (is_map) {
        rc = parse_map(b, el, depth, node);
    } else {
        rc = parse_children(b, (uint32_t)el->num_children, node->def, rep, depth, node);
        if (rc)
            free_child_types(node);
        else
            rc = make_struct(b, node);
    }
out:
    path_pop(b, mark);
    return rc;
}

static void schema_reset(sm_pq_schema_t *s)
{
    memset(s, 0, sizeof *s);
    sm_arena_init(&s->arena, 16 * 1024);
}

sm_err_t sm_pq_schema_from_file(const sm_pq_file_meta_t *fm, sm_pq_schema_t *s, sm_error_t *e)
{
    schema_reset(s);
    builder_t b = {.el = fm->schema, .n = fm->num_schema, .pos = 1, .s = s, .e = e};
    sm_err_t rc;
    if (fm->num_schema < 1)
        return sm_error_set(e, SM_ERR_CORRUPT, "parquet schema: no root element");
    const sm_pq_schema_elem_t *root = &fm->schema[0];
    uint32_t ncols =
        root->has_num_children && root->num_children > 0 ? (uint32_t)root->num_children : 0;
    if (ncols > fm->num_schema - 1) {
        rc = sm_error_set(e, SM_ERR_CORRUPT,
                          "parquet schema: root claims %u columns, schema has %u elements", ncols,
                          fm->num_schema);
        goto fail;
    }
    sm_pq_node_t top = {.leaf = -1};
    rc = parse_children(&b, ncols, 0, 0, 0, &top);
    if (rc) {
        free_child_types(&top);
        goto fail;
    }
    if (b.pos != fm->num_schema) {
        free_child_types(&top);
        rc = sm_error_set(e, SM_ERR_CORRUPT,
                          "parquet schema: %u elements listed but only %u reachable from the root",
                          fm->num_schema, b.pos);
        goto fail;
    }
    if ((rc = make_struct(&b, &top)))
        goto fail;
    s->type = top.type;
    s->columns = top.children;
    s->ncolumns = top.nchildren;
    s->nleaves = (uint32_t)(b.leaves.len / sizeof(sm_pq_leaf_t));
    s->leaves = sm_arena_alloc(&s->arena, b.leaves.len ? b.leaves.len : 1);
    if (!s->leaves) {
        rc = sm_error_nomem(e, "parquet schema");
        goto fail;
    }
    if (b.leaves.len)
        memcpy(s->leaves, b.leaves.data, b.leaves.len);
    sm_buf_free(&b.leaves);
    return SM_OK;
fail:
    sm_buf_free(&b.leaves);
    sm_pq_schema_free(s);
    return rc;
}

void sm_pq_schema_free(sm_pq_schema_t *s)
{
    sm_type_free(s->type);
    sm_arena_free(&s->arena);
    memset(s, 0, sizeof *s);
}

int sm_pq_schema_column(const sm_pq_schema_t *s, const char *name, bool ignore_case)
{
    if (!s->type)
        return -1;
    return sm_type_field_index(s->type, name, strlen(name), ignore_case);
}

/* ---- writing: columnar type → SchemaElement list ------------------------ */

typedef struct emitter {
    sm_buf_t elems; /* sm_pq_schema_elem_t array */
    sm_arena_t *arena;
    sm_error_t *e;
} emitter_t;

static sm_err_t emit(emitter_t *m, const sm_pq_schema_elem_t *el)
{
    return sm_buf_append(&m->elems, el, sizeof *el, m->e);
}

static sm_err_t emit_field(emitter_t *m, const char *name, const sm_type_t *t, int repetition,
                           int depth);

static sm_pq_schema_elem_t group(const char *name, int repetition, int32_t nchildren)
{
    sm_pq_schema_elem_t el = {.name = name, .has_num_children = true, .num_children = nchildren};
    if (repetition >= 0) {
        el.has_repetition = true;
        el.repetition = (sm_pq_repetition_t)repetition;
    }
    return el;
}

static sm_err_t emit_field(emitter_t *m, const char *name, const sm_type_t *t, int repetition,
                           int depth)
{
    if (depth > MAX_DEPTH)
        return sm_error_set(m->e, SM_ERR_LIMIT, "parquet schema: type nested too deeply");
    const char *nm = sm_arena_strdup(m->arena, name);
    if (!nm)
        return sm_error_nomem(m->e, "parquet schema");
    sm_pq_schema_elem_t el = {.name = nm,
                              .has_repetition = true,
                              .repetition = (sm_pq_repetition_t)repetition,
                              .has_type = true};
    sm_err_t rc;
    switch (t->kind) {
    case SM_TYPE_BOOL:
        el.type = SM_PQ_BOOLEAN;
        break;
    case SM_TYPE_INT8:
    case SM_TYPE_INT16:
        el.type = SM_PQ_INT32;
        el.logical = (sm_pq_logical_t){.kind = SM_PQ_LT_INTEGER,
                                       .is_signed = true,
                                       .bit_width = t->kind == SM_TYPE_INT8 ? 8 : 16};
        el.has_converted_type = true;
        el.converted_type = t->kind == SM_TYPE_INT8 ? SM_PQ_CT_INT_8 : SM_PQ_CT_INT_16;
        break;
    case SM_TYPE_INT32:
        el.type = SM_PQ_INT32;
        break;
    case SM_TYPE_INT64:
        el.type = SM_PQ_INT64;
        break;
    case SM_TYPE_FLOAT32:
        el.type = SM_PQ_FLOAT;
        break;
    case SM_TYPE_FLOAT64:
        el.type = SM_PQ_DOUBLE;
        break;
    case SM_TYPE_DATE:
        el.type = SM_PQ_INT32;
        el.logical.kind = SM_PQ_LT_DATE;
        el.has_converted_type = true;
        el.converted_type = SM_PQ_CT_DATE;
        break;
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        el.type = SM_PQ_INT64;
        el.logical = (sm_pq_logical_t){.kind = SM_PQ_LT_TIMESTAMP,
                                       .unit = SM_PQ_UNIT_MICROS,
                                       .is_adjusted_to_utc = t->kind == SM_TYPE_TIMESTAMP_TZ};
        if (t->kind == SM_TYPE_TIMESTAMP_TZ) { /* the converted type implies UTC */
            el.has_converted_type = true;
            el.converted_type = SM_PQ_CT_TIMESTAMP_MICROS;
        }
        break;
    case SM_TYPE_DECIMAL:
        if (t->precision <= 9) {
            el.type = SM_PQ_INT32;
        } else if (t->precision <= 18) {
            el.type = SM_PQ_INT64;
        } else {
            el.type = SM_PQ_FIXED_LEN_BYTE_ARRAY;
            el.has_type_length = true;
            el.type_length = sm_pq_decimal_min_bytes(t->precision);
        }
        el.logical = (sm_pq_logical_t){
            .kind = SM_PQ_LT_DECIMAL, .precision = t->precision, .scale = t->scale};
        el.has_converted_type = el.has_scale = el.has_precision = true;
        el.converted_type = SM_PQ_CT_DECIMAL;
        el.scale = t->scale;
        el.precision = t->precision;
        break;
    case SM_TYPE_STRING:
        el.type = SM_PQ_BYTE_ARRAY;
        el.logical.kind = SM_PQ_LT_STRING;
        el.has_converted_type = true;
        el.converted_type = SM_PQ_CT_UTF8;
        break;
    case SM_TYPE_BINARY:
        el.type = SM_PQ_BYTE_ARRAY;
        break;
    case SM_TYPE_STRUCT:
        if (t->nfields == 0)
            return sm_error_set(m->e, SM_ERR_UNSUPPORTED,
                                "parquet schema: column \"%s\": a struct needs at least one field",
                                name);
        el = group(nm, repetition, (int32_t)t->nfields);
        if ((rc = emit(m, &el)))
            return rc;
        for (uint32_t i = 0; i < t->nfields; i++) {
            const sm_field_t *f = &t->fields[i];
            if ((rc = emit_field(m, f->name, f->type, f->nullable ? SM_PQ_OPTIONAL : SM_PQ_REQUIRED,
                                 depth + 1)))
                return rc;
        }
        return SM_OK;
    case SM_TYPE_LIST: {
        el = group(nm, repetition, 1);
        el.logical.kind = SM_PQ_LT_LIST;
        el.has_converted_type = true;
        el.converted_type = SM_PQ_CT_LIST;
        sm_pq_schema_elem_t rep = group("list", SM_PQ_REPEATED, 1);
        const sm_field_t *f = &t->fields[0];
        if ((rc = emit(m, &el)) || (rc = emit(m, &rep)))
            return rc;
        return emit_field(m, "element", f->type, f->nullable ? SM_PQ_OPTIONAL : SM_PQ_REQUIRED,
                          depth + 1);
    }
    case SM_TYPE_MAP: {
        el = group(nm, repetition, 1);
        el.logical.kind = SM_PQ_LT_MAP;
        el.has_converted_type = true;
        el.converted_type = SM_PQ_CT_MAP;
        sm_pq_schema_elem_t kv = group("key_value", SM_PQ_REPEATED, 2);
        const sm_type_t *entries = t->fields[0].type;
        if ((rc = emit(m, &el)) || (rc = emit(m, &kv)) ||
            (rc = emit_field(m, "key", entries->fields[0].type, SM_PQ_REQUIRED, depth + 1)))
            return rc;
        return emit_field(m, "value", entries->fields[1].type,
                          entries->fields[1].nullable ? SM_PQ_OPTIONAL : SM_PQ_REQUIRED, depth + 1);
    }
    default:
        return sm_error_set(m->e, SM_ERR_UNSUPPORTED,
                            "parquet schema: column \"%s\": type %s cannot be written to Parquet",
                            name, sm_type_kind_name(t->kind));
    }
    return emit(m, &el);
}

sm_err_t sm_pq_schema_elements(const sm_type_t *type, sm_arena_t *arena,
                               sm_pq_schema_elem_t **elems, uint32_t *n, sm_error_t *e)
{
    *elems = NULL;
    *n = 0;
    if (type->kind != SM_TYPE_STRUCT)
        return sm_error_set(e, SM_ERR_INVALID, "parquet schema: a file schema must be a struct");
    emitter_t m = {.arena = arena, .e = e};
    sm_pq_schema_elem_t root = group("schema", -1, (int32_t)type->nfields);
    sm_err_t rc = emit(&m, &root);
    for (uint32_t i = 0; !rc && i < type->nfields; i++) {
        const sm_field_t *f = &type->fields[i];
        rc = emit_field(&m, f->name, f->type, f->nullable ? SM_PQ_OPTIONAL : SM_PQ_REQUIRED, 1);
    }
    if (!rc) {
        *elems = sm_arena_alloc(arena, m.elems.len);
        if (!*elems)
            rc = sm_error_nomem(e, "parquet schema");
        else {
            memcpy(*elems, m.elems.data, m.elems.len);
            *n = (uint32_t)(m.elems.len / sizeof root);
        }
    }
    sm_buf_free(&m.elems);
    return rc;
}

sm_err_t sm_pq_schema_for_type(const sm_type_t *type, sm_arena_t *arena,
                               sm_pq_schema_elem_t **elems, uint32_t *n, sm_pq_schema_t *s,
                               sm_error_t *e)
{
    schema_reset(s);
    sm_err_t rc = sm_pq_schema_elements(type, arena, elems, n, e);
    if (rc)
        return rc;
    sm_pq_file_meta_t fm = {.schema = *elems, .num_schema = *n};
    return sm_pq_schema_from_file(&fm, s, e);
}
