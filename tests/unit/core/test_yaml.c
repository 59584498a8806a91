#include "core/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/buf.h"
#include "core/mem.h"

/* Parses a NUL-terminated text as "smelt.yaml". */
static sm_err_t parse(const char *text, sm_yaml_doc_t **doc, sm_error_t *e)
{
    sm_error_clear(e);
    return sm_yaml_parse("smelt.yaml", text, strlen(text), doc, e);
}

/* Expects a parse failure with code and exact message. */
static void check_fails(const char *text, sm_err_t code, const char *msg)
{
    sm_yaml_doc_t *doc = (sm_yaml_doc_t *)1;
    sm_error_t e;
    CHECK_EQ_INT(parse(text, &doc, &e), code);
    CHECK(doc == NULL);
    CHECK_EQ_STR(e.msg, msg);
}

static void test_scalars_and_positions(void)
{
    sm_error_t e;
    sm_yaml_doc_t *doc;
    const char *text = "lake: /data/lake\n"
                       "log:\n"
                       "  level: info\n"
                       "  format: \"json\"\n"
                       "name: 'it''s'\n"
                       "empty:\n"
                       "tilde: ~\n"
                       "block: |\n"
                       "  line one\n"
                       "  line two\n";
    CHECK_OK(parse(text, &doc, &e), &e);
    const sm_yaml_node_t *root = doc->root;
    CHECK(root && root->kind == SM_YAML_MAPPING);
    CHECK_EQ_INT(sm_yaml_count(root), 6);
    CHECK_EQ_INT(root->line, 1);
    CHECK_EQ_INT(root->column, 1);
    CHECK_EQ_STR(root->file, "smelt.yaml");

    const sm_yaml_pair_t *p = sm_yaml_map_pair(root, "lake");
    CHECK(p != NULL);
    CHECK_EQ_INT(p->key->line, 1);
    CHECK_EQ_INT(p->key->column, 1);
    CHECK_EQ_INT(p->value->line, 1);
    CHECK_EQ_INT(p->value->column, 7);
    CHECK_EQ_STR(p->value->u.scalar.text, "/data/lake");
    CHECK(!p->value->u.scalar.quoted);

    const sm_yaml_node_t *log = sm_yaml_map_get(root, "log");
    CHECK(log && log->kind == SM_YAML_MAPPING);
    const sm_yaml_node_t *level = sm_yaml_map_get(log, "level");
    CHECK_EQ_INT(level->line, 3);
    CHECK_EQ_INT(level->column, 10);
    const sm_yaml_node_t *format = sm_yaml_map_get(log, "format");
    CHECK_EQ_STR(format->u.scalar.text, "json");
    CHECK(format->u.scalar.quoted);
    CHECK_EQ_INT(format->line, 4);
    CHECK_EQ_INT(format->column, 11);

    CHECK_EQ_STR(sm_yaml_map_get(root, "name")->u.scalar.text, "it's");
    CHECK(sm_yaml_is_null(sm_yaml_map_get(root, "empty")));
    CHECK(sm_yaml_is_null(sm_yaml_map_get(root, "tilde")));
    CHECK(!sm_yaml_is_null(sm_yaml_map_get(root, "name")));
    const sm_yaml_node_t *block = sm_yaml_map_get(root, "block");
    CHECK_EQ_STR(block->u.scalar.text, "line one\nline two\n");
    CHECK(block->u.scalar.quoted);

    /* Order is the document's. */
    CHECK_EQ_STR(sm_yaml_map_at(root, 0)->key->u.scalar.text, "lake");
    CHECK_EQ_STR(sm_yaml_map_at(root, 5)->key->u.scalar.text, "block");
    CHECK(sm_yaml_map_at(root, 6) == NULL);
    CHECK(sm_yaml_map_get(root, "nope") == NULL);
    CHECK(sm_yaml_map_get(level, "x") == NULL); /* not a mapping */
    sm_yaml_free(doc);
}

static void test_quoted_null_is_text(void)
{
    sm_error_t e;
    sm_yaml_doc_t *doc;
    CHECK_OK(parse("a: \"null\"\nb: ''\nc: !!str 12\nd: null\n", &doc, &e), &e);
    CHECK(!sm_yaml_is_null(sm_yaml_map_get(doc->root, "a")));
    CHECK(!sm_yaml_is_null(sm_yaml_map_get(doc->root, "b")));
    CHECK(sm_yaml_map_get(doc->root, "c")->u.scalar.quoted);
    CHECK(sm_yaml_is_null(sm_yaml_map_get(doc->root, "d")));
    CHECK(!sm_yaml_is_null(NULL));
    sm_yaml_free(doc);
}

static void test_sequences(void)
{
    sm_error_t e;
    sm_yaml_doc_t *doc;
    CHECK_OK(parse("items:\n  - one\n  - [two, three]\n  - {k: v}\n  -\nflow: []\n", &doc, &e), &e);
    const sm_yaml_node_t *items = sm_yaml_map_get(doc->root, "items");
    CHECK(items->kind == SM_YAML_SEQUENCE);
    CHECK_EQ_INT(sm_yaml_count(items), 4);
    CHECK_EQ_STR(sm_yaml_seq_at(items, 0)->u.scalar.text, "one");
    CHECK_EQ_INT(sm_yaml_seq_at(items, 0)->line, 2);
    CHECK_EQ_INT(sm_yaml_seq_at(items, 0)->column, 5);
    const sm_yaml_node_t *two = sm_yaml_seq_at(items, 1);
    CHECK(two->kind == SM_YAML_SEQUENCE);
    CHECK_EQ_INT(sm_yaml_count(two), 2);
    CHECK_EQ_STR(sm_yaml_seq_at(two, 1)->u.scalar.text, "three");
    CHECK_EQ_INT(sm_yaml_seq_at(two, 1)->column, 11);
    CHECK_EQ_STR(sm_yaml_map_get(sm_yaml_seq_at(items, 2), "k")->u.scalar.text, "v");
    CHECK(sm_yaml_is_null(sm_yaml_seq_at(items, 3)));
    CHECK(sm_yaml_seq_at(items, 4) == NULL);
    CHECK(sm_yaml_seq_at(doc->root, 0) == NULL); /* not a sequence */
    const sm_yaml_node_t *flow = sm_yaml_map_get(doc->root, "flow");
    CHECK_EQ_INT(sm_yaml_count(flow), 0);
    CHECK(sm_yaml_seq_at(flow, 0) == NULL);
    CHECK_EQ_INT(sm_yaml_count(NULL), 0);
    CHECK_EQ_STR(sm_yaml_kind_name(flow), "sequence");
    CHECK_EQ_STR(sm_yaml_kind_name(NULL), "nothing");
    sm_yaml_free(doc);
}

static void test_empty_inputs(void)
{
    sm_error_t e;
    sm_yaml_doc_t *doc;
    CHECK_OK(parse("", &doc, &e), &e);
    CHECK(doc->root == NULL);
    sm_yaml_free(doc);
    CHECK_OK(parse("# only a comment\n\n", &doc, &e), &e);
    CHECK(doc->root == NULL);
    sm_yaml_free(doc);
    CHECK_OK(parse("---\n", &doc, &e), &e);
    CHECK(sm_yaml_is_null(doc->root));
    sm_yaml_free(doc);
    CHECK_OK(sm_yaml_parse(NULL, NULL, 0, &doc, &e), &e);
    CHECK_EQ_STR(doc->file, "<input>");
    sm_yaml_free(doc);
    sm_yaml_free(NULL);
}

static void test_unicode(void)
{
    sm_error_t e;
    sm_yaml_doc_t *doc;
    CHECK_OK(
        parse("pays: Côte d'Ivoire\n\xc3\xa9t\xc3\xa9: \"\\u00e9\xe6\x97\xa5\"\nx: 1\n", &doc, &e),
        &e);
    CHECK_EQ_STR(sm_yaml_map_get(doc->root, "pays")->u.scalar.text, "Côte d'Ivoire");
    const sm_yaml_node_t *v = sm_yaml_map_get(doc->root, "été");
    CHECK(v != NULL);
    CHECK_EQ_STR(v->u.scalar.text, "é日");
    CHECK_EQ_INT(v->column, 6); /* columns count characters, not bytes */
    sm_yaml_free(doc);
    /* Invalid UTF-8 is refused with its position. */
    check_fails("a: b\nc: \xff\n", SM_ERR_PARSE,
                "smelt.yaml:2:4: invalid leading UTF-8 octet (byte 0xff at offset 8)");
}

static void test_duplicate_keys(void)
{
    check_fails("a: 1\nb: 2\na: 3\n", SM_ERR_PARSE,
                "smelt.yaml:3:1: duplicate key \"a\" (first defined at 1:1)");
    check_fails("x:\n  k: 1\n  j: 2\n  k: 3\n", SM_ERR_PARSE,
                "smelt.yaml:4:3: duplicate key \"k\" (first defined at 2:3)");
    check_fails("{a: 1, \"a\": 2}", SM_ERR_PARSE,
                "smelt.yaml:1:8: duplicate key \"a\" (first defined at 1:2)");
    /* Many keys (the sorted path), the earliest second occurrence wins. */
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    for (int i = 0; i < 200; i++)
        CHECK_OK(sm_buf_printf(&b, &e, "k%d: %d\n", i, i), &e);
    CHECK_OK(sm_buf_printf(&b, &e, "k150: x\nk20: y\n"), &e);
    sm_yaml_doc_t *doc;
    CHECK_EQ_INT(sm_yaml_parse("big.yaml", b.data, b.len, &doc, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "big.yaml:201:1: duplicate key \"k150\" (first defined at 151:1)");
    sm_buf_free(&b);
}

static void test_syntax_errors(void)
{
    check_fails("a:\n  b: 1\n c: 2\n", SM_ERR_PARSE,
                "smelt.yaml:3:2: did not find expected key (while parsing a block mapping at "
                "1:1)");
    check_fails("a: [1, 2\n", SM_ERR_PARSE,
                "smelt.yaml:2:1: did not find expected ',' or ']' (while parsing a flow "
                "sequence at 1:4)");
    check_fails("a:\n\tb: 1\n", SM_ERR_PARSE,
                "smelt.yaml:2:1: found character that cannot start any token (while scanning "
                "for the next token at 2:1); tabs cannot be used for indentation, use spaces");
    check_fails("a: 1\n---\nb: 2\n", SM_ERR_UNSUPPORTED,
                "smelt.yaml:2:1: more than one YAML document in the file");
    check_fails("a: \"x\\0y\"\n", SM_ERR_UNSUPPORTED,
                "smelt.yaml:1:4: a NUL character is not allowed in a value");
    check_fails("? [a, b]\n: c\n", SM_ERR_UNSUPPORTED,
                "smelt.yaml:1:3: a mapping key must be a plain value, not a sequence");
    check_fails("a: \"unterminated\n", SM_ERR_PARSE,
                "smelt.yaml:2:1: found unexpected end of stream (while scanning a quoted scalar "
                "at 1:4)");
    /* Embedded NUL byte in the input itself. */
    sm_yaml_doc_t *doc;
    sm_error_t e;
    CHECK_EQ_INT(sm_yaml_parse("n.yaml", "a: b\0c\n", 7, &doc, &e), SM_ERR_PARSE);
    CHECK(strncmp(e.msg, "n.yaml:1:5: control characters are not allowed", 46) == 0);
}

static void test_tags(void)
{
    check_fails("a: !foo 1\n", SM_ERR_UNSUPPORTED,
                "smelt.yaml:1:4: unsupported tag \"!foo\" (only !!str is allowed)");
    check_fails("a: !!int 1\n", SM_ERR_UNSUPPORTED,
                "smelt.yaml:1:4: unsupported tag \"tag:yaml.org,2002:int\" (only !!str is "
                "allowed)");
    check_fails("a: !!python/object {}\n", SM_ERR_UNSUPPORTED,
                "smelt.yaml:1:4: unsupported tag \"tag:yaml.org,2002:python/object\" (only "
                "!!str is allowed)");
    sm_error_t e;
    sm_yaml_doc_t *doc;
    CHECK_OK(parse("a: !!map {b: !!seq [1]}\n", &doc, &e), &e);
    sm_yaml_free(doc);
}

static void test_aliases(void)
{
    sm_error_t e;
    sm_yaml_doc_t *doc;
    CHECK_OK(
        parse("base: &b\n  x: 1\n  y: [1, 2]\ncopy: *b\nname: &n hello\nagain: *n\n", &doc, &e),
        &e);
    const sm_yaml_node_t *base = sm_yaml_map_get(doc->root, "base");
    const sm_yaml_node_t *copy = sm_yaml_map_get(doc->root, "copy");
    CHECK(base == copy);         /* shared, with the anchor's position */
    CHECK_EQ_INT(copy->line, 1); /* where the anchor is written */
    CHECK_EQ_INT(copy->column, 7);
    CHECK_EQ_INT(base->weight, 7);
    CHECK_EQ_STR(sm_yaml_map_get(doc->root, "again")->u.scalar.text, "hello");
    CHECK_EQ_INT(doc->root->weight, 1 + 4 + 7 + 7 + 1 + 1);
    sm_yaml_free(doc);

    check_fails("a: *nope\n", SM_ERR_PARSE, "smelt.yaml:1:4: undefined alias \"*nope\"");
    /* A cycle: the anchor is not complete when the alias is met. */
    check_fails("a: &x [1, *x]\n", SM_ERR_PARSE, "smelt.yaml:1:11: undefined alias \"*x\"");
    check_fails("<<: {a: 1}\n", SM_ERR_UNSUPPORTED,
                "smelt.yaml:1:1: merge keys (\"<<\") are not supported; repeat the keys "
                "instead");
    /* Redefining an anchor: later aliases see the newest. */
    CHECK_OK(parse("a: &x 1\nb: &x 2\nc: *x\n", &doc, &e), &e);
    CHECK_EQ_STR(sm_yaml_map_get(doc->root, "c")->u.scalar.text, "2");
    sm_yaml_free(doc);
}

static void test_alias_bomb(void)
{
    const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                       "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                       "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    sm_error_t e;
    sm_yaml_doc_t *doc;
    CHECK_EQ_INT(parse(bomb, &doc, &e), SM_ERR_LIMIT);
    CHECK(doc == NULL);
    CHECK(strstr(e.msg, "smelt.yaml:5:") == e.msg);
    CHECK(strstr(e.msg, "more than 100000 nodes") != NULL);
    /* Just under the cap is fine: 4 levels = 11+111+1111+11111 + ... */
    CHECK_OK(parse("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
                   &doc, &e),
             &e);
    CHECK_EQ_INT(sm_yaml_map_get(doc->root, "d")->weight, 11111);
    sm_yaml_free(doc);
}

static void test_limits(void)
{
    sm_error_t e;
    sm_yaml_doc_t *doc;
    /* 64 levels are fine, 65 are refused. */
    char deep[300];
    memset(deep, '[', 64);
    memset(deep + 64, ']', 64);
    deep[128] = '\0';
    CHECK_OK(parse(deep, &doc, &e), &e);
    sm_yaml_free(doc);
    memset(deep, '[', 65);
    memset(deep + 65, ']', 65);
    deep[130] = '\0';
    CHECK_EQ_INT(parse(deep, &doc, &e), SM_ERR_LIMIT);
    CHECK_EQ_STR(e.msg, "smelt.yaml:1:65: nested more than 64 levels deep");

    /* A huge nesting attempt stops early without blowing up. */
    size_t n = 1000000;
    char *huge = sm_malloc(n);
    memset(huge, '[', n);
    CHECK_EQ_INT(sm_yaml_parse("h.yaml", huge, n, &doc, &e), SM_ERR_LIMIT);
    sm_free(huge);

    /* Input size. */
    CHECK_EQ_INT(sm_yaml_parse("big.yaml", "", SM_YAML_MAX_INPUT + 1, &doc, &e), SM_ERR_LIMIT);
    CHECK_EQ_STR(e.msg, "big.yaml: larger than 16777216 bytes");

    /* Too many anchors. */
    sm_buf_t b = SM_BUF_INIT;
    for (int i = 0; i <= SM_YAML_MAX_ANCHORS; i++)
        CHECK_OK(sm_buf_printf(&b, &e, "- &a%d x\n", i), &e);
    CHECK_EQ_INT(sm_yaml_parse("a.yaml", b.data, b.len, &doc, &e), SM_ERR_LIMIT);
    CHECK_EQ_STR(e.msg, "a.yaml:1001:3: too many anchors (more than 1000)");
    sm_buf_free(&b);

    /* Too many plain nodes. */
    for (int i = 0; i <= SM_YAML_MAX_NODES; i++)
        CHECK_OK(sm_buf_append_str(&b, "- x\n", &e), &e);
    CHECK_EQ_INT(sm_yaml_parse("n.yaml", b.data, b.len, &doc, &e), SM_ERR_LIMIT);
    sm_buf_free(&b);
}

static void test_accessors(void)
{
    sm_error_t e;
    sm_yaml_doc_t *doc;
    CHECK_OK(parse("i: 42\nneg: -7\nhex: 0xff\nbig: 1_000_000\nbad: abc\nb: Yes\nf: OFF\n"
                   "d: 1.5e3\ndur: 1h30m\nsz: 64MB\nq: \"12\"\nm: {x: 1}\nnan: .nan\n",
                   &doc, &e),
             &e);
    const sm_yaml_node_t *r = doc->root;
    int64_t v = 0;
    CHECK_OK(sm_yaml_get_int(sm_yaml_map_get(r, "i"), 0, 100, &v, &e), &e);
    CHECK_EQ_INT(v, 42);
    CHECK_OK(sm_yaml_get_int(sm_yaml_map_get(r, "neg"), INT64_MIN, INT64_MAX, &v, &e), &e);
    CHECK_EQ_INT(v, -7);
    CHECK_OK(sm_yaml_get_int(sm_yaml_map_get(r, "hex"), 0, 1000, &v, &e), &e);
    CHECK_EQ_INT(v, 255);
    CHECK_OK(sm_yaml_get_int(sm_yaml_map_get(r, "big"), 0, INT64_MAX, &v, &e), &e);
    CHECK_EQ_INT(v, 1000000);
    CHECK_OK(sm_yaml_get_int(sm_yaml_map_get(r, "q"), 0, 100, &v, &e), &e); /* quoted ok */
    CHECK_EQ_INT(v, 12);
    v = 5;
    CHECK_EQ_INT(sm_yaml_get_int(sm_yaml_map_get(r, "i"), 0, 10, &v, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "smelt.yaml:1:4: expected an integer from 0 to 10, got \"42\"");
    CHECK_EQ_INT(v, 5); /* untouched */
    CHECK_EQ_INT(sm_yaml_get_int(sm_yaml_map_get(r, "bad"), 0, 10, &v, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "smelt.yaml:5:6: expected an integer, got \"abc\"");
    CHECK_EQ_INT(sm_yaml_get_int(sm_yaml_map_get(r, "m"), 0, 10, &v, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "smelt.yaml:12:4: expected an integer, got a mapping");
    CHECK_EQ_INT(sm_yaml_get_int(NULL, 0, 10, &v, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "expected an integer, got nothing");

    bool b = false;
    CHECK_OK(sm_yaml_get_bool(sm_yaml_map_get(r, "b"), &b, &e), &e);
    CHECK(b);
    CHECK_OK(sm_yaml_get_bool(sm_yaml_map_get(r, "f"), &b, &e), &e);
    CHECK(!b);
    CHECK_EQ_INT(sm_yaml_get_bool(sm_yaml_map_get(r, "i"), &b, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "smelt.yaml:1:4: expected true or false (also yes/no, on/off), got \"42\"");

    double d = 0;
    CHECK_OK(sm_yaml_get_double(sm_yaml_map_get(r, "d"), &d, &e), &e);
    CHECK(d == 1500.0);
    CHECK_EQ_INT(sm_yaml_get_double(sm_yaml_map_get(r, "bad"), &d, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "smelt.yaml:5:6: expected a number, got \"abc\"");
    CHECK_EQ_INT(sm_yaml_get_double(sm_yaml_map_get(r, "nan"), &d, &e), SM_ERR_INVALID);

    CHECK_OK(sm_yaml_get_duration(sm_yaml_map_get(r, "dur"), &v, &e), &e);
    CHECK_EQ_INT(v, 5400000);
    CHECK_EQ_INT(sm_yaml_get_duration(sm_yaml_map_get(r, "i"), &v, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "smelt.yaml:1:4: expected a duration like \"30s\", \"5m\", \"1h\" or "
                        "\"250ms\", got \"42\"");
    CHECK_OK(sm_yaml_get_size(sm_yaml_map_get(r, "sz"), &v, &e), &e);
    CHECK_EQ_INT(v, 64000000);
    CHECK_EQ_INT(sm_yaml_get_size(sm_yaml_map_get(r, "bad"), &v, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "smelt.yaml:5:6: expected a size like \"512\", \"64KB\", \"64MB\" or "
                        "\"1GiB\", got \"abc\"");

    const char *s = NULL;
    CHECK_OK(sm_yaml_get_str(sm_yaml_map_get(r, "bad"), &s, &e), &e);
    CHECK_EQ_STR(s, "abc");
    CHECK_EQ_INT(sm_yaml_get_str(r, &s, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "smelt.yaml:1:1: expected a string, got a mapping");

    /* A NULL error object is allowed everywhere. */
    CHECK_EQ_INT(sm_yaml_get_int(sm_yaml_map_get(r, "bad"), 0, 10, &v, NULL), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_yaml_get_str(r, &s, NULL), SM_ERR_INVALID);
    sm_yaml_free(doc);
}

static void test_check_keys(void)
{
    sm_error_t e;
    sm_yaml_doc_t *doc;
    CHECK_OK(parse("name: x\ntabel: y\n", &doc, &e), &e);
    static const char *const allowed[] = {"name", "table", "mode", NULL};
    CHECK_EQ_INT(sm_yaml_check_keys(doc->root, allowed, "sources.pg", &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg,
                 "smelt.yaml:2:1: unknown key \"tabel\" in sources.pg (did you mean \"table\"?)");
    static const char *const other[] = {"name", "zzzzzzz", NULL};
    CHECK_EQ_INT(sm_yaml_check_keys(doc->root, other, NULL, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "smelt.yaml:2:1: unknown key \"tabel\"");
    static const char *const all[] = {"name", "tabel", NULL};
    CHECK_OK(sm_yaml_check_keys(doc->root, all, NULL, &e), &e);
    CHECK_EQ_INT(sm_yaml_check_keys(sm_yaml_map_get(doc->root, "name"), all, "x", &e),
                 SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "smelt.yaml:1:7: expected a mapping for x, got a value");
    sm_yaml_free(doc);

    CHECK_EQ_INT(sm_yaml_error(&e, NULL, SM_ERR_INVALID, "plain %d", 1), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "plain 1");
}

static void test_scan_duration(void)
{
    sm_error_t e;
    int64_t v = -1;
    static const struct {
        const char *text;
        int64_t ms;
    } ok[] = {{"0", 0},        {"250ms", 250},    {"30s", 30000},     {"5m", 300000},
              {"1h", 3600000}, {"2d", 172800000}, {"1h30m", 5400000}, {"1.5s", 1500},
              {"0.0001s", 0},  {"1m0.5s", 60500}, {"0s", 0},          {"1_000ms", 1000}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        CHECK_OK(sm_yaml_scan_duration(ok[i].text, &v, &e), &e);
        CHECK_EQ_INT(v, ok[i].ms);
    }
    static const char *const bad[] = {"",    "30",  "s",   "-5s", "5 s", "5S",   "5sec",
                                      "1.s", "1h-", "5m ", " 5m", "5y",  "0x10s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = -1;
        CHECK_EQ_INT(sm_yaml_scan_duration(bad[i], &v, &e), SM_ERR_INVALID);
        CHECK_EQ_INT(v, -1);
    }
    CHECK_EQ_INT(sm_yaml_scan_duration("99999999999999999999s", &v, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "duration \"99999999999999999999s\" is too long");
    CHECK_EQ_INT(sm_yaml_scan_duration("9223372036854776d", &v, &e), SM_ERR_INVALID);
    CHECK_OK(sm_yaml_scan_duration("9223372036854775807ms", &v, &e), &e);
    CHECK_EQ_INT(v, INT64_MAX);
    CHECK_EQ_INT(sm_yaml_scan_duration("9223372036854775807ms1ms", &v, &e), SM_ERR_INVALID);
}

static void test_scan_size(void)
{
    sm_error_t e;
    int64_t v = -1;
    static const struct {
        const char *text;
        int64_t bytes;
    } ok[] = {{"0", 0},
              {"512", 512},
              {"512B", 512},
              {"64KB", 64000},
              {"64kb", 64000},
              {"64MB", 64000000},
              {"1GB", 1000000000},
              {"2TB", 2000000000000},
              {"64KiB", 65536},
              {"64MiB", 67108864},
              {"1GiB", 1073741824},
              {"1gib", 1073741824},
              {"1TiB", 1099511627776},
              {"1.5GiB", 1610612736},
              {"64 MB", 64000000},
              {"0.5KiB", 512},
              {"8388607TiB", 9223370937343148032}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        CHECK_OK(sm_yaml_scan_size(ok[i].text, &v, &e), &e);
        CHECK_EQ_INT(v, ok[i].bytes);
    }
    static const char *const bad[] = {"",    "MB",   "-1",    "64 ",   "64XB",
                                      "64M", "1.GB", " 64MB", "64MBs", "1e3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = -1;
        CHECK_EQ_INT(sm_yaml_scan_size(bad[i], &v, &e), SM_ERR_INVALID);
        CHECK_EQ_INT(v, -1);
    }
    CHECK_EQ_INT(sm_yaml_scan_size("8388608TiB", &v, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "size \"8388608TiB\" is too large");
    CHECK_EQ_INT(sm_yaml_scan_size("99999999999999999999", &v, &e), SM_ERR_INVALID);
    CHECK_OK(sm_yaml_scan_size("9223372036854775807", &v, &e), &e);
    CHECK_EQ_INT(v, INT64_MAX);
    CHECK_EQ_INT(sm_yaml_scan_size("9223372036854775808", &v, &e), SM_ERR_INVALID);
}

static void test_scan_int_bool_double(void)
{
    sm_error_t e;
    int64_t v = 0;
    CHECK_OK(sm_yaml_scan_int("-9223372036854775808", INT64_MIN, INT64_MAX, &v, &e), &e);
    CHECK_EQ_INT(v, INT64_MIN);
    CHECK_OK(sm_yaml_scan_int("9223372036854775807", INT64_MIN, INT64_MAX, &v, &e), &e);
    CHECK_EQ_INT(v, INT64_MAX);
    CHECK_EQ_INT(sm_yaml_scan_int("9223372036854775808", INT64_MIN, INT64_MAX, &v, &e),
                 SM_ERR_INVALID);
    CHECK_EQ_INT(sm_yaml_scan_int("-9223372036854775809", INT64_MIN, INT64_MAX, &v, &e),
                 SM_ERR_INVALID);
    CHECK_EQ_INT(sm_yaml_scan_int("0x10000000000000000", INT64_MIN, INT64_MAX, &v, &e),
                 SM_ERR_INVALID);
    CHECK_OK(sm_yaml_scan_int("+0x7fffffffffffffff", 0, INT64_MAX, &v, &e), &e);
    CHECK_EQ_INT(v, INT64_MAX);
    static const char *const bad[] = {"",   "-",  "+",  "0x",   "1.0", "1e3", " 1",
                                      "1 ", "_1", "1_", "1__0", "0xg", "١"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(sm_yaml_scan_int(bad[i], INT64_MIN, INT64_MAX, &v, &e), SM_ERR_INVALID);

    bool b;
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "on", "On"};
    static const char *const no[] = {"false", "No", "off", "OFF"};
    for (size_t i = 0; i < 6; i++) {
        b = false;
        CHECK_OK(sm_yaml_scan_bool(yes[i], &b, &e), &e);
        CHECK(b);
    }
    for (size_t i = 0; i < 4; i++) {
        b = true;
        CHECK_OK(sm_yaml_scan_bool(no[i], &b, &e), &e);
        CHECK(!b);
    }
    CHECK_EQ_INT(sm_yaml_scan_bool("1", &b, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_yaml_scan_bool("", &b, &e), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_yaml_scan_bool("truee", &b, &e), SM_ERR_INVALID);

    double d;
    CHECK_OK(sm_yaml_scan_double("-0.25", &d, &e), &e);
    CHECK(d == -0.25);
    CHECK_OK(sm_yaml_scan_double("3", &d, &e), &e);
    CHECK(d == 3.0);
    static const char *const dbad[] = {"",      ".",     "inf", "nan", "1e999",
                                       "0x1p3", "1.2.3", "e5",  "1,5"};
    for (size_t i = 0; i < sizeof dbad / sizeof dbad[0]; i++)
        CHECK_EQ_INT(sm_yaml_scan_double(dbad[i], &d, &e), SM_ERR_INVALID);

    /* Long or control-laden text is quoted short and on one line. */
    CHECK_EQ_INT(sm_yaml_scan_bool("a\nb\"c\\", &b, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "expected true or false (also yes/no, on/off), got \"a\\x0ab\\\"c\\\\\"");
    char longtext[200];
    memset(longtext, 'z', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    CHECK_EQ_INT(sm_yaml_scan_int(longtext, 0, 1, &v, &e), SM_ERR_INVALID);
    CHECK(strlen(e.msg) < 120);
    CHECK(strstr(e.msg, "...\"") != NULL);
}

static void test_load_file(void)
{
    sm_error_t e;
    sm_yaml_doc_t *doc;
    char path[] = "/tmp/smelt-test-yaml-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *text = "a:\n  b: [1, 2]\n";
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    CHECK_OK(sm_yaml_load_file(path, &doc, &e), &e);
    const sm_yaml_node_t *b = sm_yaml_map_get(sm_yaml_map_get(doc->root, "a"), "b");
    CHECK_EQ_STR(b->file, path);
    CHECK_EQ_INT(b->line, 2);
    CHECK_EQ_INT(b->column, 6);
    sm_yaml_free(doc);
    unlink(path);
    CHECK_EQ_INT(sm_yaml_load_file(path, &doc, &e), SM_ERR_NOT_FOUND);
    CHECK(strstr(e.msg, "no such file") != NULL);
    CHECK(doc == NULL);
    CHECK_EQ_INT(sm_yaml_load_file("/tmp", &doc, &e), SM_ERR_IO);
    CHECK_EQ_STR(e.msg, "/tmp: not a regular file");
}

/* Every allocation failure is an error, never a leak or a crash. */
static void test_alloc_failures(void)
{
    const char *text = "a: &x {b: [1, 2, {c: d}], e: \"f\"}\nb: *x\nc:\n  - 1\n  - 2\n";
    sm_yaml_doc_t *doc;
    sm_error_t e;
    sm_mem_fail_after(0);
    CHECK_OK(parse(text, &doc, &e), &e);
    sm_yaml_free(doc);
    long total = sm_mem_fail_after(0);
    CHECK(total > 0);
    int failures = 0;
    for (long n = 1; n <= total + 1; n++) {
        sm_mem_fail_after(n);
        sm_err_t rc = parse(text, &doc, &e);
        sm_mem_fail_after(0);
        if (rc) {
            CHECK_EQ_INT(rc, SM_ERR_NOMEM);
            CHECK(doc == NULL);
            failures++;
        } else {
            sm_yaml_free(doc);
        }
    }
    CHECK(failures > 0);
}

int main(void)
{
    RUN(test_scalars_and_positions);
    RUN(test_quoted_null_is_text);
    RUN(test_sequences);
    RUN(test_empty_inputs);
    RUN(test_unicode);
    RUN(test_duplicate_keys);
    RUN(test_syntax_errors);
    RUN(test_tags);
    RUN(test_aliases);
    RUN(test_alias_bomb);
    RUN(test_limits);
    RUN(test_accessors);
    RUN(test_check_keys);
    RUN(test_scan_duration);
    RUN(test_scan_size);
    RUN(test_scan_int_bool_double);
    RUN(test_load_file);
    RUN(test_alloc_failures);
    return check_summary();
}
