/* core/str — slices: comparison, trimming, splitting, case, edit distance.
 * Number parsing is in str_num.c, UTF-8 in str_utf8.c. */
#include "core/str.h"

#include "core/mem.h"

/* memcmp/memchr must not see a NULL pointer, even with a zero length. */
static int cmp_bytes(const char *a, const char *b, size_t n)
{
    return n ? memcmp(a, b, n) : 0;
}

static int cmp_nocase(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int x = sm_str_tolower_ascii((unsigned char)a[i]);
        int y = sm_str_tolower_ascii((unsigned char)b[i]);
        if (x != y)
            return x - y;
    }
    return 0;
}

bool sm_str_eq(sm_str_t a, sm_str_t b)
{
    return a.n == b.n && cmp_bytes(a.p, b.p, a.n) == 0;
}

bool sm_str_eq_nocase(sm_str_t a, sm_str_t b)
{
    return a.n == b.n && cmp_nocase(a.p, b.p, a.n) == 0;
}

bool sm_str_eq_c(sm_str_t a, const char *b)
{
    return sm_str_eq(a, sm_str_c(b));
}

int sm_str_cmp(sm_str_t a, sm_str_t b)
{
    int c = cmp_bytes(a.p, b.p, a.n < b.n ? a.n : b.n);
    if (c)
        return c;
    return a.n < b.n ? -1 : a.n > b.n;
}

int sm_str_cmp_nocase(sm_str_t a, sm_str_t b)
{
    int c = cmp_nocase(a.p, b.p, a.n < b.n ? a.n : b.n);
    if (c)
        return c;
    return a.n < b.n ? -1 : a.n > b.n;
}

bool sm_str_starts_with(sm_str_t s, sm_str_t prefix)
{
    return s.n >= prefix.n && cmp_bytes(s.p, prefix.p, prefix.n) == 0;
}

bool sm_str_ends_with(sm_str_t s, sm_str_t suffix)
{
    return s.n >= suffix.n && cmp_bytes(s.p + (s.n - suffix.n), suffix.p, suffix.n) == 0;
}

bool sm_str_starts_with_nocase(sm_str_t s, sm_str_t prefix)
{
    return s.n >= prefix.n && cmp_nocase(s.p, prefix.p, prefix.n) == 0;
}

bool sm_str_ends_with_nocase(sm_str_t s, sm_str_t suffix)
{
    return s.n >= suffix.n && cmp_nocase(s.p + (s.n - suffix.n), suffix.p, suffix.n) == 0;
}

bool sm_str_secure_memeq(const void *a, const void *b, size_t n)
{
    /* volatile keeps the compiler from turning the loop into an early-exit
     * memcmp. */
    const volatile unsigned char *x = a, *y = b;
    unsigned char acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= (unsigned char)(x[i] ^ y[i]);
    return acc == 0;
}

bool sm_str_secure_eq(sm_str_t a, sm_str_t b)
{
    if (a.n != b.n)
        return false;
    return sm_str_secure_memeq(a.p, b.p, a.n);
}

sm_str_t sm_str_sub(sm_str_t s, size_t start, size_t len)
{
    if (start >= s.n)
        return sm_str_make(s.p ? s.p + s.n : NULL, 0);
    if (len > s.n - start)
        len = s.n - start;
    return sm_str_make(s.p + start, len);
}

sm_str_t sm_str_trim_left(sm_str_t s)
{
    while (s.n && sm_str_isspace_ascii((unsigned char)s.p[0])) {
        s.p++;
        s.n--;
    }
    return s;
}

sm_str_t sm_str_trim_right(sm_str_t s)
{
    while (s.n && sm_str_isspace_ascii((unsigned char)s.p[s.n - 1]))
        s.n--;
    return s;
}

sm_str_t sm_str_trim(sm_str_t s)
{
    return sm_str_trim_right(sm_str_trim_left(s));
}

size_t sm_str_find_byte(sm_str_t s, char c)
{
    if (!s.n)
        return SIZE_MAX;
    const char *hit = memchr(s.p, (unsigned char)c, s.n);
    return hit ? (size_t)(hit - s.p) : SIZE_MAX;
}

bool sm_str_split_next(sm_str_splitter_t *it, sm_str_t *field)
{
    if (it->done)
        return false;
    size_t at = sm_str_find_byte(it->rest, it->sep);
    if (at == SIZE_MAX) {
        *field = it->rest;
        it->done = true;
        return true;
    }
    *field = sm_str_make(it->rest.p, at);
    it->rest = sm_str_make(it->rest.p + at + 1, it->rest.n - at - 1);
    return true;
}

sm_err_t sm_str_split(sm_str_t s, char sep, sm_str_t *out, size_t max, size_t *count, sm_error_t *e)
{
    sm_str_splitter_t it = sm_str_splitter(s, sep);
    sm_str_t field;
    size_t k = 0;
    while (sm_str_split_next(&it, &field)) {
        if (k == max) {
            *count = k;
            return sm_error_set(e, SM_ERR_LIMIT, "more than %zu fields separated by '%c'", max,
                                sep);
        }
        out[k++] = field;
    }
    *count = k;
    return SM_OK;
}

sm_err_t sm_str_split_alloc(sm_str_t s, char sep, sm_str_t **out, size_t *count, sm_error_t *e)
{
    size_t fields = 1;
    for (size_t i = 0; i < s.n; i++)
        fields += s.p[i] == sep;
    *out = sm_calloc(fields, sizeof **out);
    *count = 0;
    if (!*out)
        return sm_error_nomem(e, "split fields");
    return sm_str_split(s, sep, *out, fields, count, e);
}

char *sm_str_dup(sm_str_t s)
{
    return sm_strndup(s.n ? s.p : "", s.n);
}

void sm_str_lower(char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (char)sm_str_tolower_ascii((unsigned char)p[i]);
}

void sm_str_upper(char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (char)sm_str_toupper_ascii((unsigned char)p[i]);
}

/* ---- edit distance ----------------------------------------------------- */

static inline int fold(int c, bool nocase)
{
    return nocase ? sm_str_tolower_ascii(c) : c;
}

static inline uint16_t min3(unsigned x, unsigned y, unsigned z)
{
    unsigned m = x < y ? x : y;
    return (uint16_t)(m < z ? m : z);
}

/* Optimal string alignment over three rolling rows d[i-2], d[i-1], d[i] of
 * the classic (a.n+1) x (b.n+1) matrix.  Row minima never decrease (a
 * transposition from d[i-2][j-2] costs no less than the substitution path
 * through row i-1), so once a whole row exceeds cap the answer does too. */
static size_t edit_distance(sm_str_t a, sm_str_t b, size_t cap, bool nocase)
{
    size_t too_far = cap == SIZE_MAX ? SIZE_MAX : cap + 1;
    if (a.n > SM_STR_EDIT_MAX || b.n > SM_STR_EDIT_MAX)
        return too_far;
    size_t diff = a.n > b.n ? a.n - b.n : b.n - a.n;
    if (diff > cap)
        return too_far;
    if (a.n == 0 || b.n == 0)
        return diff;
    uint16_t rows[3][SM_STR_EDIT_MAX + 1];
    uint16_t *pp = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= b.n; j++)
        prev[j] = (uint16_t)j;
    for (size_t i = 1; i <= a.n; i++) {
        int ca = fold((unsigned char)a.p[i - 1], nocase);
        cur[0] = (uint16_t)i;
        unsigned row_min = cur[0];
        for (size_t j = 1; j <= b.n; j++) {
            int cb = fold((unsigned char)b.p[j - 1], nocase);
            uint16_t v = min3(prev[j] + 1u, cur[j - 1] + 1u, prev[j - 1] + (unsigned)(ca != cb));
            if (i > 1 && j > 1 && ca == fold((unsigned char)b.p[j - 2], nocase) &&
                fold((unsigned char)a.p[i - 2], nocase) == cb && pp[j - 2] + 1u < v)
                v = (uint16_t)(pp[j - 2] + 1u);
            cur[j] = v;
            if (v < row_min)
                row_min = v;
        }
        if (row_min > cap)
            return too_far;
        uint16_t *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    size_t d = prev[b.n];
    return d > cap ? too_far : d;
}

size_t sm_str_edit_distance(sm_str_t a, sm_str_t b, size_t cap)
{
    return edit_distance(a, b, cap, false);
}

size_t sm_str_edit_distance_nocase(sm_str_t a, sm_str_t b, size_t cap)
{
    return edit_distance(a, b, cap, true);
}

/* Shared by the two "did you mean" front ends: cand(i) yields candidate i. */
static size_t closest(sm_str_t word, size_t n, const void *cands,
                      bool (*cand)(const void *, size_t, sm_str_t *))
{
    size_t limit = word.n / 3 > 1 ? word.n / 3 : 1;
    size_t best = SIZE_MAX, best_d = limit + 1;
    for (size_t i = 0; i < n && best_d > 0; i++) {
        sm_str_t c;
        if (!cand(cands, i, &c))
            continue;
        size_t d = sm_str_edit_distance_nocase(word, c, best_d - 1);
        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

static bool cand_c(const void *cands, size_t i, sm_str_t *out)
{
    const char *s = ((const char *const *)cands)[i];
    *out = sm_str_c(s);
    return s != NULL;
}

static bool cand_s(const void *cands, size_t i, sm_str_t *out)
{
    *out = ((const sm_str_t *)cands)[i];
    return out->p != NULL || out->n == 0;
}

const char *sm_str_did_you_mean(sm_str_t word, const char *const *cands, size_t n)
{
    size_t i = closest(word, n, cands, cand_c);
    return i == SIZE_MAX ? NULL : cands[i];
}

size_t sm_str_closest(sm_str_t word, const sm_str_t *cands, size_t n)
{
    return closest(word, n, cands, cand_s);
}
