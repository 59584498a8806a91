/* Unit tests for core/str. */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "core/mem.h"
#include "core/str.h"

#define S(lit) SM_STR_LIT(lit)

static sm_str_t bytes(const char *p, size_t n)
{
    return sm_str_make(p, n);
}

static void test_make_and_eq(void)
{
    sm_str_t empty = {NULL, 0};
    CHECK(sm_str_c(NULL).n == 0);
    CHECK(sm_str_c("abc").n == 3);
    CHECK(S("").n == 0);
    CHECK(sm_str_eq(empty, S("")));
    CHECK(sm_str_eq(S("abc"), sm_str_c("abc")));
    CHECK(!sm_str_eq(S("abc"), S("abd")));
    CHECK(!sm_str_eq(S("abc"), S("ab")));
    CHECK(sm_str_eq(bytes("a\0b", 3), bytes("a\0b", 3)));
    CHECK(!sm_str_eq(bytes("a\0b", 3), bytes("a\0c", 3)));
    CHECK(sm_str_eq_nocase(S("Country"), S("cOUNTRY")));
    CHECK(!sm_str_eq_nocase(S("Country"), S("countr")));
    CHECK(!sm_str_eq_nocase(S("a["), S("A{"))); /* '[' and '{' are not a case pair */
    CHECK(sm_str_eq_nocase(empty, S("")));
    CHECK(sm_str_eq_c(S("x"), "x"));
    CHECK(sm_str_eq_c(empty, NULL));
    CHECK(!sm_str_eq_c(S("x"), NULL));
}

static void test_cmp(void)
{
    sm_str_t empty = {NULL, 0};
    CHECK(sm_str_cmp(S("a"), S("b")) < 0);
    CHECK(sm_str_cmp(S("b"), S("a")) > 0);
    CHECK(sm_str_cmp(S("ab"), S("ab")) == 0);
    CHECK(sm_str_cmp(S("ab"), S("abc")) < 0);
    CHECK(sm_str_cmp(S("abc"), S("ab")) > 0);
    CHECK(sm_str_cmp(empty, S("a")) < 0);
    CHECK(sm_str_cmp(empty, empty) == 0);
    CHECK(sm_str_cmp(S("\xff"), S("a")) > 0); /* bytes compare unsigned */
    CHECK(sm_str_cmp_nocase(S("ABC"), S("abd")) < 0);
    CHECK(sm_str_cmp_nocase(S("abc"), S("ABC")) == 0);
    CHECK(sm_str_cmp_nocase(S("Ab"), S("a")) > 0);
    CHECK(sm_str_cmp_nocase(S("a"), empty) > 0);
}

static void test_prefix_suffix(void)
{
    sm_str_t empty = {NULL, 0};
    CHECK(sm_str_starts_with(S("s3://bucket"), S("s3://")));
    CHECK(!sm_str_starts_with(S("s3:/"), S("s3://")));
    CHECK(sm_str_starts_with(S("x"), empty));
    CHECK(sm_str_starts_with(empty, empty));
    CHECK(!sm_str_starts_with(empty, S("a")));
    CHECK(sm_str_ends_with(S("part-0.parquet"), S(".parquet")));
    CHECK(!sm_str_ends_with(S("parquet"), S(".parquet")));
    CHECK(sm_str_ends_with(S("abc"), empty));
    CHECK(sm_str_starts_with_nocase(S("SELECT 1"), S("select")));
    CHECK(!sm_str_starts_with_nocase(S("SEL"), S("select")));
    CHECK(sm_str_ends_with_nocase(S("FILE.CSV"), S(".csv")));
    CHECK(!sm_str_ends_with_nocase(S("FILE.CSV"), S(".tsv")));
}

static void test_secure_eq(void)
{
    char tok[64];
    memset(tok, 'k', sizeof tok);
    char other[64];
    memcpy(other, tok, sizeof tok);
    CHECK(sm_str_secure_eq(bytes(tok, 64), bytes(other, 64)));
    other[0] = 'x';
    CHECK(!sm_str_secure_eq(bytes(tok, 64), bytes(other, 64)));
    other[0] = 'k';
    other[63] = 'x';
    CHECK(!sm_str_secure_eq(bytes(tok, 64), bytes(other, 64)));
    CHECK(!sm_str_secure_eq(bytes(tok, 63), bytes(tok, 64)));
    CHECK(sm_str_secure_eq(S(""), (sm_str_t){NULL, 0}));
    CHECK(sm_str_secure_memeq("abc", "abc", 3));
    CHECK(!sm_str_secure_memeq("abc", "abd", 3));
    CHECK(sm_str_secure_memeq(NULL, NULL, 0));
}

static void test_sub_trim_find(void)
{
    sm_str_t s = S("hello");
    CHECK(sm_str_eq(sm_str_sub(s, 1, 3), S("ell")));
    CHECK(sm_str_eq(sm_str_sub(s, 3, 100), S("lo")));
    CHECK(sm_str_eq(sm_str_sub(s, 3, SIZE_MAX), S("lo")));
    CHECK(sm_str_sub(s, 5, 1).n == 0);
    CHECK(sm_str_sub(s, SIZE_MAX, SIZE_MAX).n == 0);
    CHECK(sm_str_sub((sm_str_t){NULL, 0}, 0, 5).n == 0);

    CHECK(sm_str_eq(sm_str_trim(S(" \t\r\n\v\fa b \n")), S("a b")));
    CHECK(sm_str_eq(sm_str_trim_left(S("  a ")), S("a ")));
    CHECK(sm_str_eq(sm_str_trim_right(S("  a ")), S("  a")));
    CHECK(sm_str_trim(S("   ")).n == 0);
    CHECK(sm_str_trim(S("")).n == 0);
    CHECK(sm_str_trim((sm_str_t){NULL, 0}).n == 0);
    CHECK(sm_str_eq(sm_str_trim(S("\xc2\xa0x")), S("\xc2\xa0x"))); /* NBSP is not ASCII space */

    CHECK_EQ_INT(sm_str_find_byte(S("a,b"), ','), 1);
    CHECK(sm_str_find_byte(S("ab"), ',') == SIZE_MAX);
    CHECK(sm_str_find_byte((sm_str_t){NULL, 0}, ',') == SIZE_MAX);
    CHECK_EQ_INT(sm_str_find_byte(bytes("a\0b", 3), '\0'), 1);
}

/* Splits with the iterator and joins the fields with '|' for comparison. */
static void split_join(sm_str_t s, char sep, char *out, size_t *nfields)
{
    sm_str_splitter_t it = sm_str_splitter(s, sep);
    sm_str_t f;
    size_t k = 0, o = 0;
    while (sm_str_split_next(&it, &f)) {
        if (k++)
            out[o++] = '|';
        if (f.n)
            memcpy(out + o, f.p, f.n);
        o += f.n;
    }
    out[o] = '\0';
    *nfields = k;
    CHECK(!sm_str_split_next(&it, &f)); /* stays exhausted */
}

static void test_split_iter(void)
{
    char out[64];
    size_t n;
    split_join(S("a,b,c"), ',', out, &n);
    CHECK_EQ_STR(out, "a|b|c");
    CHECK_EQ_INT(n, 3);
    split_join(S("a,,b"), ',', out, &n);
    CHECK_EQ_STR(out, "a||b");
    CHECK_EQ_INT(n, 3);
    split_join(S("a,"), ',', out, &n);
    CHECK_EQ_STR(out, "a|");
    CHECK_EQ_INT(n, 2);
    split_join(S(",a"), ',', out, &n);
    CHECK_EQ_STR(out, "|a");
    CHECK_EQ_INT(n, 2);
    split_join(S(""), ',', out, &n);
    CHECK_EQ_STR(out, "");
    CHECK_EQ_INT(n, 1);
    split_join((sm_str_t){NULL, 0}, ',', out, &n);
    CHECK_EQ_INT(n, 1);
    split_join(S(","), ',', out, &n);
    CHECK_EQ_STR(out, "|");
    CHECK_EQ_INT(n, 2);
    split_join(S("abc"), ',', out, &n);
    CHECK_EQ_STR(out, "abc");
    CHECK_EQ_INT(n, 1);
    split_join(bytes("x\0y", 3), '\0', out, &n);
    CHECK_EQ_STR(out, "x|y");
}

static void test_split_arrays(void)
{
    sm_error_t e;
    sm_str_t f[3];
    size_t n = 99;
    CHECK_OK(sm_str_split(S("a.b.c"), '.', f, 3, &n, &e), &e);
    CHECK_EQ_INT(n, 3);
    CHECK(sm_str_eq(f[0], S("a")) && sm_str_eq(f[1], S("b")) && sm_str_eq(f[2], S("c")));
    CHECK_EQ_INT(sm_str_split(S("a.b.c.d"), '.', f, 3, &n, &e), SM_ERR_LIMIT);
    CHECK_EQ_INT(e.code, SM_ERR_LIMIT);
    CHECK_EQ_INT(n, 3);
    CHECK(strstr(e.msg, "more than 3 fields") != NULL);
    CHECK_EQ_INT(sm_str_split(S("a"), '.', f, 0, &n, NULL), SM_ERR_LIMIT);
    CHECK_EQ_INT(n, 0);

    sm_str_t *all = NULL;
    CHECK_OK(sm_str_split_alloc(S("x,,y,"), ',', &all, &n, &e), &e);
    CHECK_EQ_INT(n, 4);
    CHECK(sm_str_eq(all[0], S("x")) && all[1].n == 0 && sm_str_eq(all[2], S("y")) && all[3].n == 0);
    sm_free(all);
    CHECK_OK(sm_str_split_alloc(S(""), ',', &all, &n, &e), &e);
    CHECK_EQ_INT(n, 1);
    sm_free(all);

    sm_mem_fail_after(1);
    CHECK_EQ_INT(sm_str_split_alloc(S("a,b"), ',', &all, &n, &e), SM_ERR_NOMEM);
    sm_mem_fail_after(0);
    CHECK(all == NULL);
    CHECK_EQ_INT(n, 0);
}

static void test_dup_case(void)
{
    char *d = sm_str_dup(S("MiXeD 123 \xc3\x89"));
    CHECK(d != NULL);
    sm_str_lower(d, strlen(d));
    CHECK_EQ_STR(d, "mixed 123 \xc3\x89"); /* UTF-8 bytes untouched */
    sm_str_upper(d, strlen(d));
    CHECK_EQ_STR(d, "MIXED 123 \xc3\x89");
    sm_free(d);
    d = sm_str_dup((sm_str_t){NULL, 0});
    CHECK(d != NULL && d[0] == '\0');
    sm_free(d);
    d = sm_str_dup(bytes("ab", 1));
    CHECK_EQ_STR(d, "a");
    sm_free(d);
    sm_mem_fail_after(1);
    CHECK(sm_str_dup(S("x")) == NULL);
    sm_mem_fail_after(0);
    CHECK_EQ_INT(sm_str_tolower_ascii('Z'), 'z');
    CHECK_EQ_INT(sm_str_tolower_ascii('@'), '@');
    CHECK_EQ_INT(sm_str_toupper_ascii('a'), 'A');
    CHECK_EQ_INT(sm_str_toupper_ascii('{'), '{');
    CHECK(sm_str_isspace_ascii(' ') && sm_str_isspace_ascii('\r') && !sm_str_isspace_ascii('x'));
    CHECK(!sm_str_isspace_ascii(0xa0));
}

/* ---- UTF-8 ---- */

static void check_decode(const char *p, size_t n, int32_t want, size_t want_len, int line)
{
    size_t len = 99;
    int32_t cp = sm_str_utf8_decode(p, n, &len);
    if (cp != want || len != want_len)
        fprintf(stderr, "line %d: decode got %d/%zu, want %d/%zu\n", line, cp, len, want, want_len);
    CHECK(cp == want && len == want_len);
}
#define DECODE(lit, want, len) check_decode(lit, sizeof(lit) - 1, want, len, __LINE__)

static void test_utf8_decode(void)
{
    size_t len;
    CHECK(sm_str_utf8_decode("", 0, &len) == -1 && len == 0);
    DECODE("A", 'A', 1);
    DECODE("\x00", 0, 1);
    DECODE("\x7f", 0x7f, 1);
    DECODE("\xc2\x80", 0x80, 2);
    DECODE("\xdf\xbf", 0x7ff, 2);
    DECODE("\xe0\xa0\x80", 0x800, 3);
    DECODE("\xe2\x82\xac", 0x20ac, 3); /* euro sign */
    DECODE("\xed\x9f\xbf", 0xd7ff, 3); /* last before surrogates */
    DECODE("\xee\x80\x80", 0xe000, 3); /* first after surrogates */
    DECODE("\xef\xbf\xbf", 0xffff, 3);
    DECODE("\xf0\x90\x80\x80", 0x10000, 4);
    DECODE("\xf0\x9f\x98\x80", 0x1f600, 4); /* emoji, 4 bytes */
    DECODE("\xf4\x8f\xbf\xbf", 0x10ffff, 4);
    /* invalid: stray continuation, bad lead bytes */
    DECODE("\x80", -1, 1);
    DECODE("\xbf", -1, 1);
    DECODE("\xc0\x80", -1, 1); /* overlong NUL */
    DECODE("\xc1\xbf", -1, 1); /* overlong */
    DECODE("\xf5\x80\x80\x80", -1, 1);
    DECODE("\xff", -1, 1);
    /* overlong 3- and 4-byte forms */
    DECODE("\xe0\x80\x80", -1, 1);
    DECODE("\xe0\x9f\xbf", -1, 1);
    DECODE("\xf0\x80\x80\x80", -1, 1);
    DECODE("\xf0\x8f\xbf\xbf", -1, 1);
    /* surrogates U+D800..U+DFFF */
    DECODE("\xed\xa0\x80", -1, 1);
    DECODE("\xed\xbf\xbf", -1, 1);
    /* above U+10FFFF */
    DECODE("\xf4\x90\x80\x80", -1, 1);
    /* truncated sequences skip their valid prefix */
    DECODE("\xc2", -1, 1);
    DECODE("\xe2\x82", -1, 2);
    DECODE("\xf0\x9f\x98", -1, 3);
    DECODE("\xe2\x82"
           "A",
           -1, 2);
    DECODE("\xf0\x9f"
           "AB",
           -1, 2);
}

static void check_bad_at(sm_str_t s, size_t want, int line)
{
    size_t at = 12345;
    bool ok = sm_str_utf8_valid(s, &at);
    if (ok || at != want)
        fprintf(stderr, "line %d: utf8_valid ok=%d at=%zu, want bad at %zu\n", line, ok, at, want);
    CHECK(!ok && at == want);
}
#define BAD_AT(lit, want) check_bad_at(S(lit), want, __LINE__)

static void test_utf8_valid(void)
{
    CHECK(sm_str_utf8_valid(S(""), NULL));
    CHECK(sm_str_utf8_valid((sm_str_t){NULL, 0}, NULL));
    CHECK(sm_str_utf8_valid(S("plain ascii"), NULL));
    CHECK(sm_str_utf8_valid(S("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"), NULL));
    CHECK(sm_str_utf8_valid(bytes("a\0b", 3), NULL)); /* NUL is valid UTF-8 */
    BAD_AT("\xff", 0);
    BAD_AT("abc\x80", 3);
    BAD_AT("ab\xc3", 2);                     /* truncated at the end */
    BAD_AT("\xc3\xa9\xc3(", 2);              /* bad continuation in the middle */
    BAD_AT("ok\xe2\x82\xac\xed\xa0\x80", 5); /* surrogate after a valid euro */
    BAD_AT("\xc0\xaf", 0);                   /* overlong '/' */
    BAD_AT("xx\xf0\x80\x80\xaf", 2);         /* 4-byte overlong */
    BAD_AT("\xf4\x90\x80\x80", 0);
    BAD_AT("\xf0\x9f\x98\x80\xf0\x9f\x98", 4);

    sm_error_t e;
    CHECK_OK(sm_str_utf8_check(S("fine"), "column name", &e), &e);
    CHECK_EQ_INT(sm_str_utf8_check(S("ab\xfe"), "column name", &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "column name: invalid UTF-8 at byte 2 (0xfe)");
    CHECK_EQ_INT(sm_str_utf8_check(S("\x80"), NULL, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "invalid UTF-8 at byte 0 (0x80)");
    CHECK_EQ_INT(sm_str_utf8_check(S("\x80"), NULL, NULL), SM_ERR_PARSE);
}

static void test_utf8_width(void)
{
    CHECK_EQ_INT(sm_str_codepoint_width('a'), 1);
    CHECK_EQ_INT(sm_str_codepoint_width(0), 0);
    CHECK_EQ_INT(sm_str_codepoint_width('\n'), 0);
    CHECK_EQ_INT(sm_str_codepoint_width(0x7f), 0);
    CHECK_EQ_INT(sm_str_codepoint_width(0x85), 0);
    CHECK_EQ_INT(sm_str_codepoint_width(0xe9), 1);    /* é */
    CHECK_EQ_INT(sm_str_codepoint_width(0x301), 0);   /* combining acute */
    CHECK_EQ_INT(sm_str_codepoint_width(0x200b), 0);  /* zero width space */
    CHECK_EQ_INT(sm_str_codepoint_width(0x65e5), 2);  /* 日 */
    CHECK_EQ_INT(sm_str_codepoint_width(0xac00), 2);  /* 가 */
    CHECK_EQ_INT(sm_str_codepoint_width(0xff21), 2);  /* fullwidth A */
    CHECK_EQ_INT(sm_str_codepoint_width(0x1f600), 2); /* 😀 */
    CHECK_EQ_INT(sm_str_codepoint_width(0x20000), 2); /* CJK ext B */
    CHECK_EQ_INT(sm_str_codepoint_width(0x0410), 1);  /* Cyrillic А */
    CHECK_EQ_INT(sm_str_codepoint_width(0xe0100), 0); /* variation selector 17 */
    CHECK_EQ_INT(sm_str_codepoint_width(0x10ffff), 1);

    CHECK_EQ_INT(sm_str_utf8_width(S("")), 0);
    CHECK_EQ_INT(sm_str_utf8_width(S("hello")), 5);
    CHECK_EQ_INT(sm_str_utf8_width(S("caf\xc3\xa9")), 4);
    CHECK_EQ_INT(sm_str_utf8_width(S("cafe\xcc\x81")), 4); /* e + combining acute */
    CHECK_EQ_INT(sm_str_utf8_width(S("\xe6\x97\xa5\xe6\x9c\xac")), 4);
    CHECK_EQ_INT(sm_str_utf8_width(S("a\xf0\x9f\x98\x80")), 3);
    CHECK_EQ_INT(sm_str_utf8_width(S("a\tb")), 2);
    CHECK_EQ_INT(sm_str_utf8_width(S("\xff\xfe")), 2); /* two bad bytes */
    CHECK_EQ_INT(sm_str_utf8_width(S("\xe2\x82"
                                     "x")),
                 2); /* truncated seq + x */

    sm_str_t jp = S("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"); /* 日本語, width 6 */
    CHECK_EQ_INT(sm_str_utf8_prefix_for_width(jp, 6), 9);
    CHECK_EQ_INT(sm_str_utf8_prefix_for_width(jp, 5), 6); /* never half a wide char */
    CHECK_EQ_INT(sm_str_utf8_prefix_for_width(jp, 1), 0);
    CHECK_EQ_INT(sm_str_utf8_prefix_for_width(jp, 0), 0);
    CHECK_EQ_INT(sm_str_utf8_prefix_for_width(S("cafe\xcc\x81!"), 4), 6); /* keeps the mark */
    CHECK_EQ_INT(sm_str_utf8_prefix_for_width(S("abc"), 100), 3);
    CHECK_EQ_INT(sm_str_utf8_prefix_for_width(S(""), 3), 0);
}

/* ---- numbers ---- */

static void test_to_i64(void)
{
    sm_error_t e;
    int64_t v = 0;
    CHECK_OK(sm_str_to_i64(S("0"), &v, &e), &e);
    CHECK_EQ_INT(v, 0);
    CHECK_OK(sm_str_to_i64(S("-0"), &v, &e), &e);
    CHECK_EQ_INT(v, 0);
    CHECK_OK(sm_str_to_i64(S("+42"), &v, &e), &e);
    CHECK_EQ_INT(v, 42);
    CHECK_OK(sm_str_to_i64(S("-17"), &v, &e), &e);
    CHECK_EQ_INT(v, -17);
    CHECK_OK(sm_str_to_i64(S("007"), &v, &e), &e);
    CHECK_EQ_INT(v, 7);
    CHECK_OK(sm_str_to_i64(S("9223372036854775807"), &v, &e), &e);
    CHECK(v == INT64_MAX);
    CHECK_OK(sm_str_to_i64(S("-9223372036854775808"), &v, &e), &e);
    CHECK(v == INT64_MIN);
    CHECK_OK(sm_str_to_i64(S("00000000000000000000000000009223372036854775807"), &v, &e), &e);
    CHECK(v == INT64_MAX);

    v = 5;
    CHECK_EQ_INT(sm_str_to_i64(S("9223372036854775808"), &v, &e), SM_ERR_OVERFLOW);
    CHECK_EQ_STR(e.msg, "integer \"9223372036854775808\" is out of range for a 64-bit integer");
    CHECK_EQ_INT(v, 5); /* untouched on failure */
    CHECK_EQ_INT(sm_str_to_i64(S("-9223372036854775809"), &v, &e), SM_ERR_OVERFLOW);
    CHECK_EQ_INT(sm_str_to_i64(S("99999999999999999999"), &v, &e), SM_ERR_OVERFLOW);
    CHECK_EQ_INT(sm_str_to_i64(S("18446744073709551616"), &v, &e), SM_ERR_OVERFLOW);

    CHECK_EQ_INT(sm_str_to_i64(S(""), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "invalid integer: empty string");
    CHECK_EQ_INT(sm_str_to_i64((sm_str_t){NULL, 0}, &v, NULL), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_i64(S("-"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "invalid integer \"-\": no digits");
    CHECK_EQ_INT(sm_str_to_i64(S("+"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_i64(S("12x"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "invalid integer \"12x\": unexpected 'x' at offset 2");
    CHECK_EQ_INT(sm_str_to_i64(S(" 12"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "invalid integer \" 12\": unexpected ' ' at offset 0");
    CHECK_EQ_INT(sm_str_to_i64(S("12 "), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_i64(S("1_000"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_i64(S("--1"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_i64(S("0x10"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_i64(S("1.0"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_i64(bytes("1\0", 2), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "invalid integer \"1\\x00\": unexpected byte 0x00 at offset 1");
    /* garbage wins over overflow: the message points at the bad byte */
    CHECK_EQ_INT(sm_str_to_i64(S("99999999999999999999z"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(v, 5);
    /* long input is quoted with an ellipsis */
    char longbuf[100];
    memset(longbuf, '1', sizeof longbuf);
    longbuf[99] = 'x';
    CHECK_EQ_INT(sm_str_to_i64(bytes(longbuf, 100), &v, &e), SM_ERR_PARSE);
    CHECK(strstr(e.msg, "1111...\": unexpected 'x' at offset 99") != NULL);
}

static void test_to_u64(void)
{
    sm_error_t e;
    uint64_t v = 0;
    CHECK_OK(sm_str_to_u64(S("18446744073709551615"), &v, &e), &e);
    CHECK(v == UINT64_MAX);
    CHECK_OK(sm_str_to_u64(S("+0"), &v, &e), &e);
    CHECK(v == 0);
    CHECK_OK(sm_str_to_u64(S("9223372036854775808"), &v, &e), &e);
    CHECK(v == (uint64_t)INT64_MAX + 1);
    v = 7;
    CHECK_EQ_INT(sm_str_to_u64(S("18446744073709551616"), &v, &e), SM_ERR_OVERFLOW);
    CHECK(strstr(e.msg, "out of range for an unsigned 64-bit integer") != NULL);
    CHECK_EQ_INT(sm_str_to_u64(S("-1"), &v, &e), SM_ERR_PARSE);
    CHECK(strstr(e.msg, "minus sign") != NULL);
    CHECK_EQ_INT(sm_str_to_u64(S("-0"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_u64(S(""), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_u64(S("+"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_u64(S("1e3"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_u64(S("\t1"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "invalid unsigned integer \"\\x091\": unexpected byte 0x09 at offset 0");
    CHECK(v == 7);
}

static void test_to_double(void)
{
    sm_error_t e;
    double v = 0;
    CHECK_OK(sm_str_to_double(S("1.5"), &v, &e), &e);
    CHECK(v == 1.5);
    CHECK_OK(sm_str_to_double(S("-0.25e2"), &v, &e), &e);
    CHECK(v == -25.0);
    CHECK_OK(sm_str_to_double(S("1."), &v, &e), &e);
    CHECK(v == 1.0);
    CHECK_OK(sm_str_to_double(S(".5"), &v, &e), &e);
    CHECK(v == 0.5);
    CHECK_OK(sm_str_to_double(S("+3E+2"), &v, &e), &e);
    CHECK(v == 300.0);
    CHECK_OK(sm_str_to_double(S("42"), &v, &e), &e);
    CHECK(v == 42.0);
    CHECK_OK(sm_str_to_double(S("-0"), &v, &e), &e);
    CHECK(v == 0.0 && signbit(v));
    CHECK_OK(sm_str_to_double(S("1e-400"), &v, &e), &e); /* underflow rounds to 0 */
    CHECK(v == 0.0);
    CHECK_OK(sm_str_to_double(S("4.9e-324"), &v, &e), &e); /* smallest denormal */
    CHECK(v > 0.0);
    CHECK_OK(sm_str_to_double(S("1.7976931348623157e308"), &v, &e), &e);
    CHECK(isfinite(v));
    CHECK_OK(sm_str_to_double(S("Infinity"), &v, &e), &e);
    CHECK(isinf(v) && v > 0);
    CHECK_OK(sm_str_to_double(S("-inf"), &v, &e), &e);
    CHECK(isinf(v) && v < 0);
    CHECK_OK(sm_str_to_double(S("NaN"), &v, &e), &e);
    CHECK(isnan(v));
    CHECK_OK(sm_str_to_double(S("0.1"), &v, &e), &e);
    CHECK(v == 0.1); /* correctly rounded */

    v = 9.0;
    CHECK_EQ_INT(sm_str_to_double(S("1e400"), &v, &e), SM_ERR_OVERFLOW);
    CHECK_EQ_STR(e.msg, "number \"1e400\" is out of range for a double");
    CHECK_EQ_INT(sm_str_to_double(S("-1e400"), &v, &e), SM_ERR_OVERFLOW);
    CHECK_EQ_INT(sm_str_to_double(S(""), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_double(S("."), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_double(S("-"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_double(S("e5"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_double(S("1e"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "invalid number \"1e\": exponent has no digits");
    CHECK_EQ_INT(sm_str_to_double(S("1e+"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_double(S("1.5x"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "invalid number \"1.5x\": unexpected 'x' at offset 3");
    CHECK_EQ_INT(sm_str_to_double(S(" 1"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_double(S("1 "), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_double(S("0x1p3"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_double(S("nan(123)"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_double(S("infinit"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_double(S("1,5"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_double(S("1.2.3"), &v, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_double(S("--1"), &v, &e), SM_ERR_PARSE);
    CHECK(v == 9.0);

    /* a digit string not NUL-terminated where the next byte is a digit */
    const char *more = "123456";
    CHECK_OK(sm_str_to_double(bytes(more, 3), &v, &e), &e);
    CHECK(v == 123.0);
    /* long numbers: fine up to the limit, SM_ERR_LIMIT above */
    static char big[5000];
    memset(big, '0', sizeof big);
    big[0] = '1';
    big[1] = '.';
    CHECK_OK(sm_str_to_double(bytes(big, 4096), &v, &e), &e);
    CHECK(v == 1.0);
    CHECK_EQ_INT(sm_str_to_double(bytes(big, 4097), &v, &e), SM_ERR_LIMIT);
}

static void test_to_bool(void)
{
    sm_error_t e;
    const char *yes[] = {"true", "TRUE", "True", "yes", "Y", "on", "ON", "1", "t"};
    const char *no[] = {"false", "FALSE", "no", "N", "off", "Off", "0", "f"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        bool b = false;
        CHECK_OK(sm_str_to_bool(sm_str_c(yes[i]), &b, &e), &e);
        CHECK(b);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        bool b = true;
        CHECK_OK(sm_str_to_bool(sm_str_c(no[i]), &b, &e), &e);
        CHECK(!b);
    }
    bool b = true;
    CHECK_EQ_INT(sm_str_to_bool(S("tru"), &b, &e), SM_ERR_PARSE);
    CHECK_EQ_STR(e.msg, "invalid boolean \"tru\" (expected true/false, yes/no, on/off or 1/0)");
    CHECK_EQ_INT(sm_str_to_bool(S(""), &b, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_bool(S(" true"), &b, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_bool(S("2"), &b, &e), SM_ERR_PARSE);
    CHECK_EQ_INT(sm_str_to_bool(S("truex"), &b, NULL), SM_ERR_PARSE);
    CHECK(b);
}

/* ---- edit distance ---- */

static void test_edit_distance(void)
{
    CHECK_EQ_INT(sm_str_edit_distance(S(""), S(""), 10), 0);
    CHECK_EQ_INT(sm_str_edit_distance(S("abc"), S(""), 10), 3);
    CHECK_EQ_INT(sm_str_edit_distance(S(""), S("abc"), 10), 3);
    CHECK_EQ_INT(sm_str_edit_distance(S("kitten"), S("sitting"), 10), 3);
    CHECK_EQ_INT(sm_str_edit_distance(S("flaw"), S("lawn"), 10), 2);
    CHECK_EQ_INT(sm_str_edit_distance(S("contry"), S("country"), 10), 1);
    CHECK_EQ_INT(sm_str_edit_distance(S("teh"), S("the"), 10), 1); /* transposition */
    CHECK_EQ_INT(sm_str_edit_distance(S("ca"), S("abc"), 10), 3);  /* OSA, not full Damerau */
    CHECK_EQ_INT(sm_str_edit_distance(S("same"), S("same"), 0), 0);
    CHECK_EQ_INT(sm_str_edit_distance(S("ABC"), S("abc"), 10), 3);
    CHECK_EQ_INT(sm_str_edit_distance_nocase(S("ABC"), S("abc"), 10), 0);
    CHECK_EQ_INT(sm_str_edit_distance_nocase(S("Teh"), S("tHE"), 10), 1);
    /* the cap: beyond it the answer is cap + 1 */
    CHECK_EQ_INT(sm_str_edit_distance(S("kitten"), S("sitting"), 2), 3);
    CHECK_EQ_INT(sm_str_edit_distance(S("kitten"), S("sitting"), 1), 2);
    CHECK_EQ_INT(sm_str_edit_distance(S("abcdef"), S("uvwxyz"), 0), 1);
    CHECK_EQ_INT(sm_str_edit_distance(S("a"), S("abcdefgh"), 3), 4); /* length gap */
    CHECK(sm_str_edit_distance(S("abc"), S("xyz"), SIZE_MAX) == 3);
    /* symmetric */
    CHECK_EQ_INT(sm_str_edit_distance(S("sitting"), S("kitten"), 10), 3);
    /* long strings */
    static char a[300], b[300];
    memset(a, 'a', sizeof a);
    memcpy(b, a, sizeof b);
    b[100] = 'b';
    CHECK_EQ_INT(sm_str_edit_distance(bytes(a, 256), bytes(b, 256), 5), 1);
    CHECK_EQ_INT(sm_str_edit_distance(bytes(a, 257), bytes(a, 257), 5), 6); /* over the max */
}

static void test_did_you_mean(void)
{
    const char *cols[] = {"customer_id", "country", "city", NULL, "order_date"};
    CHECK_EQ_STR(sm_str_did_you_mean(S("contry"), cols, 5), "country");
    CHECK_EQ_STR(sm_str_did_you_mean(S("COUNTRY"), cols, 5), "country");
    CHECK_EQ_STR(sm_str_did_you_mean(S("citi"), cols, 5), "city");
    CHECK_EQ_STR(sm_str_did_you_mean(S("custmer_di"), cols, 5), "customer_id");
    CHECK_EQ_STR(sm_str_did_you_mean(S("order_dtae"), cols, 5), "order_date");
    CHECK(sm_str_did_you_mean(S("price"), cols, 5) == NULL);
    CHECK(sm_str_did_you_mean(S("x"), cols, 5) == NULL);
    CHECK(sm_str_did_you_mean(S("contry"), cols, 0) == NULL);
    CHECK(sm_str_did_you_mean(S("contry"), NULL, 0) == NULL);
    /* short words still allow one edit */
    const char *kw[] = {"id", "on"};
    CHECK_EQ_STR(sm_str_did_you_mean(S("ix"), kw, 2), "id");
    CHECK(sm_str_did_you_mean(S("xy"), kw, 2) == NULL);
    /* len / 3: a 9-letter word allows 3 edits, not 4 */
    const char *w[] = {"abcdefghi"};
    CHECK_EQ_STR(sm_str_did_you_mean(S("abcdefxxx"), w, 1), "abcdefghi");
    CHECK(sm_str_did_you_mean(S("abcdexxxx"), w, 1) == NULL);
    /* ties go to the first candidate; a closer later one wins */
    const char *t[] = {"cat", "car", "cab"};
    CHECK_EQ_STR(sm_str_did_you_mean(S("cay"), t, 3), "cat");
    const char *t2[] = {"cars", "cat"};
    CHECK_EQ_STR(sm_str_did_you_mean(S("cat"), t2, 2), "cat");

    sm_str_t cands[] = {S("alpha"), S("beta"), S("gamma")};
    CHECK_EQ_INT(sm_str_closest(S("bta"), cands, 3), 1);
    CHECK(sm_str_closest(S("zzzzz"), cands, 3) == SIZE_MAX);
    CHECK(sm_str_closest(S("alpha"), cands, 0) == SIZE_MAX);
}

int main(void)
{
    RUN(test_make_and_eq);
    RUN(test_cmp);
    RUN(test_prefix_suffix);
    RUN(test_secure_eq);
    RUN(test_sub_trim_find);
    RUN(test_split_iter);
    RUN(test_split_arrays);
    RUN(test_dup_case);
    RUN(test_utf8_decode);
    RUN(test_utf8_valid);
    RUN(test_utf8_width);
    RUN(test_to_i64);
    RUN(test_to_u64);
    RUN(test_to_double);
    RUN(test_to_bool);
    RUN(test_edit_distance);
    RUN(test_did_you_mean);
    return check_summary();
}
