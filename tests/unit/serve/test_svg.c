/* Unit tests for serve/svg: well-formed charts, values and labels,
 * zero/one/many items, negatives, huge numbers, long and hostile labels,
 * empty data, allocation failures. */
#include <math.h>

#include "check.h"
#include "core/mem.h"
#include "serve/svg.h"
#include "xmlcheck.h"

typedef sm_err_t (*chart_fn)(sm_buf_t *, const sm_svg_chart_t *, sm_error_t *);
static const chart_fn FNS[] = {sm_svg_hbar, sm_svg_vbar, sm_svg_donut};

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static char *render(chart_fn fn, const char *const *labels, const double *values, size_t n)
{
    sm_buf_t b = SM_BUF_INIT;
    sm_error_t e;
    sm_svg_chart_t c = {.title = "T <&>", .labels = labels, .values = values, .n = n};
    CHECK_OK(fn(&b, &c, &e), &e);
    const char *why = xml_check((const char *)b.data, b.len);
    if (why)
        fprintf(stderr, "not well-formed (%s):\n%s\n", why, (char *)b.data);
    CHECK(why == NULL);
    return (char *)sm_buf_detach(&b, NULL);
}

static void test_empty(void)
{
    for (size_t f = 0; f < 3; f++) {
        char *s = render(FNS[f], NULL, NULL, 0);
        CHECK(strstr(s, "class=\"chart empty\"") != NULL);
        CHECK(strstr(s, ">No data<") != NULL);
        CHECK_EQ_INT(count(s, "class=\"bar"), 0);
        sm_free(s);
    }
    sm_buf_t b = SM_BUF_INIT;
    sm_svg_chart_t c = {.title = "Live", .n = 0, .empty_msg = "Waiting for <live> data"};
    CHECK_OK(sm_svg_vbar(&b, &c, NULL), (&(sm_error_t){0}));
    CHECK(strstr((char *)b.data, "Waiting for &lt;live&gt; data") != NULL);
    CHECK(xml_check((char *)b.data, b.len) == NULL);
    sm_buf_free(&b);
}

static void test_one_and_many(void)
{
    const char *one[] = {"FRANCE"};
    double v1[] = {1234.5};
    for (size_t f = 0; f < 2; f++) {
        char *s = render(FNS[f], one, v1, 1);
        CHECK_EQ_INT(count(s, "<rect class=\"bar\""), 1);
        CHECK(strstr(s, ">FRANCE<") != NULL);
        CHECK(strstr(s, ">1.23k<") != NULL);                  /* value label */
        CHECK(strstr(s, "FRANCE: 1,234.50</title>") != NULL); /* tooltip */
        CHECK(strstr(s, "viewBox=\"0 0 ") != NULL);
        CHECK(strstr(s, "preserveAspectRatio=\"xMidYMid meet\"") != NULL);
        CHECK(strstr(s, "<title>T &lt;&amp;&gt;</title>") != NULL);
        sm_free(s);
    }
    char *s = render(sm_svg_donut, one, v1, 1); /* a whole ring */
    CHECK_EQ_INT(count(s, "<path class=\"slice"), 1);
    CHECK(strstr(s, ">100.0%<") != NULL);
    sm_free(s);

    const char *labels[60];
    double values[60];
    char names[60][16];
    for (int i = 0; i < 60; i++) {
        snprintf(names[i], sizeof names[i], "item%d", i);
        labels[i] = names[i];
        values[i] = (double)(i + 1) * 10;
    }
    for (size_t f = 0; f < 2; f++) {
        s = render(FNS[f], labels, values, 12);
        CHECK_EQ_INT(count(s, "<rect class=\"bar\""), 12);
        CHECK(strstr(s, "data-items=\"12\"") != NULL);
        sm_free(s);
        s = render(FNS[f], labels, values, 60); /* capped */
        CHECK_EQ_INT(count(s, "<rect class=\"bar\""), SM_SVG_MAX_ITEMS);
        sm_free(s);
    }
    /* donut: 7 largest + Other, percentages sum to ~100 */
    s = render(sm_svg_donut, labels, values, 10);
    CHECK_EQ_INT(count(s, "<path class=\"slice"), 8);
    CHECK(strstr(s, ">Other<") != NULL);
    CHECK(strstr(s, ">item9<") != NULL); /* the largest is kept */
    CHECK(strstr(s, ">item0<") == NULL); /* the smallest went to Other */
    sm_free(s);
    const char *seg[] = {"VIP", "Standard"};
    double segv[] = {40, 49};
    s = render(sm_svg_donut, seg, segv, 2);
    CHECK(strstr(s, ">44.9%<") != NULL);
    CHECK(strstr(s, ">55.1%<") != NULL);
    sm_free(s);
}

static void test_negative_and_huge(void)
{
    const char *l[] = {"up", "down", "zero"};
    double v[] = {50, -30, 0};
    for (size_t f = 0; f < 2; f++) {
        char *s = render(FNS[f], l, v, 3);
        CHECK_EQ_INT(count(s, "<rect class=\"bar"), 3);
        CHECK_EQ_INT(count(s, "<rect class=\"bar neg\""), 1);
        CHECK(strstr(s, ">-30<") != NULL);
        CHECK(strstr(s, "width=\"-") == NULL && strstr(s, "height=\"-") == NULL);
        CHECK(strstr(s, "nan") == NULL && strstr(s, "inf") == NULL);
        sm_free(s);
    }
    /* all negative: donut has nothing to show */
    double neg[] = {-1, -2, -3};
    char *s = render(sm_svg_donut, l, neg, 3);
    CHECK(strstr(s, "No positive values") != NULL);
    sm_free(s);
    double huge[] = {1e300, -1e300, NAN};
    for (size_t f = 0; f < 3; f++) {
        s = render(FNS[f], l, huge, 3);
        CHECK(strstr(s, "nan") == NULL && strstr(s, "inf") == NULL);
        sm_free(s);
    }
    s = render(sm_svg_hbar, l, huge, 3);
    CHECK(strstr(s, ">n/a<") != NULL);
    sm_free(s);
    double big[] = {9.87e12, 1.5e15, 3};
    s = render(sm_svg_vbar, l, big, 3);
    CHECK(strstr(s, ">9.87T<") != NULL);
    sm_free(s);
    double zeros[] = {0, 0, 0};
    s = render(sm_svg_hbar, l, zeros, 3);
    CHECK_EQ_INT(count(s, "<rect class=\"bar\""), 3);
    sm_free(s);
}

static void test_labels(void)
{
    const char *l[] = {"A very long category name that cannot possibly fit in the room",
                       "<script>alert('x')</script>&amp;", "\x01\xff\xfe bad bytes", NULL,
                       "日本語のとても長いカテゴリー名前です本当に長い"};
    double v[] = {1, 2, 3, 4, 5};
    for (size_t f = 0; f < 3; f++) {
        char *s = render(FNS[f], l, v, 5);
        /* the long label is cut with an ellipsis and keeps a full <title> */
        CHECK(strstr(s, "<title>A very long category name that cannot possibly fit in the "
                        "room</title>") != NULL);
        CHECK(strstr(s, "\xE2\x80\xA6</text>") != NULL);
        CHECK(strstr(s, "<script") == NULL);
        CHECK(strstr(s, "&lt;script&gt;") != NULL);
        CHECK(strstr(s, "&amp;amp;") != NULL);
        CHECK(strstr(s, "\xEF\xBF\xBD") != NULL); /* bad bytes replaced */
        CHECK(strstr(s, ">NULL<") != NULL);
        sm_free(s);
    }
    /* width estimates: wide glyphs count double, caps more than lower */
    CHECK(sm_svg_text_width("日本", 6, 10) > sm_svg_text_width("ab", 2, 10) * 1.5);
    CHECK(sm_svg_text_width("MMMM", 4, 10) > sm_svg_text_width("iiii", 4, 10));
    CHECK(sm_svg_text_width("", 0, 10) == 0);
}

static void test_many_vbar_slanted(void)
{
    const char *l[30];
    double v[30];
    for (int i = 0; i < 30; i++) {
        l[i] = "Grains/Cereals and more";
        v[i] = i;
    }
    char *s = render(sm_svg_vbar, l, v, 30);
    CHECK(strstr(s, "rotate(-40") != NULL);
    CHECK_EQ_INT(count(s, "class=\"val\""), 0); /* too narrow for value labels */
    sm_free(s);
}

static void test_alloc_failures(void)
{
    const char *l[] = {"a", "b", "c"};
    double v[] = {1, 2, 3};
    for (size_t f = 0; f < 3; f++) {
        for (long k = 1; k < 40; k++) {
            sm_buf_t b = SM_BUF_INIT;
            sm_error_t e;
            sm_svg_chart_t c = {.title = "t", .labels = l, .values = v, .n = 3};
            sm_mem_fail_after(k);
            sm_err_t rc = FNS[f](&b, &c, &e);
            sm_mem_fail_after(0);
            CHECK(rc == SM_OK || rc == SM_ERR_NOMEM);
            sm_buf_free(&b);
        }
    }
    /* a buffer limit is an error, not a crash */
    sm_buf_t b = SM_BUF_INIT;
    b.limit = 100;
    sm_svg_chart_t c = {.title = "t", .labels = l, .values = v, .n = 3};
    CHECK_EQ_INT(sm_svg_hbar(&b, &c, NULL), SM_ERR_LIMIT);
    sm_buf_free(&b);
}

int main(void)
{
    RUN(test_empty);
    RUN(test_one_and_many);
    RUN(test_negative_and_huge);
    RUN(test_labels);
    RUN(test_many_vbar_slanted);
    RUN(test_alloc_failures);
    return check_summary();
}
