/* parquet/schema: columnar types ↔ Parquet schema elements, and levels. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "check.h"
#include "core/mem.h"
#include "parquet/schema.h"

static sm_type_t *parse_type(const char *s)
{
    sm_type_t *t = NULL;
    sm_error_t e;
    if (sm_type_parse(s, strlen(s), &t, &e))
        fprintf(stderr, "type parse: %s\n", e.msg);
    return t;
}

static void test_round_trip_levels(void)
{
    sm_type_t *t = parse_type("struct<id:bigint not null,name:string,tags:array<string>,"
                              "attrs:map<string,int>,pt:struct<x:double,y:double not null>,"
                              "d:decimal(38,2),d9:decimal(9,2),day:date,ts:timestamp,"
                              "nt:timestamp_ntz,b:tinyint,s:smallint>");
    CHECK(t != NULL);
    if (!t)
        return;
    sm_arena_t arena;
    sm_arena_init(&arena, 0);
    sm_pq_schema_elem_t *els;
    uint32_t n;
    sm_pq_schema_t s;
    sm_error_t e;
    CHECK_OK(sm_pq_schema_for_type(t, &arena, &els, &n, &s, &e), &e);
    CHECK(sm_type_equal(s.type, t));
    char name[512];
    CHECK_EQ_STR(sm_type_name(s.type, name, sizeof name), sm_type_name(t, name + 256, 256));
    CHECK_EQ_INT(s.nleaves, 14);
    CHECK_EQ_INT(s.ncolumns, 12);
    /* id: required → def 0; name: optional → def 1 */
    CHECK_EQ_INT(s.leaves[0].max_def, 0);
    CHECK_EQ_INT(s.leaves[1].max_def, 1);
    /* tags: optional list (1) + repeated (2) + optional element (3), rep 1 */
    CHECK_EQ_STR(s.leaves[2].path, "tags.list.element");
    CHECK_EQ_INT(s.leaves[2].max_def, 3);
    CHECK_EQ_INT(s.leaves[2].max_rep, 1);
    CHECK_EQ_INT(s.columns[2].def, 1);
    CHECK_EQ_INT(s.columns[2].entry_def, 2);
    CHECK_EQ_INT(s.columns[2].entry_rep, 1);
    /* attrs: key required → def 2; value optional → def 3 */
    CHECK_EQ_STR(s.leaves[3].path, "attrs.key_value.key");
    CHECK_EQ_INT(s.leaves[3].max_def, 2);
    CHECK_EQ_INT(s.leaves[4].max_def, 3);
    /* pt.y required inside an optional struct → def 1 */
    CHECK_EQ_INT(s.leaves[6].max_def, 1);
    /* decimal(38,2) → FLBA(16); decimal(9,2) → INT32 */
    CHECK_EQ_INT(s.leaves[7].physical, SM_PQ_FIXED_LEN_BYTE_ARRAY);
    CHECK_EQ_INT(s.leaves[7].type_length, 16);
    CHECK_EQ_INT(s.leaves[8].physical, SM_PQ_INT32);
    CHECK_EQ_INT(s.leaves[11].elem->logical.is_adjusted_to_utc, 0);
    CHECK_EQ_INT(s.leaves[10].elem->logical.is_adjusted_to_utc, 1);
    CHECK_EQ_INT(s.leaves[12].conv, SM_PQ_CONV_NARROW);
    CHECK_EQ_INT(sm_pq_schema_column(&s, "PT", true), 4);
    CHECK_EQ_INT(sm_pq_schema_column(&s, "PT", false), -1);
    sm_pq_schema_free(&s);
    sm_arena_free(&arena);
    sm_type_free(t);
}

static sm_pq_schema_elem_t leaf(const char *name, int rep, sm_pq_type_t type)
{
    return (sm_pq_schema_elem_t){.name = name,
                                 .has_repetition = true,
                                 .repetition = (sm_pq_repetition_t)rep,
                                 .has_type = true,
                                 .type = type};
}

static sm_pq_schema_elem_t grp(const char *name, int rep, int n, int ct)
{
    sm_pq_schema_elem_t g = {.name = name, .has_num_children = true, .num_children = n};
    if (rep >= 0) {
        g.has_repetition = true;
        g.repetition = (sm_pq_repetition_t)rep;
    }
    if (ct >= 0) {
        g.has_converted_type = true;
        g.converted_type = (sm_pq_converted_t)ct;
    }
    return g;
}

static char *schema_of(sm_pq_schema_elem_t *els, uint32_t n, sm_error_t *e)
{
    sm_pq_file_meta_t fm = {.schema = els, .num_schema = n};
    sm_pq_schema_t s;
    if (sm_pq_schema_from_file(&fm, &s, e))
        return NULL;
    char name[512];
    sm_type_name(s.type, name, sizeof name);
    sm_pq_schema_free(&s);
    return sm_strdup(name);
}

static void test_legacy_lists(void)
{
    sm_error_t e;
    /* 2-level list: repeated primitive inside a LIST group */
    sm_pq_schema_elem_t a[] = {grp("schema", -1, 1, -1), grp("l", SM_PQ_OPTIONAL, 1, SM_PQ_CT_LIST),
                               leaf("element", SM_PQ_REPEATED, SM_PQ_INT32)};
    char *s = schema_of(a, 3, &e);
    CHECK_EQ_STR(s, "struct<l:array<int>>");
    sm_free(s);
    /* repeated group named "array" is the element (a struct) */
    sm_pq_schema_elem_t b[] = {grp("schema", -1, 1, -1), grp("l", SM_PQ_OPTIONAL, 1, SM_PQ_CT_LIST),
                               grp("array", SM_PQ_REPEATED, 1, -1),
                               leaf("x", SM_PQ_REQUIRED, SM_PQ_INT64)};
    s = schema_of(b, 4, &e);
    CHECK_EQ_STR(s, "struct<l:array<struct<x:bigint>>>");
    sm_free(s);
    /* bare repeated fields outside LIST */
    sm_pq_schema_elem_t c[] = {grp("schema", -1, 2, -1), leaf("r", SM_PQ_REPEATED, SM_PQ_INT32),
                               grp("g", SM_PQ_REPEATED, 1, -1),
                               leaf("y", SM_PQ_OPTIONAL, SM_PQ_DOUBLE)};
    s = schema_of(c, 4, &e);
    CHECK_EQ_STR(s, "struct<r:array<int>,g:array<struct<y:double>>>");
    sm_free(s);
    /* errors */
    sm_pq_schema_elem_t d[] = {grp("schema", -1, 2, -1), leaf("r", SM_PQ_REQUIRED, SM_PQ_INT32)};
    CHECK(schema_of(d, 2, &e) == NULL);
    CHECK(strstr(e.msg, "claims 2 columns") != NULL);
    sm_pq_schema_elem_t f[] = {grp("schema", -1, 1, -1), grp("l", SM_PQ_OPTIONAL, 1, SM_PQ_CT_LIST),
                               leaf("element", SM_PQ_OPTIONAL, SM_PQ_INT32)};
    CHECK(schema_of(f, 3, &e) == NULL);
    CHECK(strstr(e.msg, "column \"l\": the child of a LIST group must be repeated") != NULL);
    sm_pq_schema_elem_t g[] = {grp("schema", -1, 1, -1), leaf("t", SM_PQ_OPTIONAL, SM_PQ_INT32)};
    g[1].has_converted_type = true;
    g[1].converted_type = SM_PQ_CT_TIME_MILLIS;
    CHECK(schema_of(g, 2, &e) == NULL);
    CHECK_EQ_INT(e.code, SM_ERR_UNSUPPORTED);
    CHECK(strstr(e.msg, "column \"t\": the TIME type is not supported") != NULL);
}

/* Every footer of the parquet-testing corpus maps to a schema or a clear
 * refusal. */
static void test_corpus(void)
{
    const char *src = getenv("SMELT_SOURCE_DIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/../shared/data/parquet-testing", src ? src : ".");
    DIR *d = opendir(dir);
    if (!d) {
        printf("SKIPPED: parquet-testing corpus not found at %s\n", dir);
        return;
    }
    int ok = 0, refused = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 8 || strcmp(de->d_name + len - 8, ".parquet") != 0)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *data = malloc((size_t)size + 1);
        size_t got = fread(data, 1, (size_t)size, f);
        fclose(f);
        sm_arena_t arena;
        sm_arena_init(&arena, 0);
        sm_pq_file_meta_t fm;
        sm_pq_schema_t s;
        sm_error_t e;
        if (sm_pq_footer_parse(data, got, &arena, &fm, &e) == SM_OK &&
            sm_pq_schema_from_file(&fm, &s, &e) == SM_OK) {
            ok++;
            CHECK(s.type != NULL);
            sm_pq_schema_free(&s);
        } else {
            refused++;
            CHECK(e.msg[0] != '\0');
            printf("  refused %s: %s\n", de->d_name, e.msg);
        }
        sm_arena_free(&arena);
        free(data);
    }
    closedir(d);
    printf("corpus: %d schemas built, %d refused\n", ok, refused);
    CHECK(ok > 40);
}

int main(void)
{
    RUN(test_round_trip_levels);
    RUN(test_legacy_lists);
    RUN(test_corpus);
    return check_summary();
}
