/* Unit tests for the S3 backend's pure parts (no server): key and query
 * encoding, the XML scanner and ListObjectsV2 parsing, ISO-8601, the retry
 * schedule, error wording, and option handling at open. */
#include <stdlib.h>

#include "check.h"
#include "core/mem.h"
#include "store/s3_int.h"

static char *enc(const char *s, bool keep_slash)
{
    static char out[512];
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_s3_url_encode(&b, s, strlen(s), keep_slash, &e), &e);
    snprintf(out, sizeof out, "%s", b.data ? (char *)b.data : "");
    sm_buf_free(&b);
    return out;
}

static void test_url_encode(void)
{
    CHECK_EQ_STR(enc("", true), "");
    CHECK_EQ_STR(enc("a/b/c.parquet", true), "a/b/c.parquet");
    CHECK_EQ_STR(enc("a/b", false), "a%2Fb");
    CHECK_EQ_STR(enc("AZaz09-_.~", false), "AZaz09-_.~");
    CHECK_EQ_STR(enc("a b+c=d&e", true), "a%20b%2Bc%3Dd%26e");
    CHECK_EQ_STR(enc("ü", true), "%C3%BC");
    CHECK_EQ_STR(enc("%?#*", true), "%25%3F%23%2A");
    CHECK_EQ_STR(enc("\x01\x7f\xff", true), "%01%7F%FF");
}

static void test_url_decode(void)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    CHECK_OK(sm_s3_url_decode(&b, "a%20b%2Bc+d%c3%BC", 17, true, &e), &e);
    CHECK_EQ_STR((char *)b.data, "a b+c dü");
    sm_buf_reset(&b);
    CHECK_OK(sm_s3_url_decode(&b, "1+1", 3, false, &e), &e);
    CHECK_EQ_STR((char *)b.data, "1+1");
    sm_buf_reset(&b);
    CHECK_EQ_INT(sm_s3_url_decode(&b, "bad%2", 5, true, &e), SM_ERR_PARSE);
    CHECK(strstr(e.msg, "offset 3") != NULL);
    CHECK_EQ_INT(sm_s3_url_decode(&b, "%zz", 3, true, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_s3_url_decode(&b, "%00", 3, true, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_s3_url_decode(&b, "%", 1, true, &e), SM_ERR_PARSE);
    sm_buf_reset(&b);
    /* round trip of every byte but NUL */
    char all[255];
    for (int i = 0; i < 255; i++)
        all[i] = (char)(i + 1);
    sm_buf_t en = SM_BUF_INIT;
    CHECK_OK(sm_s3_url_encode(&en, all, 255, false, &e), &e);
    CHECK_OK(sm_s3_url_decode(&b, (char *)en.data, en.len, false, &e), &e);
    CHECK(b.len == 255 && memcmp(b.data, all, 255) == 0);
    sm_buf_free(&en);
    sm_buf_free(&b);
}

static void test_xml_find(void)
{
    const char *x = "<R><KeyCount>2</KeyCount><Key a=\"1\">k1</Key><Key/><Key>k3</Key><Key>open";
    const char *end = x + strlen(x), *body, *next;
    size_t len;
    CHECK(sm_s3_xml_find(x, end, "Key", &body, &len, &next));
    CHECK(len == 2 && memcmp(body, "k1", 2) == 0);
    CHECK(sm_s3_xml_find(next, end, "Key", &body, &len, &next));
    CHECK_EQ_INT(len, 0);
    CHECK(sm_s3_xml_find(next, end, "Key", &body, &len, &next));
    CHECK(len == 2 && memcmp(body, "k3", 2) == 0);
    CHECK(!sm_s3_xml_find(next, end, "Key", &body, &len, &next)); /* unclosed */
    CHECK(!sm_s3_xml_find(x, end, "Nope", &body, &len, &next));
    CHECK(!sm_s3_xml_find(x, x, "Key", &body, &len, &next));
    /* a truncated tag at the very end */
    const char *t = "<Ke";
    CHECK(!sm_s3_xml_find(t, t + 3, "Key", &body, &len, &next));
    t = "<Key";
    CHECK(!sm_s3_xml_find(t, t + 4, "Key", &body, &len, &next));
}

static void test_xml_text(void)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    const char *s = "a&lt;b&gt;c&amp;d&quot;e&apos;f&#65;&#x42;&#xe9;<![CDATA[<&>]]>g";
    CHECK_OK(sm_s3_xml_text(&b, s, strlen(s), &e), &e);
    CHECK_EQ_STR((char *)b.data, "a<b>c&d\"e'fAB\xc3\xa9<&>g");
    sm_buf_reset(&b);
    CHECK_OK(sm_s3_xml_text(&b, "&#x1F600;", 9, &e), &e);
    CHECK_EQ_STR((char *)b.data, "\xf0\x9f\x98\x80");
    const char *bad[] = {"&bogus;",    "&amp",           "&#;",        "&#0;",  "&#xD800;",
                         "&#x110000;", "&#99999999999;", "<![CDATA[x", "&#xZ;", "&;"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sm_buf_reset(&b);
        CHECK_EQ_INT(sm_s3_xml_text(&b, bad[i], strlen(bad[i]), &e), SM_ERR_PARSE);
    }
    sm_buf_free(&b);
    char out[16];
    const char *err = "<Error><Code>SlowDown</Code><Message>a &amp; b that is long</Message>";
    CHECK(sm_s3_xml_get(err, strlen(err), "Code", out, sizeof out));
    CHECK_EQ_STR(out, "SlowDown");
    CHECK(sm_s3_xml_get(err, strlen(err), "Message", out, sizeof out));
    CHECK_EQ_STR(out, "a & b that is l"); /* cut to the room */
    CHECK(!sm_s3_xml_get(err, strlen(err), "Key", out, sizeof out));
}

static const char *LIST_XML =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>b</Name><Prefix>p%2F</Prefix><KeyCount>3</KeyCount><MaxKeys>3</MaxKeys>"
    "<EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
    "<NextContinuationToken>tok&amp;en==</NextContinuationToken>"
    "<Contents><Key>p/a+b%2Bc</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>"
    "<ETag>&quot;abc&quot;</ETag><Size>434234</Size><StorageClass>STANDARD</StorageClass>"
    "</Contents>"
    "<Contents><Key>p/%C3%BC%26%3C</Key><LastModified>1970-01-01T00:00:00Z</LastModified>"
    "<Size>0</Size></Contents>"
    "<Contents>\n  <Key>p/z</Key>\n  <Size>18446744073709551615</Size>\n</Contents>"
    "</ListBucketResult>";

static void test_parse_list(void)
{
    sm_s3_listing_t l;
    sm_error_t e;
    CHECK_OK(sm_s3_parse_list(LIST_XML, strlen(LIST_XML), 1000, &l, &e), &e);
    CHECK_EQ_INT(l.count, 3);
    CHECK(l.truncated);
    CHECK_EQ_STR(l.next_token, "tok&en==");
    if (l.count == 3) {
        CHECK_EQ_STR(l.entries[0].key, "p/a b+c");
        CHECK_EQ_INT(l.entries[0].size, 434234);
        CHECK_EQ_INT(l.entries[0].mtime_ms, 1255369830000LL);
        CHECK_EQ_STR(l.entries[1].key, "p/\xc3\xbc&<");
        CHECK_EQ_INT(l.entries[1].mtime_ms, 0);
        CHECK_EQ_STR(l.entries[2].key, "p/z");
        CHECK(l.entries[2].size == UINT64_MAX);
    }
    CHECK_EQ_STR(l.last_key, "p/z");
    sm_s3_listing_free(&l);
    /* the page limit */
    CHECK_EQ_INT(sm_s3_parse_list(LIST_XML, strlen(LIST_XML), 2, &l, &e), SM_ERR_LIMIT);
    CHECK_EQ_INT(l.count, 0);
    /* without encoding-type, keys are taken as they are (XML-unescaped) */
    const char *plain = "<ListBucketResult><IsTruncated>false</IsTruncated>"
                        "<Contents><Key>a%20b &amp; c</Key><Size>1</Size></Contents>"
                        "</ListBucketResult>";
    CHECK_OK(sm_s3_parse_list(plain, strlen(plain), 10, &l, &e), &e);
    CHECK_EQ_INT(l.count, 1);
    CHECK(!l.truncated);
    CHECK(l.next_token == NULL);
    if (l.count)
        CHECK_EQ_STR(l.entries[0].key, "a%20b & c");
    sm_s3_listing_free(&l);
    /* empty listing */
    const char *empty = "<ListBucketResult><KeyCount>0</KeyCount></ListBucketResult>";
    CHECK_OK(sm_s3_parse_list(empty, strlen(empty), 10, &l, &e), &e);
    CHECK_EQ_INT(l.count, 0);
    CHECK(l.last_key == NULL);
    sm_s3_listing_free(&l);
    /* corrupt inputs fail cleanly */
    const char *bad[] = {
        "",
        "<Error><Code>x</Code></Error>",
        "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key></Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a</Key><Size>-1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a</Key><Size>18446744073709551616</Size></Contents>",
        "<ListBucketResult><Contents><Key>a</Key><LastModified>yesterday</LastModified>"
        "</Contents></ListBucketResult>",
        "<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>a%2</Key></Contents>",
        "<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>a%00b</Key>"
        "</Contents>",
        "<ListBucketResult><Contents><Key>&#0;</Key></Contents>",
        "<ListBucketResult><Contents><Key>&nope;</Key></Contents>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sm_err_t rc = sm_s3_parse_list(bad[i], strlen(bad[i]), 10, &l, &e);
        if (rc != SM_ERR_PARSE)
            fprintf(stderr, "bad list %zu: rc %d\n", i, rc);
        CHECK_EQ_INT(rc, SM_ERR_PARSE);
        CHECK_EQ_INT(l.count, 0);
    }
    /* truncation anywhere: never crashes, never hangs */
    size_t n = strlen(LIST_XML);
    for (size_t cut = 0; cut < n; cut++) {
        sm_err_t rc = sm_s3_parse_list(LIST_XML, cut, 1000, &l, &e);
        CHECK(rc == SM_OK || rc == SM_ERR_PARSE);
        sm_s3_listing_free(&l);
    }
    /* allocation failures */
    for (long k = 1; k < 40; k++) {
        sm_mem_fail_after(k);
        sm_err_t rc = sm_s3_parse_list(LIST_XML, n, 1000, &l, &e);
        sm_mem_fail_after(0);
        CHECK(rc == SM_OK || rc == SM_ERR_NOMEM);
        if (rc == SM_OK)
            CHECK_EQ_INT(l.count, 3);
        sm_s3_listing_free(&l);
    }
}

static void test_iso8601(void)
{
    int64_t ms;
    sm_error_t e;
#define ISO(s, want)                                                                               \
    do {                                                                                           \
        CHECK_OK(sm_s3_parse_iso8601((s), strlen(s), &ms, &e), &e);                                \
        CHECK_EQ_INT(ms, (want));                                                                  \
    } while (0)
    ISO("1970-01-01T00:00:00Z", 0);
    ISO("1970-01-01T00:00:00.001Z", 1);
    ISO("2009-10-12T17:50:30.000Z", 1255369830000LL);
    ISO("2009-10-12T17:50:30.5Z", 1255369830500LL);
    ISO("2009-10-12T17:50:30.123456789Z", 1255369830123LL);
    ISO("2026-11-24T23:04:53.123Z", 1795561493123LL);
    ISO("2000-02-29T12:00:00Z", 951825600000LL);
    ISO("2009-10-12T19:50:30+02:00", 1255369830000LL);
    ISO("2009-10-12T12:20:30-05:30", 1255369830000LL);
    ISO("1969-12-31T23:59:59Z", -1000);
#undef ISO
    const char *bad[] = {"",
                         "2009-10-12",
                         "2009-10-12T17:50:30",
                         "2009-13-12T17:50:30Z",
                         "2009-02-29T00:00:00Z",
                         "2009-10-32T00:00:00Z",
                         "2009-10-12T24:00:00Z",
                         "2009-10-12T17:50:30.Z",
                         "2009-10-12T17:50:30Zjunk",
                         "2009-10-12 17:50:30Z",
                         "2009-10-12T17:50:30+2:00",
                         "x009-10-12T17:50:30Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(sm_s3_parse_iso8601(bad[i], strlen(bad[i]), &ms, &e), SM_ERR_PARSE);
}

static void test_backoff(void)
{
    /* bounds: [exp/2, exp] with exp = base * 2^(attempt-1), capped */
    long want[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000};
    for (int a = 1; a <= 8; a++) {
        long lo = want[a - 1] / 2, hi = want[a - 1];
        CHECK_EQ_INT(sm_s3_backoff_ms(a, 100, 5000, 0), lo);
        CHECK_EQ_INT(sm_s3_backoff_ms(a, 100, 5000, (uint64_t)(hi - lo)), hi);
        for (uint64_t r = 0; r < 1000; r += 37) {
            long d = sm_s3_backoff_ms(a, 100, 5000, r * 7919);
            CHECK(d >= lo && d <= hi);
        }
    }
    CHECK_EQ_INT(sm_s3_backoff_ms(1000, 100, 5000, 0), 2500); /* no overflow */
    CHECK(sm_s3_backoff_ms(0, 0, 0, UINT64_MAX) >= 0);
    CHECK(sm_s3_backoff_ms(40, 1L << 40, 1L << 50, UINT64_MAX) <= 1L << 50);
    /* the schedule of the default settings sums to well under the budget */
    long total = 0;
    for (int a = 1; a < 5; a++)
        total += sm_s3_backoff_ms(a, 100, 5000, UINT64_MAX);
    CHECK(total <= 100 + 200 + 400 + 800);

    CHECK(sm_s3_status_retriable(503, "SlowDown"));
    CHECK(sm_s3_status_retriable(503, ""));
    CHECK(sm_s3_status_retriable(500, NULL));
    CHECK(sm_s3_status_retriable(429, ""));
    CHECK(sm_s3_status_retriable(400, "RequestTimeout"));
    CHECK(sm_s3_status_retriable(200, "InternalError"));
    CHECK(sm_s3_status_retriable(409, "ConditionalRequestConflict"));
    CHECK(!sm_s3_status_retriable(409, "BucketAlreadyExists"));
    CHECK(!sm_s3_status_retriable(412, "PreconditionFailed"));
    CHECK(!sm_s3_status_retriable(403, "AccessDenied"));
    CHECK(!sm_s3_status_retriable(404, "NoSuchKey"));
    CHECK(!sm_s3_status_retriable(400, "InvalidArgument"));
}

static void test_fail_messages(void)
{
    sm_error_t e;
    sm_s3_failure_t f = {.uri = "s3://bucket/key",
                         .op = "PUT",
                         .attempts = 5,
                         .status = 503,
                         .code = "SlowDown",
                         .message = "Please reduce your request rate.",
                         .bucket = "bucket",
                         .key_id = "AKIDEXAMPLE"};
    CHECK_EQ_INT(sm_s3_fail(&e, &f), SM_ERR_IO);
    CHECK_EQ_STR(e.msg, "s3://bucket/key: PUT failed after 5 attempts: HTTP 503 SlowDown: Please "
                        "reduce your request rate.");
    CHECK(e.retriable);
    f.attempts = 1;
    f.status = 400;
    f.code = "InvalidArgument";
    f.message = "";
    sm_s3_fail(&e, &f);
    CHECK_EQ_STR(e.msg, "s3://bucket/key: PUT failed: HTTP 400 InvalidArgument");
    CHECK(!e.retriable);
    f.status = 500;
    f.code = NULL;
    f.message = NULL;
    sm_s3_fail(&e, &f);
    CHECK_EQ_STR(e.msg, "s3://bucket/key: PUT failed: HTTP 500");
    f.status = 403;
    f.code = "SignatureDoesNotMatch";
    f.message = "The request signature we calculated does not match";
    CHECK_EQ_INT(sm_s3_fail(&e, &f), SM_ERR_IO);
    CHECK_EQ_STR(e.msg, "s3://bucket/key: PUT refused for access key id 'AKIDEXAMPLE': the secret "
                        "access key does not match (HTTP 403 SignatureDoesNotMatch: The request "
                        "signature we calculated does not match)");
    f.code = "";
    f.message = "";
    sm_s3_fail(&e, &f); /* HEAD: no body */
    CHECK_EQ_STR(e.msg, "s3://bucket/key: PUT refused for access key id 'AKIDEXAMPLE': access "
                        "denied (HTTP 403)");
    f.key_id = NULL;
    sm_s3_fail(&e, &f);
    CHECK(strstr(e.msg, "anonymous") && strstr(e.msg, "AWS_ACCESS_KEY_ID"));
    f.key_id = "AKIDEXAMPLE";
    f.status = 400;
    f.code = "AuthorizationHeaderMalformed";
    sm_s3_fail(&e, &f);
    CHECK(strstr(e.msg, "wrong region?") != NULL);
    f.status = 404;
    f.code = "NoSuchBucket";
    CHECK_EQ_INT(sm_s3_fail(&e, &f), SM_ERR_IO);
    CHECK_EQ_STR(e.msg, "s3://bucket/key: PUT failed: bucket 'bucket' does not exist");
    f.code = "NoSuchKey";
    CHECK_EQ_INT(sm_s3_fail(&e, &f), SM_ERR_NOT_FOUND);
    f = (sm_s3_failure_t){.uri = "s3://b/k", .op = "GET", .attempts = 3, .net = "Connection reset"};
    CHECK_EQ_INT(sm_s3_fail(&e, &f), SM_ERR_NETWORK);
    CHECK_EQ_STR(e.msg, "s3://b/k: GET failed after 3 attempts: Connection reset");
    CHECK(e.retriable);
    f.timed_out = true;
    CHECK_EQ_INT(sm_s3_fail(&e, &f), SM_ERR_TIMEOUT);
    CHECK_EQ_INT(sm_s3_fail(NULL, &f), SM_ERR_TIMEOUT);
}

/* ---- opening (no request is made) ---- */

static const char *base_url(const char *loc, const sm_store_opts_t *o)
{
    static char out[256];
    sm_store_t *st = NULL;
    sm_error_t e;
    out[0] = '\0';
    CHECK_OK(sm_store_open_ex(loc, o, &st, &e), &e);
    if (st)
        snprintf(out, sizeof out, "%s", ((sm_s3_store_t *)st)->base_url);
    sm_store_close(st);
    return out;
}

static void test_open(void)
{
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_S3");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    sm_store_opts_t o = {0};
    CHECK_EQ_STR(base_url("s3://bucket/p", NULL), "https://bucket.s3.us-east-1.amazonaws.com");
    CHECK_EQ_STR(base_url("s3://my.bucket/p", NULL),
                 "https://s3.us-east-1.amazonaws.com/my.bucket");
    o.region = "eu-west-3";
    o.style = SM_STORE_S3_PATH;
    CHECK_EQ_STR(base_url("s3a://bucket", &o), "https://s3.eu-west-3.amazonaws.com/bucket");
    o = (sm_store_opts_t){.endpoint = "http://127.0.0.1:9000/"};
    CHECK_EQ_STR(base_url("s3://bucket/p", &o), "http://127.0.0.1:9000/bucket");
    o.style = SM_STORE_S3_VIRTUAL;
    CHECK_EQ_STR(base_url("s3://bucket/p", &o), "http://bucket.127.0.0.1:9000");
    setenv("AWS_ENDPOINT_URL", "https://minio.example:9000", 1);
    setenv("AWS_DEFAULT_REGION", "eu-central-1", 1);
    CHECK_EQ_STR(base_url("s3://bucket/p", NULL), "https://minio.example:9000/bucket");
    setenv("AWS_ENDPOINT_URL_S3", "http://s3only:1", 1);
    CHECK_EQ_STR(base_url("s3://bucket/p", NULL), "http://s3only:1/bucket");
    o = (sm_store_opts_t){.endpoint = ""}; /* "" = none: AWS */
    CHECK_EQ_STR(base_url("s3://bucket/p", &o), "https://bucket.s3.eu-central-1.amazonaws.com");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_S3");

    /* credentials and location text */
    setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SECRET", 1);
    sm_store_t *st = NULL;
    sm_error_t e;
    CHECK_OK(sm_store_open("s3://bucket/a/b/", &st, &e), &e);
    CHECK_EQ_STR(sm_store_location(st), "s3://bucket/a/b");
    sm_s3_store_t *s = (sm_s3_store_t *)st;
    CHECK_EQ_STR(s->key_id, "AKID");
    CHECK_EQ_STR(s->sigv4, "aws:amz:eu-central-1:s3");
    CHECK(s->token == NULL);
    CHECK_EQ_INT(s->max_attempts, 5);
    CHECK_EQ_INT(s->part_size, 8u << 20);
    char uri[256];
    sm_s3_uri(s, "k/x", uri, sizeof uri);
    CHECK_EQ_STR(uri, "s3://bucket/a/b/k/x");
    char *full = sm_s3_full_key(s, "k/x");
    CHECK_EQ_STR(full, "a/b/k/x");
    sm_free(full);
    sm_store_close(st);
    CHECK_OK(sm_store_open("s3://bucket", &st, &e), &e);
    CHECK_EQ_STR(sm_store_location(st), "s3://bucket");
    full = sm_s3_full_key((sm_s3_store_t *)st, "k");
    CHECK_EQ_STR(full, "k");
    sm_free(full);
    sm_store_close(st);

    /* bad settings */
    unsetenv("AWS_SECRET_ACCESS_KEY");
    CHECK_EQ_INT(sm_store_open("s3://bucket", &st, &e), SM_ERR_INVALID);
    CHECK(st == NULL);
    CHECK(strstr(e.msg, "incomplete") != NULL);
    unsetenv("AWS_ACCESS_KEY_ID");
    const sm_store_opts_t bad[] = {
        {.endpoint = "127.0.0.1:9000"},      {.endpoint = "http://"},
        {.endpoint = "http://user:pw@host"}, {.endpoint = "http://host/?x"},
        {.region = "Not A Region"},          {.part_size = 1},
        {.access_key_id = "AKID"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(sm_store_open_ex("s3://bucket", &bad[i], &st, &e), SM_ERR_INVALID);
        CHECK(strstr(e.msg, "pw") == NULL);
    }
    /* allocation failures at open leave nothing behind (ASan checks) */
    for (long k = 1; k < 30; k++) {
        sm_mem_fail_after(k);
        sm_err_t rc = sm_store_open("s3://bucket/p", &st, &e);
        sm_mem_fail_after(0);
        CHECK(rc == SM_OK || rc == SM_ERR_NOMEM);
        CHECK((rc == SM_OK) == (st != NULL));
        sm_store_close(st);
    }
}

int main(void)
{
    RUN(test_url_encode);
    RUN(test_url_decode);
    RUN(test_xml_find);
    RUN(test_xml_text);
    RUN(test_parse_list);
    RUN(test_iso8601);
    RUN(test_backoff);
    RUN(test_fail_messages);
    RUN(test_open);
    return check_summary();
}
