/* core/log: levels, exact text and JSON shapes, escaping, redaction, the
 * NULL logger, whole lines under concurrency, allocation failures. */
#include <fcntl.h>
#include <poll.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"

#define T0 1795561493123LL /* 2026-11-24T23:04:53.123Z */
#define TS "2026-11-24T23:04:53.123Z"

static int64_t fixed_clock(void *ctx)
{
    return *(int64_t *)ctx;
}

typedef struct capture {
    sm_buf_t text; /* every line, each followed by '\n' */
    int lines;
    sm_log_level_t last_level;
} capture_t;

static void sink(void *ctx, sm_log_level_t level, const char *line, size_t len)
{
    capture_t *c = ctx;
    CHECK_EQ_INT(strlen(line), len);
    CHECK(memchr(line, '\n', len) == NULL);
    sm_buf_append(&c->text, line, len, NULL);
    sm_buf_append_byte(&c->text, '\n', NULL);
    c->lines++;
    c->last_level = level;
}

static int64_t now = T0;

/* A logger at debug level writing to `c` with the fixed clock. */
static sm_log_t *new_logger(capture_t *c, sm_log_format_t format)
{
    sm_log_t *log = NULL;
    sm_error_t e;
    memset(c, 0, sizeof *c);
    CHECK_OK(sm_log_new(&log, &e), &e);
    if (!log)
        return NULL;
    sm_log_set_sink(log, sink, c);
    sm_log_set_clock(log, fixed_clock, &now);
    sm_log_set_format(log, format);
    sm_log_set_level(log, SM_LOG_DEBUG);
    return log;
}

static const char *out(capture_t *c)
{
    return c->text.data ? (const char *)c->text.data : "";
}

static void test_parse(void)
{
    sm_error_t e;
    sm_log_level_t l = SM_LOG_INFO;
    CHECK_OK(sm_log_level_parse("error", &l, &e), &e);
    CHECK_EQ_INT(l, SM_LOG_ERROR);
    CHECK_OK(sm_log_level_parse("warn", &l, &e), &e);
    CHECK_EQ_INT(l, SM_LOG_WARN);
    CHECK_OK(sm_log_level_parse("info", &l, &e), &e);
    CHECK_EQ_INT(l, SM_LOG_INFO);
    CHECK_OK(sm_log_level_parse("debug", &l, &e), &e);
    CHECK_EQ_INT(l, SM_LOG_DEBUG);
    CHECK_EQ_INT(sm_log_level_parse("verbose", &l, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "unknown log level 'verbose' (expected error|warn|info|debug)");
    CHECK_EQ_INT(l, SM_LOG_DEBUG); /* unchanged */
    CHECK_EQ_INT(sm_log_level_parse("WARN", &l, NULL), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_log_level_parse("", &l, NULL), SM_ERR_INVALID);
    CHECK_EQ_INT(sm_log_level_parse(NULL, &l, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(sm_log_level_name(SM_LOG_WARN), "warn");
    CHECK_EQ_STR(sm_log_level_name((sm_log_level_t)9), "?");

    sm_log_format_t f = SM_LOG_TEXT;
    CHECK_OK(sm_log_format_parse("json", &f, &e), &e);
    CHECK_EQ_INT(f, SM_LOG_JSON);
    CHECK_OK(sm_log_format_parse("text", &f, &e), &e);
    CHECK_EQ_INT(f, SM_LOG_TEXT);
    CHECK_EQ_INT(sm_log_format_parse("xml", &f, &e), SM_ERR_INVALID);
    CHECK_EQ_STR(e.msg, "unknown log format 'xml' (expected text|json)");
}

static void test_levels(void)
{
    capture_t c;
    sm_log_t *log = new_logger(&c, SM_LOG_TEXT);
    CHECK_EQ_INT(sm_log_get_level(log), SM_LOG_DEBUG);
    sm_log_set_level(log, SM_LOG_WARN);
    CHECK(sm_log_enabled(log, SM_LOG_ERROR));
    CHECK(sm_log_enabled(log, SM_LOG_WARN));
    CHECK(!sm_log_enabled(log, SM_LOG_INFO));
    CHECK(!sm_log_enabled(log, SM_LOG_DEBUG));
    sm_log_error(log, "m", "e");
    sm_log_warn(log, "m", "w");
    sm_log_info(log, "m", "i");
    sm_log_debug(log, "m", "d");
    CHECK_EQ_INT(c.lines, 2);
    CHECK_EQ_STR(out(&c), TS " error m: e\n" TS " warn  m: w\n");
    CHECK_EQ_INT(c.last_level, SM_LOG_WARN);

    sm_log_set_level(log, SM_LOG_ERROR);
    sm_log(log, SM_LOG_WARN, "m", "hidden");
    CHECK_EQ_INT(c.lines, 2);
    sm_log_set_level(log, (sm_log_level_t)42); /* ignored */
    CHECK_EQ_INT(sm_log_get_level(log), SM_LOG_ERROR);
    sm_log(log, (sm_log_level_t)-1, "m", "bad level");
    sm_log(log, (sm_log_level_t)7, "m", "bad level");
    CHECK_EQ_INT(c.lines, 2);

    sm_log_set_level(log, SM_LOG_DEBUG);
    sm_log_info(log, "m", "i");
    sm_log_debug(log, "m", "d");
    CHECK_EQ_INT(c.lines, 4);
    sm_log_free(log);
    sm_buf_free(&c.text);
}

static void test_text_shape(void)
{
    capture_t c;
    sm_log_t *log = new_logger(&c, SM_LOG_TEXT);
    sm_log(log, SM_LOG_WARN, "store", "retrying PUT %s (%d), attempt %d/%d", "s3://b/k", 503, 2, 5);
    CHECK_EQ_STR(out(&c), TS " warn  store: retrying PUT s3://b/k (503), attempt 2/5\n");
    sm_buf_reset(&c.text);

    sm_log(log, SM_LOG_INFO, NULL, "no module");
    sm_log(log, SM_LOG_DEBUG, "", "empty module");
    CHECK_EQ_STR(out(&c), TS " info  no module\n" TS " debug empty module\n");
    sm_buf_reset(&c.text);

    sm_log_kv_t kv[] = {SM_KV_INT("attempt", 2),        SM_KV_STR("uri", "s3://b/k"),
                        SM_KV_STR("note", "a b"),       SM_KV_STR("empty", ""),
                        SM_KV_STR("nul", NULL),         SM_KV_BOOL("ok", 1),
                        SM_KV_DOUBLE("secs", 1.5),      SM_KV_DOUBLE("nan", NAN),
                        SM_KV_STR("q", "say \"hi\"\n"), SM_KV_INT("neg", -9000000000LL)};
    sm_log_kv(log, SM_LOG_WARN, "store", kv, sizeof kv / sizeof kv[0], "retrying");
    CHECK_EQ_STR(out(&c), TS " warn  store: retrying attempt=2 uri=s3://b/k note=\"a b\" "
                             "empty=\"\" nul=null ok=true secs=1.5 nan=null "
                             "q=\"say \\\"hi\\\"\\n\" neg=-9000000000\n");
    sm_buf_reset(&c.text);

    /* kv == NULL with a count is tolerated; control characters escaped. */
    sm_log_kv(log, SM_LOG_INFO, "m", NULL, 3, "two\nlines\tand \x1b[31mred\x7f");
    CHECK_EQ_STR(out(&c), TS " info  m: two\\nlines\\tand \\x1b[31mred\\x7f\n");
    sm_buf_reset(&c.text);

    sm_log_set_color(log, true);
    sm_log_warn(log, "m", "x");
    sm_log_error(log, "m", "y");
    CHECK_EQ_STR(out(&c), TS " \x1b[33mwarn\x1b[0m  m: x\n" TS " \x1b[1;31merror\x1b[0m m: y\n");
    sm_log_free(log);
    sm_buf_free(&c.text);
}

static void test_json_shape(void)
{
    capture_t c;
    sm_log_t *log = new_logger(&c, SM_LOG_JSON);
    sm_log(log, SM_LOG_WARN, "store", "retrying PUT %s (%d), attempt %d/%d", "s3://b/k", 503, 2, 5);
    CHECK_EQ_STR(out(&c), "{\"ts\":\"" TS "\",\"level\":\"warn\",\"module\":\"store\","
                          "\"msg\":\"retrying PUT s3://b/k (503), attempt 2/5\"}\n");
    sm_buf_reset(&c.text);

    sm_log_kv_t kv[] = {SM_KV_INT("attempt", 2), SM_KV_STR("uri", "s3://b/k"),
                        SM_KV_BOOL("ok", 0),     SM_KV_DOUBLE("secs", 0.25),
                        SM_KV_STR("n", NULL),    SM_KV_DOUBLE("inf", INFINITY)};
    sm_log_kv(log, SM_LOG_INFO, NULL, kv, 6, "done");
    CHECK_EQ_STR(out(&c), "{\"ts\":\"" TS "\",\"level\":\"info\",\"msg\":\"done\",\"attempt\":2,"
                          "\"uri\":\"s3://b/k\",\"ok\":false,\"secs\":0.25,\"n\":null,"
                          "\"inf\":null}\n");
    sm_buf_reset(&c.text);

    /* Escaping: quotes, backslash, newline, tab, other controls, DEL,
     * valid UTF-8 kept, invalid bytes become U+FFFD. */
    sm_log(log, SM_LOG_ERROR, "we\"ird",
           "a\"b\\c\nd\re\tf\bg\fh\x01i\x1fj\x7fk \xc3\xa9 \xff "
           "\xc3 \xe2\x82\xac \xed\xa0\x80 \xf0\x9f\x98\x80");
    CHECK_EQ_STR(out(&c), "{\"ts\":\"" TS "\",\"level\":\"error\",\"module\":\"we\\\"ird\","
                          "\"msg\":\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i\\u001fj\\u007fk "
                          "\xc3\xa9 \\ufffd \\ufffd \xe2\x82\xac \\ufffd\\ufffd\\ufffd "
                          "\xf0\x9f\x98\x80\"}\n");
    sm_buf_reset(&c.text);

    sm_log_kv_t k2[] = {SM_KV_STR("k\"ey", "v\n\"")};
    sm_log_kv(log, SM_LOG_INFO, "m", k2, 1, "%s", "");
    CHECK_EQ_STR(out(&c), "{\"ts\":\"" TS "\",\"level\":\"info\",\"module\":\"m\",\"msg\":\"\","
                          "\"k\\\"ey\":\"v\\n\\\"\"}\n");
    sm_log_free(log);
    sm_buf_free(&c.text);
}

static void test_clock_format(void)
{
    char ts[SM_CLOCK_ISO_LEN];
    CHECK_EQ_STR(sm_clock_format_iso(0, ts), "1970-01-01T00:00:00.000Z");
    CHECK_EQ_STR(sm_clock_format_iso(T0, ts), TS);
    CHECK_EQ_STR(sm_clock_format_iso(-1, ts), "1969-12-31T23:59:59.999Z");
    CHECK_EQ_STR(sm_clock_format_iso(951782400000LL, ts), "2000-02-29T00:00:00.000Z");
    CHECK_EQ_STR(sm_clock_format_iso(INT64_MAX, ts), "9999-12-31T23:59:59.999Z");
    CHECK_EQ_STR(sm_clock_format_iso(INT64_MIN, ts), "0000-01-01T00:00:00.000Z");
    int64_t a = sm_clock_mono_ns(), b = sm_clock_mono_ns();
    CHECK(b >= a);
    CHECK(sm_clock_wall_ms() > 1700000000000LL);
}

static void test_redact_registered(void)
{
    capture_t c;
    sm_error_t e;
    sm_log_t *log = new_logger(&c, SM_LOG_TEXT);
    CHECK_OK(sm_log_add_secret(log, "abc", &e), &e);
    CHECK_OK(sm_log_add_secret(log, "abcdef", &e), &e); /* longer wins */
    CHECK_OK(sm_log_add_secret(log, "abc", &e), &e);    /* duplicate: no-op */
    CHECK_OK(sm_log_add_secret(log, "", &e), &e);       /* ignored */
    CHECK_OK(sm_log_add_secret(log, NULL, &e), &e);
    CHECK_OK(sm_log_add_secret(log, "wJalrXUtnFEMI/K7MDENG", &e), &e);
    sm_log_kv_t kv[] = {SM_KV_STR("key", "xxwJalrXUtnFEMI/K7MDENGyy"), SM_KV_STR("plain", "ab")};
    sm_log_kv(log, SM_LOG_INFO, "s3", kv, 2, "abcdef abc abcabc ab abcde%s", "f!");
    CHECK_EQ_STR(out(&c), TS " info  s3: *** *** ****** ab ***! key=xx***yy plain=ab\n");
    sm_buf_reset(&c.text);

    sm_log_set_format(log, SM_LOG_JSON);
    sm_log_info(log, "s3", "token abc in json");
    CHECK_EQ_STR(out(&c), "{\"ts\":\"" TS "\",\"level\":\"info\",\"module\":\"s3\","
                          "\"msg\":\"token *** in json\"}\n");

    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_EQ_INT(sm_log_add_secret(log, big, &e), SM_ERR_LIMIT);
    char name[32];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "secret-%d", i);
        sm_err_t rc = sm_log_add_secret(log, name, &e);
        if (i < 253)
            CHECK_EQ_INT(rc, SM_OK);
        else
            CHECK_EQ_INT(rc, SM_ERR_LIMIT);
    }
    /* secret-253 was refused, but its prefix secret-25 is registered. */
    char *r = sm_log_redact(log, "secret-0 secret-100 secret-253 secret-");
    CHECK_EQ_STR(r, "*** *** ***3 secret-");
    sm_free(r);
    sm_log_free(log);
    sm_buf_free(&c.text);
}

static void check_redact(const char *in, const char *want)
{
    char *got = sm_log_redact(NULL, in);
    CHECK_EQ_STR(got, want);
    sm_free(got);
}

static void test_redact_patterns(void)
{
    check_redact("postgresql://user:pass@host/db", "postgresql://user:***@host/db");
    check_redact("connect postgresql://user:p%40ss@host:5432/db?sslmode=require failed",
                 "connect postgresql://user:***@host:5432/db?sslmode=require failed");
    check_redact("'postgres://u:pw@h'", "'postgres://u:***@h'");
    check_redact("mongodb://u:a@b@host/x", "mongodb://u:***@host/x"); /* last @ */
    check_redact("postgresql://user@host/db", "postgresql://user@host/db");
    check_redact("postgresql://user:@host/db", "postgresql://user:@host/db");
    check_redact("http://host:8080/path", "http://host:8080/path");
    check_redact("a://u:***@h", "a://u:***@h");
    check_redact("://", "://");
    check_redact("x://", "x://");
    check_redact("", "");
    check_redact("https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                 "&X-Amz-Credential=AKIA%2F20261124%2Fus-east-1&X-Amz-Date=20261124T230453Z"
                 "&X-Amz-Signature=deadbeef",
                 "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                 "&X-Amz-Credential=***&X-Amz-Date=20261124T230453Z&X-Amz-Signature=***");
    check_redact("GET /x?x-amz-signature=ab12#frag", "GET /x?x-amz-signature=***#frag");
    check_redact("/api?token=t0k&user=bob&client_secret=s3c",
                 "/api?token=***&user=bob&client_secret=***");
    check_redact("host=db password=hunter2 dbname=nw", "host=db password=*** dbname=nw");
    check_redact("host=db password='a b\\' c' dbname=nw", "host=db password='***' dbname=nw");
    check_redact("password='unterminated", "password='***");
    check_redact("PASSWORD=X,pwd=y;passwd=z", "PASSWORD=***,pwd=***;passwd=***");
    check_redact("password= x", "password= x");
    check_redact("password=***", "password=***");
    check_redact("=secret token=", "=secret token=");
    check_redact("user=bob tokens=5", "user=bob tokens=5");
    check_redact("X-Amz-Security-Token=abc", "X-Amz-Security-Token=***");
    CHECK(sm_log_redact(NULL, NULL) == NULL);

    capture_t c;
    sm_log_t *log = new_logger(&c, SM_LOG_JSON);
    sm_log_kv_t kv[] = {SM_KV_STR("uri", "postgresql://u:pw@h/d")};
    sm_log_kv(log, SM_LOG_WARN, "pg", kv, 1, "connect %s", "postgresql://u:pw@h/d");
    CHECK_EQ_STR(out(&c), "{\"ts\":\"" TS "\",\"level\":\"warn\",\"module\":\"pg\","
                          "\"msg\":\"connect postgresql://u:***@h/d\","
                          "\"uri\":\"postgresql://u:***@h/d\"}\n");
    sm_log_free(log);
    sm_buf_free(&c.text);
}

static void test_null_logger(void)
{
    sm_log_t *log = NULL;
    sm_log(log, SM_LOG_ERROR, "m", "%s", "nothing");
    sm_log_error(log, "m", "x");
    sm_log_warn(log, "m", "x");
    sm_log_info(log, "m", "x");
    sm_log_debug(log, "m", "x");
    sm_log_kv_t kv[] = {SM_KV_INT("a", 1)};
    sm_log_kv(log, SM_LOG_ERROR, "m", kv, 1, "x");
    sm_log_set_level(log, SM_LOG_DEBUG);
    sm_log_set_format(log, SM_LOG_JSON);
    sm_log_set_file(log, stdout);
    sm_log_set_color(log, true);
    sm_log_set_sink(log, sink, NULL);
    sm_log_set_clock(log, fixed_clock, &now);
    CHECK_EQ_INT(sm_log_add_secret(log, "s", NULL), SM_OK);
    CHECK(!sm_log_enabled(log, SM_LOG_ERROR));
    CHECK_EQ_INT(sm_log_get_level(log), SM_LOG_ERROR);
    sm_log_free(log);
}

static void test_file_output(void)
{
    char *mem = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&mem, &size);
    CHECK(f != NULL);
    sm_log_t *log = NULL;
    sm_error_t e;
    CHECK_OK(sm_log_new(&log, &e), &e);
    sm_log_set_clock(log, fixed_clock, &now);
    sm_log_set_file(log, f); /* not a terminal: no colour */
    sm_log_info(log, "cli", "hello %d", 1);
    sm_log_debug(log, "cli", "hidden at the default level");
    fflush(f);
    CHECK_EQ_STR(mem, TS " info  cli: hello 1\n");

    /* A sink replaces the file; removing it goes back to the file. */
    capture_t c;
    memset(&c, 0, sizeof c);
    sm_log_set_sink(log, sink, &c);
    sm_log_info(log, "cli", "to sink");
    sm_log_set_sink(log, NULL, NULL);
    sm_log_info(log, "cli", "to file");
    sm_log_set_clock(log, NULL, NULL); /* real clock again */
    sm_log_info(log, "cli", "now");
    fflush(f);
    CHECK_EQ_INT(c.lines, 1);
    const char *two = TS " info  cli: hello 1\n" TS " info  cli: to file\n";
    CHECK(strncmp(mem, two, strlen(two)) == 0);
    CHECK(strstr(mem, "to sink") == NULL);
    CHECK(strstr(mem, "cli: now\n") != NULL);
    CHECK(strstr(mem, "\x1b[") == NULL);
    sm_log_free(log);
    fclose(f);
    free(mem);
    sm_buf_free(&c.text);
}

/* A pseudo-terminal decides colour for real; NO_COLOR turns it off. */
static void test_color_on_tty(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        printf("test_color_on_tty: no pseudo-terminal, skipped\n");
        if (master >= 0)
            close(master);
        return;
    }
    FILE *tty = fopen(ptsname(master), "w");
    CHECK(tty != NULL);
    if (!tty) {
        close(master);
        return;
    }
    sm_log_t *log = NULL;
    sm_error_t e;
    CHECK_OK(sm_log_new(&log, &e), &e);
    sm_log_set_clock(log, fixed_clock, &now);
    unsetenv("NO_COLOR");
    sm_log_set_file(log, tty);
    sm_log_warn(log, "m", "coloured");
    setenv("NO_COLOR", "1", 1);
    sm_log_set_file(log, tty);
    sm_log_warn(log, "m", "plain");
    unsetenv("NO_COLOR");
    char got[512];
    ssize_t n = 0, r;
    /* poll with a timeout: a missing line fails the test instead of hanging. */
    struct pollfd pfd = {.fd = master, .events = POLLIN};
    while (n < (ssize_t)sizeof got - 1 && poll(&pfd, 1, 2000) > 0 &&
           (r = read(master, got + n, sizeof got - 1 - n)) > 0) {
        n += r;
        got[n] = '\0';
        if (strstr(got, "plain"))
            break;
    }
    got[n > 0 ? n : 0] = '\0';
    CHECK(strstr(got, TS " \x1b[33mwarn\x1b[0m  m: coloured") != NULL);
    CHECK(strstr(got, TS " warn  m: plain") != NULL);
    sm_log_free(log);
    fclose(tty);
    close(master);
}

static void test_truncation(void)
{
    capture_t c;
    sm_log_t *log = new_logger(&c, SM_LOG_JSON);
    size_t n = SM_LOG_MSG_MAX + 100;
    char *big = sm_malloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\0';
    /* Put a 2-byte character across the cut: it must not be split. */
    big[SM_LOG_MSG_MAX - 1] = '\xc3';
    big[SM_LOG_MSG_MAX] = '\xa9';
    sm_log_info(log, NULL, "%s", big);
    CHECK(c.lines == 1);
    const char *s = out(&c);
    CHECK(strstr(s, "a...\"}\n") != NULL);
    CHECK(strstr(s, "\\ufffd") == NULL);
    CHECK(c.text.len < SM_LOG_MSG_MAX + 100);
    sm_buf_reset(&c.text);

    sm_log_kv_t kv[SM_LOG_KV_MAX + 5];
    for (size_t i = 0; i < SM_LOG_KV_MAX + 5; i++)
        kv[i] = SM_KV_STR("k", big);
    sm_log_kv(log, SM_LOG_INFO, NULL, kv, SM_LOG_KV_MAX + 5, "many");
    size_t count = 0;
    for (const char *p = out(&c); (p = strstr(p, "\"k\":")); p++)
        count++;
    CHECK_EQ_INT(count, SM_LOG_KV_MAX);
    CHECK(c.text.len < (size_t)SM_LOG_KV_MAX * (SM_LOG_VALUE_MAX + 16) + 200);
    sm_free(big);
    sm_log_free(log);
    sm_buf_free(&c.text);
}

static void test_alloc_failures(void)
{
    sm_log_t *log = NULL;
    sm_error_t e;
    sm_mem_fail_after(1);
    CHECK_EQ_INT(sm_log_new(&log, &e), SM_ERR_NOMEM);
    CHECK(log == NULL);
    sm_mem_fail_after(0);

    capture_t c;
    log = new_logger(&c, SM_LOG_TEXT);
    CHECK_OK(sm_log_add_secret(log, "one", &e), &e);
    for (long k = 1; k <= 3; k++) {
        sm_mem_fail_after(k);
        CHECK_EQ_INT(sm_log_add_secret(log, "two", &e), SM_ERR_NOMEM);
        sm_mem_fail_after(0);
    }
    char *r = sm_log_redact(log, "one two");
    CHECK_EQ_STR(r, "*** two");
    sm_free(r);

    /* Every allocation of one event fails in turn: the event is either
     * written whole or replaced by the "dropped" line, never garbled. */
    sm_log_kv_t kv[] = {SM_KV_STR("uri", "postgresql://u:pw@h/d"), SM_KV_INT("n", 3)};
    sm_mem_fail_after(0);
    sm_log_kv(log, SM_LOG_INFO, "m", kv, 2, "one %s", "x");
    long allocs = sm_mem_fail_after(0);
    CHECK(allocs > 3);
    const char *whole = TS " info  m: *** x uri=postgresql://u:***@h/d n=3\n";
    CHECK_EQ_STR(out(&c), whole);
    for (long k = 1; k <= allocs; k++) {
        sm_buf_reset(&c.text);
        sm_mem_fail_after(k);
        sm_log_kv(log, SM_LOG_INFO, "m", kv, 2, "one %s", "x");
        sm_mem_fail_after(0);
        CHECK_EQ_INT(c.lines, 1 + k);
        const char *got = out(&c);
        /* The sink's own buffer may be what failed: then nothing shows. */
        CHECK(strcmp(got, whole) == 0 ||
              strcmp(got, TS " error log: event dropped (out of "
                             "memory)\n") == 0 ||
              *got == '\0');
    }
    sm_log_free(log);
    sm_buf_free(&c.text);
}

typedef struct worker_arg {
    sm_log_t *log;
    int id;
} worker_arg_t;

#define LINES_PER_THREAD 2000

static void *log_worker(void *p)
{
    worker_arg_t *w = p;
    for (int i = 0; i < LINES_PER_THREAD; i++)
        sm_log(w->log, SM_LOG_INFO, "t", "thread %d line %d %s", w->id, i,
               "padding-padding-padding-padding-padding-padding-padding-padding");
    return NULL;
}

static void test_concurrent(void)
{
    char *mem = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&mem, &size);
    sm_log_t *log = NULL;
    sm_error_t e;
    CHECK_OK(sm_log_new(&log, &e), &e);
    sm_log_set_file(log, f);
    sm_log_set_clock(log, fixed_clock, &now);
    pthread_t th[4];
    worker_arg_t args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (worker_arg_t){log, i};
        pthread_create(&th[i], NULL, log_worker, &args[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    fclose(f);
    int next[4] = {0, 0, 0, 0}, lines = 0, bad = 0;
    char *save = NULL;
    for (char *line = strtok_r(mem, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int id = -1, i = -1, used = 0;
        char pad[80];
        lines++;
        if (sscanf(line, TS " info  t: thread %d line %d %79s%n", &id, &i, pad, &used) != 3 ||
            line[used] != '\0' || id < 0 || id > 3 || i != next[id] || strlen(pad) != 63) {
            bad++;
            continue;
        }
        next[id]++;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(lines, 4 * LINES_PER_THREAD);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(next[i], LINES_PER_THREAD);
    sm_log_free(log);
    free(mem);
}

int main(void)
{
    RUN(test_parse);
    RUN(test_levels);
    RUN(test_text_shape);
    RUN(test_json_shape);
    RUN(test_clock_format);
    RUN(test_redact_registered);
    RUN(test_redact_patterns);
    RUN(test_null_logger);
    RUN(test_file_output);
    RUN(test_color_on_tty);
    RUN(test_truncation);
    RUN(test_alloc_failures);
    RUN(test_concurrent);
    return check_summary();
}
