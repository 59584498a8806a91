#include "core/yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "core/mem.h"
#include "core/str.h"

/* ---- quoting outside text in messages ---------------------------------- */

/* Copies at most ~48 bytes of s into dst for a message, showing control
 * bytes and '"' escaped and a cut with "...". */
static const char *quote(char *dst, size_t cap, const char *s)
{
    size_t o = 0;
    const size_t keep = 48;
    size_t i = 0;
    for (; s[i] && i < keep && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", c);
        else if (c == '"' || c == '\\')
            o += (size_t)snprintf(dst + o, cap - o, "\\%c", c);
        else
            dst[o++] = (char)c;
    }
    if (s[i] && o + 4 < cap) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
    return dst;
}

#define QUOTE_MAX 256

/* ---- the builder ------------------------------------------------------- */

typedef struct frame {
    sm_yaml_node_t *node; /* the open container */
    size_t first;         /* index of its first child on the child stack */
    const char *anchor;   /* anchor to register when it closes, or NULL */
} frame_t;

typedef struct anchor {
    const char *name;
    const sm_yaml_node_t *node;
} anchor_t;

typedef struct builder {
    sm_yaml_doc_t *doc;
    const unsigned char *data;
    size_t len;
    frame_t frames[SM_YAML_MAX_DEPTH];
    int depth;
    const sm_yaml_node_t **kids; /* children of all open containers */
    size_t nkids, capkids;
    anchor_t *anchors;
    size_t nanchors;
    size_t total; /* nodes so far, aliases expanded */
    int documents;
} builder_t;

static sm_err_t at_mark(sm_error_t *e, const builder_t *b, yaml_mark_t m, sm_err_t code,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static sm_err_t at_mark(sm_error_t *e, const builder_t *b, yaml_mark_t m, sm_err_t code,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sm_error_setv(e, code, fmt, ap);
    va_end(ap);
    sm_error_wrap(e, "%s:%zu:%zu", b->doc->file, m.line + 1, m.column + 1);
    return code;
}

sm_err_t sm_yaml_error(sm_error_t *e, const sm_yaml_node_t *node, sm_err_t code, const char *fmt,
                       ...)
{
    va_list ap;
    va_start(ap, fmt);
    sm_error_setv(e, code, fmt, ap);
    va_end(ap);
    if (node)
        sm_error_wrap(e, "%s:%u:%u", node->file, node->line, node->column);
    return code;
}

static sm_yaml_node_t *new_node(builder_t *b, sm_yaml_kind_t kind, yaml_mark_t m, sm_error_t *e)
{
    sm_yaml_node_t *n = sm_arena_calloc(&b->doc->arena, sizeof *n);
    if (!n) {
        sm_error_nomem(e, "yaml node");
        return NULL;
    }
    n->kind = kind;
    n->file = b->doc->file;
    n->line = m.line + 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(m.line + 1);
    n->column = m.column + 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(m.column + 1);
    n->weight = 1;
    return n;
}

/* Counts `weight` more nodes against the cap. */
static sm_err_t count_nodes(builder_t *b, size_t weight, yaml_mark_t m, sm_error_t *e)
{
    if (weight > SM_YAML_MAX_NODES || b->total + weight > SM_YAML_MAX_NODES)
        return at_mark(e, b, m, SM_ERR_LIMIT,
                       "document too large: more than %d nodes (counting each alias as a copy)",
                       SM_YAML_MAX_NODES);
    b->total += weight;
    return SM_OK;
}

/* Tags: "!!str" and "!" mean "a string"; everything else is refused. */
static sm_err_t check_tag(builder_t *b, const yaml_char_t *tag, yaml_mark_t m, bool scalar,
                          bool *as_string, sm_error_t *e)
{
    if (!tag)
        return SM_OK;
    const char *t = (const char *)tag;
    if (strcmp(t, "!") == 0 || (scalar && strcmp(t, YAML_STR_TAG) == 0)) {
        *as_string = true;
        return SM_OK;
    }
    if (!scalar && (strcmp(t, YAML_SEQ_TAG) == 0 || strcmp(t, YAML_MAP_TAG) == 0))
        return SM_OK;
    char q[QUOTE_MAX];
    return at_mark(e, b, m, SM_ERR_UNSUPPORTED, "unsupported tag \"%s\" (only !!str is allowed)",
                   quote(q, sizeof q, t));
}

static sm_err_t remember_anchor(builder_t *b, const char *name, const sm_yaml_node_t *node,
                                yaml_mark_t m, sm_error_t *e)
{
    if (!name)
        return SM_OK;
    if (!b->anchors) {
        b->anchors = sm_arena_alloc(&b->doc->arena, SM_YAML_MAX_ANCHORS * sizeof *b->anchors);
        if (!b->anchors)
            return sm_error_nomem(e, "yaml anchors");
    }
    if (b->nanchors == SM_YAML_MAX_ANCHORS)
        return at_mark(e, b, m, SM_ERR_LIMIT, "too many anchors (more than %d)",
                       SM_YAML_MAX_ANCHORS);
    b->anchors[b->nanchors].name = name;
    b->anchors[b->nanchors].node = node;
    b->nanchors++;
    return SM_OK;
}

static const char *copy_anchor(builder_t *b, const yaml_char_t *anchor, sm_error_t *e, sm_err_t *rc)
{
    *rc = SM_OK;
    if (!anchor)
        return NULL;
    const char *s = sm_arena_strdup(&b->doc->arena, (const char *)anchor);
    if (!s)
        *rc = sm_error_nomem(e, "yaml anchor");
    return s;
}

/* Adds a finished node as the next child of the open container (or as the
 * root).  Keys of mappings must be scalars, and "<<" is refused. */
static sm_err_t add_child(builder_t *b, const sm_yaml_node_t *node, yaml_mark_t m, sm_error_t *e)
{
    if (b->depth == 0) {
        b->doc->root = node;
        return SM_OK;
    }
    frame_t *f = &b->frames[b->depth - 1];
    bool is_key = f->node->kind == SM_YAML_MAPPING && (b->nkids - f->first) % 2 == 0;
    if (is_key && node->kind != SM_YAML_SCALAR)
        return at_mark(e, b, m, SM_ERR_UNSUPPORTED, "a mapping key must be a plain value, not a %s",
                       sm_yaml_kind_name(node));
    if (is_key && !node->u.scalar.quoted && strcmp(node->u.scalar.text, "<<") == 0)
        return at_mark(e, b, m, SM_ERR_UNSUPPORTED,
                       "merge keys (\"<<\") are not supported; repeat the keys instead");
    if (b->nkids == b->capkids) {
        size_t cap = b->capkids ? b->capkids * 2 : 64;
        const sm_yaml_node_t **k = sm_realloc(b->kids, cap * sizeof *k);
        if (!k)
            return sm_error_nomem(e, "yaml children");
        b->kids = k;
        b->capkids = cap;
    }
    b->kids[b->nkids++] = node;
    return SM_OK;
}

static sm_err_t on_scalar(builder_t *b, const yaml_event_t *ev, sm_error_t *e)
{
    bool as_string = false;
    yaml_mark_t m = ev->start_mark;
    sm_err_t rc = check_tag(b, ev->data.scalar.tag, m, true, &as_string, e);
    if (rc)
        return rc;
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (memchr(v, '\0', len))
        return at_mark(e, b, m, SM_ERR_UNSUPPORTED, "a NUL character is not allowed in a value");
    rc = count_nodes(b, 1, m, e);
    if (rc)
        return rc;
    sm_yaml_node_t *n = new_node(b, SM_YAML_SCALAR, m, e);
    if (!n)
        return SM_ERR_NOMEM;
    char *text = sm_arena_strndup(&b->doc->arena, v, len);
    if (!text)
        return sm_error_nomem(e, "yaml scalar");
    n->u.scalar.text = text;
    n->u.scalar.len = len;
    n->u.scalar.quoted = as_string || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    const char *anchor = copy_anchor(b, ev->data.scalar.anchor, e, &rc);
    if (rc)
        return rc;
    rc = remember_anchor(b, anchor, n, m, e);
    if (rc)
        return rc;
    return add_child(b, n, m, e);
}

static sm_err_t on_alias(builder_t *b, const yaml_event_t *ev, sm_error_t *e)
{
    const char *name = (const char *)ev->data.alias.anchor;
    yaml_mark_t m = ev->start_mark;
    for (size_t i = b->nanchors; i-- > 0;) {
        if (strcmp(b->anchors[i].name, name) == 0) {
            const sm_yaml_node_t *n = b->anchors[i].node;
            sm_err_t rc = count_nodes(b, n->weight, m, e);
            if (rc)
                return rc;
            return add_child(b, n, m, e);
        }
    }
    char q[QUOTE_MAX];
    return at_mark(e, b, m, SM_ERR_PARSE, "undefined alias \"*%s\"", quote(q, sizeof q, name));
}

static sm_err_t on_start(builder_t *b, const yaml_event_t *ev, sm_yaml_kind_t kind, sm_error_t *e)
{
    yaml_mark_t m = ev->start_mark;
    bool ignored = false;
    const yaml_char_t *tag =
        kind == SM_YAML_MAPPING ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
    const yaml_char_t *anc =
        kind == SM_YAML_MAPPING ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    sm_err_t rc = check_tag(b, tag, m, false, &ignored, e);
    if (rc)
        return rc;
    if (b->depth == SM_YAML_MAX_DEPTH)
        return at_mark(e, b, m, SM_ERR_LIMIT, "nested more than %d levels deep", SM_YAML_MAX_DEPTH);
    rc = count_nodes(b, 1, m, e);
    if (rc)
        return rc;
    sm_yaml_node_t *n = new_node(b, kind, m, e);
    if (!n)
        return SM_ERR_NOMEM;
    const char *anchor = copy_anchor(b, anc, e, &rc);
    if (rc)
        return rc;
    frame_t *f = &b->frames[b->depth++];
    f->node = n;
    f->first = b->nkids;
    f->anchor = anchor;
    return SM_OK;
}

static int cmp_key(const void *pa, const void *pb)
{
    const sm_yaml_pair_t *a = pa, *b = pb;
    int c = strcmp(a->key->u.scalar.text, b->key->u.scalar.text);
    if (c)
        return c;
    if (a->key->line != b->key->line)
        return a->key->line < b->key->line ? -1 : 1;
    if (a->key->column != b->key->column)
        return a->key->column < b->key->column ? -1 : 1;
    return 0;
}

static bool before(const sm_yaml_node_t *a, const sm_yaml_node_t *b)
{
    return a->line < b->line || (a->line == b->line && a->column < b->column);
}

/* Duplicate keys: sort a copy by (text, position); equal neighbours are
 * duplicates, and the one seen first in the document is reported. */
static sm_err_t check_duplicates(builder_t *b, const sm_yaml_node_t *map, sm_error_t *e)
{
    size_t n = map->u.map.count;
    if (n < 2)
        return SM_OK;
    sm_yaml_pair_t *s = sm_arena_alloc(&b->doc->arena, n * sizeof *s);
    if (!s)
        return sm_error_nomem(e, "yaml key check");
    memcpy(s, map->u.map.pairs, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_key);
    const sm_yaml_node_t *first = NULL, *second = NULL;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(s[i - 1].key->u.scalar.text, s[i].key->u.scalar.text) == 0 &&
            (!second || before(s[i].key, second))) {
            first = s[i - 1].key;
            second = s[i].key;
        }
    }
    if (!second)
        return SM_OK;
    char q[QUOTE_MAX];
    return sm_yaml_error(e, second, SM_ERR_PARSE, "duplicate key \"%s\" (first defined at %u:%u)",
                         quote(q, sizeof q, second->u.scalar.text), first->line, first->column);
}

static sm_err_t on_end(builder_t *b, const yaml_event_t *ev, sm_error_t *e)
{
    if (b->depth == 0)
        return at_mark(e, b, ev->start_mark, SM_ERR_INTERNAL, "unbalanced YAML events");
    frame_t *f = &b->frames[--b->depth];
    sm_yaml_node_t *n = f->node;
    size_t count = b->nkids - f->first;
    /* no child yet anywhere: b->kids is still NULL (no offset on NULL) */
    const sm_yaml_node_t **kids = count ? b->kids + f->first : NULL;
    size_t weight = 1;
    for (size_t i = 0; i < count; i++)
        weight += kids[i]->weight; /* bounded by the node cap: no overflow */
    n->weight = weight;
    if (n->kind == SM_YAML_SEQUENCE) {
        const sm_yaml_node_t **items = NULL;
        if (count) {
            items = sm_arena_alloc(&b->doc->arena, count * sizeof *items);
            if (!items)
                return sm_error_nomem(e, "yaml sequence");
            memcpy(items, kids, count * sizeof *items);
        }
        n->u.seq.items = items;
        n->u.seq.count = count;
    } else {
        size_t np = count / 2;
        sm_yaml_pair_t *pairs = NULL;
        if (np) {
            pairs = sm_arena_alloc(&b->doc->arena, np * sizeof *pairs);
            if (!pairs)
                return sm_error_nomem(e, "yaml mapping");
            for (size_t i = 0; i < np; i++) {
                pairs[i].key = kids[2 * i];
                pairs[i].value = kids[2 * i + 1];
            }
        }
        n->u.map.pairs = pairs;
        n->u.map.count = np;
        sm_err_t rc = check_duplicates(b, n, e);
        if (rc)
            return rc;
    }
    b->nkids = f->first;
    yaml_mark_t m = {.line = n->line - 1, .column = n->column - 1};
    sm_err_t rc = remember_anchor(b, f->anchor, n, m, e);
    if (rc)
        return rc;
    return add_child(b, n, m, e);
}

/* The character at 0-based (line, column) of the input, counting columns
 * in UTF-8 characters as libyaml does; 0 when out of range. */
static unsigned char char_at(const builder_t *b, size_t line, size_t column)
{
    size_t i = 0;
    for (size_t l = 0; l < line && i < b->len; i++) {
        if (b->data[i] == '\n' ||
            (b->data[i] == '\r' && (i + 1 >= b->len || b->data[i + 1] != '\n')))
            l++;
    }
    for (size_t c = 0; c < column && i < b->len; c++) {
        i++;
        while (i < b->len && (b->data[i] & 0xC0) == 0x80)
            i++;
    }
    return i < b->len ? b->data[i] : 0;
}

/* Turns a libyaml failure into "file:line:column: problem (context ...)". */
static sm_err_t parser_error(builder_t *b, const yaml_parser_t *p, sm_error_t *e)
{
    const char *file = b->doc->file;
    const char *problem = p->problem ? p->problem : "invalid YAML";
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        return sm_error_nomem(e, "yaml parser");
    case YAML_READER_ERROR: {
        size_t line = 1, col = 1;
        for (size_t i = 0; i < p->problem_offset && i < b->len; i++) {
            if (b->data[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        if (p->problem_value != -1)
            return sm_error_set(e, SM_ERR_PARSE, "%s:%zu:%zu: %s (byte 0x%02x at offset %zu)", file,
                                line, col, problem, (unsigned)p->problem_value & 0xffu,
                                p->problem_offset);
        return sm_error_set(e, SM_ERR_PARSE, "%s:%zu:%zu: %s (at offset %zu)", file, line, col,
                            problem, p->problem_offset);
    }
    default:
        break;
    }
    yaml_mark_t m = p->problem_mark;
    const char *hint = "";
    if (char_at(b, m.line, m.column) == '\t')
        hint = "; tabs cannot be used for indentation, use spaces";
    if (p->context)
        return sm_error_set(e, SM_ERR_PARSE, "%s:%zu:%zu: %s (%s at %zu:%zu)%s", file, m.line + 1,
                            m.column + 1, problem, p->context, p->context_mark.line + 1,
                            p->context_mark.column + 1, hint);
    return sm_error_set(e, SM_ERR_PARSE, "%s:%zu:%zu: %s%s", file, m.line + 1, m.column + 1,
                        problem, hint);
}

static sm_err_t on_event(builder_t *b, const yaml_event_t *ev, sm_error_t *e)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->documents > 1)
            return at_mark(e, b, ev->start_mark, SM_ERR_UNSUPPORTED,
                           "more than one YAML document in the file");
        return SM_OK;
    case YAML_SCALAR_EVENT:
        return on_scalar(b, ev, e);
    case YAML_ALIAS_EVENT:
        return on_alias(b, ev, e);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(b, ev, SM_YAML_SEQUENCE, e);
    case YAML_MAPPING_START_EVENT:
        return on_start(b, ev, SM_YAML_MAPPING, e);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return on_end(b, ev, e);
    default:
        return SM_OK;
    }
}

sm_err_t sm_yaml_parse(const char *name, const void *data, size_t len, sm_yaml_doc_t **out,
                       sm_error_t *e)
{
    *out = NULL;
    if (!name)
        name = "<input>";
    if (len > SM_YAML_MAX_INPUT)
        return sm_error_set(e, SM_ERR_LIMIT, "%s: larger than %u bytes", name, SM_YAML_MAX_INPUT);
    sm_yaml_doc_t *doc = sm_calloc(1, sizeof *doc);
    if (!doc)
        return sm_error_nomem(e, "yaml document");
    sm_arena_init(&doc->arena, 16 * 1024);
    builder_t b = {.doc = doc, .data = data, .len = len};
    yaml_parser_t parser;
    bool parser_ok = false;
    sm_err_t rc = SM_OK;
    doc->file = sm_arena_strdup(&doc->arena, name);
    if (!doc->file) {
        rc = sm_error_nomem(e, "yaml document");
        goto out;
    }
    if (!yaml_parser_initialize(&parser)) {
        rc = sm_error_nomem(e, "yaml parser");
        goto out;
    }
    parser_ok = true;
    yaml_parser_set_input_string(&parser, len ? data : (const unsigned char *)"", len);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = parser_error(&b, &parser, e);
            goto out;
        }
        rc = on_event(&b, &ev, e);
        bool end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (rc)
            goto out;
        if (end)
            break;
    }
out:
    if (parser_ok)
        yaml_parser_delete(&parser);
    sm_free(b.kids);
    if (rc) {
        sm_yaml_free(doc);
        return rc;
    }
    *out = doc;
    return SM_OK;
}

sm_err_t sm_yaml_load_file(const char *path, sm_yaml_doc_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_err_t rc = SM_OK;
    char *data = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return sm_error_set(e, SM_ERR_NOT_FOUND, "%s: no such file", path);
        return sm_error_errno(e, errno, "%s", path);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = sm_error_errno(e, errno, "%s", path);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = sm_error_set(e, SM_ERR_IO, "%s: not a regular file", path);
        goto out;
    }
    /* Read up to one byte past the limit, so growth after fstat is seen. */
    size_t cap =
        st.st_size > (off_t)SM_YAML_MAX_INPUT ? SM_YAML_MAX_INPUT + 1 : (size_t)st.st_size + 1;
    data = sm_malloc(cap);
    if (!data) {
        rc = sm_error_nomem(e, "reading yaml file");
        goto out;
    }
    size_t len = 0;
    while (len < cap) {
        ssize_t r = read(fd, data + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = sm_error_errno(e, errno, "%s", path);
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    if (len > SM_YAML_MAX_INPUT) {
        rc = sm_error_set(e, SM_ERR_LIMIT, "%s: larger than %u bytes", path, SM_YAML_MAX_INPUT);
        goto out;
    }
    rc = sm_yaml_parse(path, data, len, out, e);
out:
    sm_free(data);
    close(fd);
    return rc;
}

void sm_yaml_free(sm_yaml_doc_t *doc)
{
    if (!doc)
        return;
    sm_arena_free(&doc->arena);
    sm_free(doc);
}

/* ---- looking around ---------------------------------------------------- */

const char *sm_yaml_kind_name(const sm_yaml_node_t *node)
{
    if (!node)
        return "nothing";
    switch (node->kind) {
    case SM_YAML_SCALAR:
        return "scalar";
    case SM_YAML_SEQUENCE:
        return "sequence";
    default:
        return "mapping";
    }
}

bool sm_yaml_is_null(const sm_yaml_node_t *node)
{
    if (!node || node->kind != SM_YAML_SCALAR || node->u.scalar.quoted)
        return false;
    const char *t = node->u.scalar.text;
    return !*t || !strcmp(t, "~") || !strcmp(t, "null") || !strcmp(t, "Null") || !strcmp(t, "NULL");
}

const sm_yaml_pair_t *sm_yaml_map_pair(const sm_yaml_node_t *node, const char *key)
{
    if (!node || node->kind != SM_YAML_MAPPING || !key)
        return NULL;
    for (size_t i = 0; i < node->u.map.count; i++)
        if (strcmp(node->u.map.pairs[i].key->u.scalar.text, key) == 0)
            return &node->u.map.pairs[i];
    return NULL;
}

const sm_yaml_node_t *sm_yaml_map_get(const sm_yaml_node_t *node, const char *key)
{
    const sm_yaml_pair_t *p = sm_yaml_map_pair(node, key);
    return p ? p->value : NULL;
}

size_t sm_yaml_count(const sm_yaml_node_t *node)
{
    if (!node)
        return 0;
    if (node->kind == SM_YAML_SEQUENCE)
        return node->u.seq.count;
    if (node->kind == SM_YAML_MAPPING)
        return node->u.map.count;
    return 0;
}

const sm_yaml_node_t *sm_yaml_seq_at(const sm_yaml_node_t *node, size_t i)
{
    if (!node || node->kind != SM_YAML_SEQUENCE || i >= node->u.seq.count)
        return NULL;
    return node->u.seq.items[i];
}

const sm_yaml_pair_t *sm_yaml_map_at(const sm_yaml_node_t *node, size_t i)
{
    if (!node || node->kind != SM_YAML_MAPPING || i >= node->u.map.count)
        return NULL;
    return &node->u.map.pairs[i];
}

static const char *kind_article(const sm_yaml_node_t *node)
{
    if (!node)
        return "nothing";
    return node->kind == SM_YAML_SEQUENCE  ? "a sequence"
           : node->kind == SM_YAML_MAPPING ? "a mapping"
                                           : "a value";
}

sm_err_t sm_yaml_check_keys(const sm_yaml_node_t *map, const char *const *allowed, const char *what,
                            sm_error_t *e)
{
    if (!map || map->kind != SM_YAML_MAPPING)
        return sm_yaml_error(e, map, SM_ERR_INVALID, "expected a mapping%s%s, got %s",
                             what ? " for " : "", what ? what : "", kind_article(map));
    for (size_t i = 0; i < map->u.map.count; i++) {
        const sm_yaml_node_t *k = map->u.map.pairs[i].key;
        bool ok = false;
        for (size_t j = 0; allowed[j] && !ok; j++)
            ok = strcmp(allowed[j], k->u.scalar.text) == 0;
        if (ok)
            continue;
        char q[QUOTE_MAX];
        size_t n = 0;
        while (allowed[n])
            n++;
        const char *best = sm_str_did_you_mean(sm_str_c(k->u.scalar.text), allowed, n);
        return sm_yaml_error(e, k, SM_ERR_INVALID, "unknown key \"%s\"%s%s%s%s%s",
                             quote(q, sizeof q, k->u.scalar.text), what ? " in " : "",
                             what ? what : "", best ? " (did you mean \"" : "", best ? best : "",
                             best ? "\"?)" : "");
    }
    return SM_OK;
}

/* ---- value grammars on text -------------------------------------------- */

static sm_err_t expected(sm_error_t *e, const char *what, const char *text)
{
    char q[QUOTE_MAX];
    return sm_error_set(e, SM_ERR_INVALID, "expected %s, got \"%s\"", what,
                        quote(q, sizeof q, text));
}

/* Reads decimal digits with '_' allowed between digits into *v (unsigned,
 * saturating to detect overflow).  Returns the number of bytes consumed
 * (0 when there is no digit); *ovf set on overflow. */
static size_t read_digits(const char *s, uint64_t *v, bool *ovf)
{
    size_t i = 0;
    uint64_t acc = 0;
    while ((s[i] >= '0' && s[i] <= '9') ||
           (s[i] == '_' && i > 0 && s[i + 1] >= '0' && s[i + 1] <= '9')) {
        if (s[i] != '_') {
            unsigned d = (unsigned)(s[i] - '0');
            if (acc > (UINT64_MAX - d) / 10)
                *ovf = true;
            else
                acc = acc * 10 + d;
        }
        i++;
    }
    *v = acc;
    return i;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

sm_err_t sm_yaml_scan_int(const char *text, int64_t min, int64_t max, int64_t *out, sm_error_t *e)
{
    const char *s = text;
    bool neg = false, ovf = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    uint64_t mag = 0;
    size_t used = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        while (hexval(s[used]) >= 0) {
            if (mag >> 60)
                ovf = true;
            else
                mag = mag << 4 | (uint64_t)hexval(s[used]);
            used++;
        }
    } else {
        used = read_digits(s, &mag, &ovf);
    }
    if (used == 0 || s[used] != '\0')
        return expected(e, "an integer", text);
    int64_t v = 0;
    if (!ovf && !neg && mag <= (uint64_t)INT64_MAX)
        v = (int64_t)mag;
    else if (!ovf && neg && mag <= (uint64_t)INT64_MAX + 1)
        v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    else
        ovf = true;
    if (ovf || v < min || v > max) {
        char q[QUOTE_MAX];
        return sm_error_set(e, SM_ERR_INVALID, "expected an integer from %lld to %lld, got \"%s\"",
                            (long long)min, (long long)max, quote(q, sizeof q, text));
    }
    *out = v;
    return SM_OK;
}

static bool eq_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        if (x != *b)
            return false;
    }
    return *a == *b;
}

sm_err_t sm_yaml_scan_bool(const char *text, bool *out, sm_error_t *e)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    for (size_t i = 0; i < 3; i++) {
        if (eq_nocase(text, yes[i])) {
            *out = true;
            return SM_OK;
        }
        if (eq_nocase(text, no[i])) {
            *out = false;
            return SM_OK;
        }
    }
    return expected(e, "true or false (also yes/no, on/off)", text);
}

sm_err_t sm_yaml_scan_double(const char *text, double *out, sm_error_t *e)
{
    bool digit = false;
    for (const char *p = text; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digit = true;
        else if (!strchr("+-.eE", *p))
            return expected(e, "a number", text);
    }
    if (!digit)
        return expected(e, "a number", text);
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0')
        return expected(e, "a number", text);
    if (!isfinite(v))
        return expected(e, "a finite number", text);
    *out = v;
    return SM_OK;
}

/* number [. fraction] unit, for durations and sizes: reads the integer and
 * up to `maxfrac` fraction digits (more are ignored, rounding down).
 * Returns bytes consumed, 0 when no number is there. */
static size_t read_decimal(const char *s, uint64_t *whole, uint64_t *frac, uint64_t *scale,
                           int maxfrac, bool *ovf)
{
    size_t i = read_digits(s, whole, ovf);
    *frac = 0;
    *scale = 1;
    if (i == 0)
        return 0;
    if (s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
        i++;
        for (int k = 0; s[i] >= '0' && s[i] <= '9'; i++, k++) {
            if (k < maxfrac) {
                *frac = *frac * 10 + (uint64_t)(s[i] - '0');
                *scale *= 10;
            }
        }
    }
    return i;
}

/* whole * unit + frac * unit / scale into *acc (added), false on overflow. */
static bool add_scaled(int64_t *acc, uint64_t whole, uint64_t frac, uint64_t scale, uint64_t unit)
{
    uint64_t a;
    if (__builtin_mul_overflow(whole, unit, &a))
        return false;
    if (__builtin_add_overflow(a, frac * unit / scale, &a)) /* frac*unit fits: small by design */
        return false;
    int64_t r;
    if (a > (uint64_t)INT64_MAX || __builtin_add_overflow(*acc, (int64_t)a, &r))
        return false;
    *acc = r;
    return true;
}

#define DURATION_HINT "a duration like \"30s\", \"5m\", \"1h\" or \"250ms\""

sm_err_t sm_yaml_scan_duration(const char *text, int64_t *ms, sm_error_t *e)
{
    static const struct {
        const char *name;
        uint64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    if (strcmp(text, "0") == 0) {
        *ms = 0;
        return SM_OK;
    }
    const char *s = text;
    int64_t total = 0;
    if (!*s)
        return expected(e, DURATION_HINT, text);
    while (*s) {
        uint64_t whole, frac, scale;
        bool ovf = false;
        size_t n = read_decimal(s, &whole, &frac, &scale, 9, &ovf);
        if (n == 0)
            return expected(e, DURATION_HINT, text);
        s += n;
        size_t ul = 0;
        while (s[ul] >= 'a' && s[ul] <= 'z')
            ul++;
        uint64_t unit = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strlen(units[i].name) == ul && strncmp(units[i].name, s, ul) == 0)
                unit = units[i].ms;
        if (!unit)
            return expected(e, DURATION_HINT, text);
        s += ul;
        if (ovf || !add_scaled(&total, whole, frac, scale, unit)) {
            char q[QUOTE_MAX];
            return sm_error_set(e, SM_ERR_INVALID, "duration \"%s\" is too long",
                                quote(q, sizeof q, text));
        }
    }
    *ms = total;
    return SM_OK;
}

#define SIZE_HINT "a size like \"512\", \"64KB\", \"64MB\" or \"1GiB\""

sm_err_t sm_yaml_scan_size(const char *text, int64_t *bytes, sm_error_t *e)
{
    static const struct {
        const char *name;
        uint64_t mult;
    } units[] = {
        {"", 1},
        {"b", 1},
        {"kb", 1000},
        {"mb", 1000000},
        {"gb", 1000000000},
        {"tb", 1000000000000},
        {"kib", 1ull << 10},
        {"mib", 1ull << 20},
        {"gib", 1ull << 30},
        {"tib", 1ull << 40},
    };
    uint64_t whole, frac, scale;
    bool ovf = false;
    size_t n = read_decimal(text, &whole, &frac, &scale, 6, &ovf);
    if (n == 0)
        return expected(e, SIZE_HINT, text);
    const char *u = text + n;
    while (*u == ' ')
        u++;
    uint64_t mult = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0] && !mult; i++)
        if (eq_nocase(u, units[i].name))
            mult = units[i].mult;
    if (!mult || (u != text + n && !*u))
        return expected(e, SIZE_HINT, text);
    int64_t total = 0;
    if (ovf || !add_scaled(&total, whole, frac, scale, mult)) {
        char q[QUOTE_MAX];
        return sm_error_set(e, SM_ERR_INVALID, "size \"%s\" is too large",
                            quote(q, sizeof q, text));
    }
    *bytes = total;
    return SM_OK;
}

/* ---- typed accessors on nodes ------------------------------------------ */

/* The text of a scalar node, or an error naming what was expected. */
static const char *scalar_text(const sm_yaml_node_t *node, const char *what, sm_error_t *e)
{
    if (!node) {
        sm_error_set(e, SM_ERR_INVALID, "expected %s, got nothing", what);
        return NULL;
    }
    if (node->kind != SM_YAML_SCALAR) {
        sm_yaml_error(e, node, SM_ERR_INVALID, "expected %s, got %s", what, kind_article(node));
        return NULL;
    }
    return node->u.scalar.text;
}

static sm_err_t with_position(const sm_yaml_node_t *node, sm_err_t rc, sm_error_t *e)
{
    if (rc)
        sm_error_wrap(e, "%s:%u:%u", node->file, node->line, node->column);
    return rc;
}

sm_err_t sm_yaml_get_str(const sm_yaml_node_t *node, const char **out, sm_error_t *e)
{
    const char *t = scalar_text(node, "a string", e);
    if (!t)
        return SM_ERR_INVALID;
    *out = t;
    return SM_OK;
}

sm_err_t sm_yaml_get_int(const sm_yaml_node_t *node, int64_t min, int64_t max, int64_t *out,
                         sm_error_t *e)
{
    const char *t = scalar_text(node, "an integer", e);
    if (!t)
        return SM_ERR_INVALID;
    return with_position(node, sm_yaml_scan_int(t, min, max, out, e), e);
}

sm_err_t sm_yaml_get_bool(const sm_yaml_node_t *node, bool *out, sm_error_t *e)
{
    const char *t = scalar_text(node, "true or false", e);
    if (!t)
        return SM_ERR_INVALID;
    return with_position(node, sm_yaml_scan_bool(t, out, e), e);
}

sm_err_t sm_yaml_get_double(const sm_yaml_node_t *node, double *out, sm_error_t *e)
{
    const char *t = scalar_text(node, "a number", e);
    if (!t)
        return SM_ERR_INVALID;
    return with_position(node, sm_yaml_scan_double(t, out, e), e);
}

sm_err_t sm_yaml_get_duration(const sm_yaml_node_t *node, int64_t *ms, sm_error_t *e)
{
    const char *t = scalar_text(node, "a duration", e);
    if (!t)
        return SM_ERR_INVALID;
    return with_position(node, sm_yaml_scan_duration(t, ms, e), e);
}

sm_err_t sm_yaml_get_size(const sm_yaml_node_t *node, int64_t *bytes, sm_error_t *e)
{
    const char *t = scalar_text(node, "a size", e);
    if (!t)
        return SM_ERR_INVALID;
    return with_position(node, sm_yaml_scan_size(t, bytes, e), e);
}
