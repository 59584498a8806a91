/*
 * exec/expr_dec.c — decimal arithmetic on 128-bit unscaled values with
 * 256-bit intermediates (a 38-digit by 38-digit product has 76 digits).
 * Rounding is HALF_UP (away from zero at .5), as Spark's Decimal.
 */
#include <math.h>
#include <stdlib.h>

#include "columnar/text.h"
#include "exec/expr_int.h"

typedef struct u256 {
    uint64_t w[4]; /* little-endian limbs */
} u256_t;

static const uint64_t pow10_u64[20] = {1ULL,
                                       10ULL,
                                       100ULL,
                                       1000ULL,
                                       10000ULL,
                                       100000ULL,
                                       1000000ULL,
                                       10000000ULL,
                                       100000000ULL,
                                       1000000000ULL,
                                       10000000000ULL,
                                       100000000000ULL,
                                       1000000000000ULL,
                                       10000000000000ULL,
                                       100000000000000ULL,
                                       1000000000000000ULL,
                                       10000000000000000ULL,
                                       100000000000000000ULL,
                                       1000000000000000000ULL,
                                       10000000000000000000ULL};

static u256_t u256_of(sm_u128 x)
{
    u256_t r = {{(uint64_t)x, (uint64_t)(x >> 64), 0, 0}};
    return r;
}

static u256_t mul128(sm_u128 a, sm_u128 b)
{
    uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64);
    uint64_t b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
    sm_u128 p00 = (sm_u128)a0 * b0, p01 = (sm_u128)a0 * b1;
    sm_u128 p10 = (sm_u128)a1 * b0, p11 = (sm_u128)a1 * b1;
    sm_u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
    sm_u128 high = (mid >> 64) + (p01 >> 64) + (p10 >> 64) + p11;
    u256_t r = {{(uint64_t)p00, (uint64_t)mid, (uint64_t)high, (uint64_t)(high >> 64)}};
    return r;
}

/* x /= d; returns the remainder. */
static uint64_t divmod64(u256_t *x, uint64_t d)
{
    sm_u128 rem = 0;
    for (int i = 3; i >= 0; i--) {
        sm_u128 cur = (rem << 64) | x->w[i];
        x->w[i] = (uint64_t)(cur / d);
        rem = cur % d;
    }
    return (uint64_t)rem;
}

/* x *= m; false on overflow of 256 bits. */
static bool mul64(u256_t *x, uint64_t m)
{
    sm_u128 carry = 0;
    for (int i = 0; i < 4; i++) {
        sm_u128 cur = (sm_u128)x->w[i] * m + carry;
        x->w[i] = (uint64_t)cur;
        carry = cur >> 64;
    }
    return carry == 0;
}

static bool mul_pow10(u256_t *x, int k)
{
    while (k > 0) {
        int step = k > 19 ? 19 : k;
        if (!mul64(x, pow10_u64[step]))
            return false;
        k -= step;
    }
    return true;
}

/* x / 10^k rounded HALF_UP (k >= 1). */
static void div_pow10_half_up(u256_t *x, int k)
{
    int left = k - 1;
    while (left > 0) {
        int step = left > 19 ? 19 : left;
        divmod64(x, pow10_u64[step]);
        left -= step;
    }
    uint64_t digit = divmod64(x, 10);
    if (digit >= 5) {
        for (int i = 0; i < 4 && ++x->w[i] == 0; i++)
            ;
    }
}

static bool fits(const u256_t *x, int p, sm_u128 *out)
{
    if (x->w[2] || x->w[3])
        return false;
    sm_u128 v = ((sm_u128)x->w[1] << 64) | x->w[0];
    if (v >= (sm_u128)sm_pow10_i128(p))
        return false;
    *out = v;
    return true;
}

static sm_u128 uabs(sm_i128 v)
{
    return v < 0 ? (sm_u128)0 - (sm_u128)v : (sm_u128)v;
}

bool sm_expr_dec_rescale(sm_i128 v, int from, int to, sm_i128 *out)
{
    if (to == from) {
        *out = v;
        return true;
    }
    if (to > from) {
        sm_i128 r;
        if (to - from > 38 || __builtin_mul_overflow(v, sm_pow10_i128(to - from), &r) ||
            !sm_decimal_fits(r, 38))
            return false;
        *out = r;
        return true;
    }
    int k = from - to;
    if (k > 38) {
        *out = 0;
        return true;
    }
    sm_i128 d = sm_pow10_i128(k);
    sm_i128 q = v / d, r = v % d;
    sm_u128 ar = uabs(r);
    if (ar >= (sm_u128)d - ar)
        q += v < 0 ? -1 : 1;
    *out = q;
    return true;
}

bool sm_expr_dec_mul(sm_i128 a, int sa, sm_i128 b, int sb, int rp, int rs, sm_i128 *out)
{
    bool neg = (a < 0) != (b < 0);
    u256_t prod = mul128(uabs(a), uabs(b));
    int shift = sa + sb - rs;
    if (shift > 0)
        div_pow10_half_up(&prod, shift);
    else if (shift < 0 && !mul_pow10(&prod, -shift))
        return false;
    sm_u128 m;
    if (!fits(&prod, rp, &m))
        return false;
    *out = neg ? -(sm_i128)m : (sm_i128)m;
    return true;
}

/* n / d with remainder, d != 0 (bitwise long division). */
static void divmod_u256(u256_t n, sm_u128 d, u256_t *q, sm_u128 *r)
{
    if ((d >> 64) == 0) {
        uint64_t rem = divmod64(&n, (uint64_t)d);
        *q = n;
        *r = rem;
        return;
    }
    u256_t quo = {{0, 0, 0, 0}};
    sm_u128 rem = 0;
    for (int bit = 255; bit >= 0; bit--) {
        int carry = (int)(rem >> 127);
        rem = (rem << 1) | ((n.w[bit / 64] >> (bit % 64)) & 1);
        if (carry || rem >= d) {
            rem -= d;
            quo.w[bit / 64] |= (uint64_t)1 << (bit % 64);
        }
    }
    *q = quo;
    *r = rem;
}

bool sm_expr_dec_div(sm_i128 a, int sa, sm_i128 b, int sb, int rp, int rs, sm_i128 *out)
{
    bool neg = (a < 0) != (b < 0);
    int m = rs - sa + sb;
    u256_t num = u256_of(uabs(a));
    sm_u128 den = uabs(b);
    if (m >= 0) {
        if (!mul_pow10(&num, m))
            return false;
    } else {
        /* The divisor grows instead; past 38 digits the quotient rounds
         * to zero at this scale. */
        u256_t d2 = u256_of(den);
        if (!mul_pow10(&d2, -m) || d2.w[2] || d2.w[3]) {
            *out = 0;
            return true;
        }
        den = ((sm_u128)d2.w[1] << 64) | d2.w[0];
    }
    u256_t q;
    sm_u128 r;
    divmod_u256(num, den, &q, &r);
    if (r >= den - r) {
        for (int i = 0; i < 4 && ++q.w[i] == 0; i++)
            ;
    }
    sm_u128 v;
    if (!fits(&q, rp, &v))
        return false;
    *out = neg ? -(sm_i128)v : (sm_i128)v;
    return true;
}

bool sm_expr_dec_from_double(double d, int p, int s, sm_i128 *out)
{
    if (!isfinite(d))
        return false;
    char buf[SM_FMT_FLOAT_MAX];
    size_t n = sm_fmt_double(d, buf);
    return sm_parse_decimal(buf, n, p, s, out, NULL) == SM_OK;
}

double sm_expr_dec_to_double(sm_i128 v, int s)
{
    if (uabs(v) < ((sm_u128)1 << 53) && s <= 22) {
        static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        return (double)v / p10[s];
    }
    char buf[SM_FMT_DECIMAL_MAX];
    sm_fmt_decimal(v, s, buf);
    return strtod(buf, NULL);
}
