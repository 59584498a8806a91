/* delta/schema: schemaString ↔ columnar types. */
#include "check.h"
#include "core/mem.h"
#include "delta/schema.h"

static char *roundtrip(const char *json, sm_error_t *e)
{
    sm_type_t *t = NULL;
    if (sm_delta_schema_parse(json, &t, NULL, e))
        return NULL;
    sm_buf_t b = SM_BUF_INIT;
    sm_err_t rc = sm_delta_schema_write(t, &b, e);
    sm_type_free(t);
    if (rc) {
        sm_buf_free(&b);
        return NULL;
    }
    return (char *)sm_buf_detach(&b, NULL);
}

static void test_all_types(void)
{
    const char *json =
        "{\"type\":\"struct\",\"fields\":["
        "{\"name\":\"s\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"l\",\"type\":\"long\",\"nullable\":false,\"metadata\":{}},"
        "{\"name\":\"i\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"sh\",\"type\":\"short\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"b\",\"type\":\"byte\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"f\",\"type\":\"float\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"d\",\"type\":\"double\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"bo\",\"type\":\"boolean\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"bi\",\"type\":\"binary\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"da\",\"type\":\"date\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"ts\",\"type\":\"timestamp\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"nt\",\"type\":\"timestamp_ntz\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"de\",\"type\":\"decimal(38,18)\",\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"elementType\":\"integer\","
        "\"containsNull\":false},\"nullable\":true,\"metadata\":{}},"
        "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":"
        "{\"type\":\"struct\",\"fields\":[{\"name\":\"x\",\"type\":\"double\",\"nullable\":true,"
        "\"metadata\":{}}]},\"valueContainsNull\":true},\"nullable\":true,\"metadata\":{}}]}";
    sm_error_t e;
    sm_type_t *t = NULL;
    CHECK_OK(sm_delta_schema_parse(json, &t, NULL, &e), &e);
    if (!t)
        return;
    char name[512];
    CHECK_EQ_STR(sm_type_name(t, name, sizeof name),
                 "struct<s:string,l:bigint,i:int,sh:smallint,b:tinyint,f:float,d:double,"
                 "bo:boolean,bi:binary,da:date,ts:timestamp,nt:timestamp_ntz,de:decimal(38,18),"
                 "a:array<int>,m:map<string,struct<x:double>>>");
    CHECK(!t->fields[1].nullable);
    CHECK(t->fields[0].nullable);
    CHECK_EQ_INT(t->fields[10].type->kind, SM_TYPE_TIMESTAMP_TZ);
    CHECK_EQ_INT(t->fields[11].type->kind, SM_TYPE_TIMESTAMP);
    CHECK(!t->fields[13].type->fields[0].nullable);
    sm_type_free(t);
    char *again = roundtrip(json, &e);
    CHECK_EQ_STR(again, json);
    sm_free(again);
}

static void expect_error(const char *json, const char *want)
{
    sm_error_t e;
    sm_type_t *t = NULL;
    CHECK(sm_delta_schema_parse(json, &t, NULL, &e) != SM_OK);
    CHECK(t == NULL);
    if (!strstr(e.msg, want))
        fprintf(stderr, "  message: %s\n  wanted:  %s\n", e.msg, want);
    CHECK(strstr(e.msg, want) != NULL);
}

static void test_errors(void)
{
    expect_error("{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"interval\"}]}",
                 "schema: fields[0].type: unknown type \"interval\"");
    expect_error("{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"array\","
                 "\"elementType\":\"nope\"}}]}",
                 "fields[0].type.elementType: unknown type \"nope\"");
    expect_error("{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"decimal(40,2)\"}]}",
                 "decimal precision must be 1..38");
    expect_error("{\"type\":\"struct\",\"fields\":[{\"name\":\"v\",\"type\":\"variant\"}]}",
                 "variant type is not supported");
    expect_error("{\"type\":\"struct\",\"fields\":[{\"type\":\"long\"}]}",
                 "a field needs a string \"name\"");
    expect_error("{\"type\":\"array\"}", "the schema must be a struct");
    expect_error("{\"type\":", "invalid JSON");
    expect_error("{\"type\":\"struct\"}", "needs a \"fields\" array");
}

static void test_metadata_flags(void)
{
    const char *json = "{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"long\","
                       "\"nullable\":true,\"metadata\":{\"delta.columnMapping.id\":1,"
                       "\"delta.columnMapping.physicalName\":\"col-1\"}},{\"name\":\"b\","
                       "\"type\":\"long\",\"nullable\":true,\"metadata\":{\"delta.invariants\":"
                       "\"{\\\"expression\\\":{\\\"expression\\\":\\\"b > 3\\\"}}\"}}]}";
    sm_error_t e;
    sm_type_t *t = NULL;
    sm_delta_schema_info_t info;
    CHECK_OK(sm_delta_schema_parse(json, &t, &info, &e), &e);
    CHECK(info.has_column_mapping);
    CHECK(info.has_invariants);
    CHECK(!info.has_generated);
    sm_type_free(t);
}

static void test_decimal_with_space(void)
{
    sm_error_t e;
    sm_type_t *t = NULL;
    CHECK_OK(sm_delta_schema_parse("{\"type\":\"struct\",\"fields\":[{\"name\":\"d\","
                                   "\"type\":\"decimal(10, 2)\",\"nullable\":true}]}",
                                   &t, NULL, &e),
             &e);
    if (t) {
        CHECK_EQ_INT(t->fields[0].type->precision, 10);
        CHECK_EQ_INT(t->fields[0].type->scale, 2);
    }
    sm_type_free(t);
}

int main(void)
{
    RUN(test_all_types);
    RUN(test_errors);
    RUN(test_metadata_flags);
    RUN(test_decimal_with_space);
    return check_summary();
}
