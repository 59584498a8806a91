/*
 * exec/expr_eval.c — the vectorized evaluator: result slots, column and
 * literal nodes, arithmetic, comparisons, three-valued logic, CASE,
 * COALESCE, IN, LIKE, calls, and the filter helper.
 *
 * Kernels loop over plain arrays; the op and type are chosen once per
 * batch, never per row.  Rows that are NULL are skipped only where a
 * computation could fail (overflow, division by zero); elsewhere the
 * values of NULL rows are computed and ignored.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "columnar/text.h"
#include "core/mem.h"
#include "core/str.h"
#include "exec/expr_int.h"

/* ---- context and slots ------------------------------------------------- */

void sm_expr_ctx_init(sm_expr_ctx_t *ctx, bool ansi, int64_t now_us)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->ansi = ansi;
    ctx->current_ts = now_us;
    int64_t d = now_us / SM_US_PER_DAY;
    if (now_us < 0 && d * SM_US_PER_DAY != now_us)
        d--;
    ctx->current_date = (int32_t)d;
    sm_arena_init(&ctx->scratch, 0);
}

void sm_expr_ctx_reset(sm_expr_ctx_t *ctx)
{
    sm_arena_reset(&ctx->scratch);
}

static void slot_free(sm_expr_slot_t *s)
{
    if (!s)
        return;
    sm_type_free(s->v.type);
    sm_free(s->valid);
    sm_free(s->values);
    sm_free(s->offsets);
    sm_free(s->data);
    sm_free(s);
}

void sm_expr_ctx_free(sm_expr_ctx_t *ctx)
{
    for (uint32_t i = 0; i < ctx->nslots; i++)
        slot_free(ctx->slots[i]);
    sm_free(ctx->slots);
    sm_arena_free(&ctx->scratch);
    memset(ctx, 0, sizeof *ctx);
}

static sm_expr_slot_t *slot_get(sm_expr_ctx_t *ctx, uint32_t key)
{
    if (key >= ctx->nslots) {
        uint32_t n = ctx->nslots ? ctx->nslots : 16;
        while (n <= key)
            n *= 2;
        sm_expr_slot_t **p = sm_realloc(ctx->slots, n * sizeof *p);
        if (!p)
            return NULL;
        memset(p + ctx->nslots, 0, (n - ctx->nslots) * sizeof *p);
        ctx->slots = p;
        ctx->nslots = n;
    }
    if (!ctx->slots[key])
        ctx->slots[key] = sm_calloc(1, sizeof(sm_expr_slot_t));
    return ctx->slots[key];
}

static bool grow(void **p, size_t *cap, size_t need)
{
    if (need <= *cap && *p)
        return true;
    size_t c = *cap * 2 > need ? *cap * 2 : need;
    if (c < 64)
        c = 64;
    void *q = sm_realloc(*p, c);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

sm_err_t sm_expr_out_prepare_type(sm_expr_ctx_t *ctx, uint32_t key, sm_type_t *type, size_t n,
                                  sm_vector_t **out, sm_error_t *e)
{
    sm_expr_slot_t *s = slot_get(ctx, key);
    if (!s)
        return sm_error_nomem(e, "expression result");
    if (s->v.type != type) {
        sm_type_free(s->v.type);
        s->v.type = sm_type_ref(type);
        s->filled = 0;
    }
    sm_type_kind_t k = type->kind;
    size_t bits = (n + 7) / 8 + 8;
    size_t w = (size_t)sm_type_byte_width(k);
    size_t vbytes = k == SM_TYPE_BOOL ? bits : w * (n ? n : 1);
    if (!grow((void **)&s->valid, &s->valid_cap, bits) ||
        (vbytes && !grow((void **)&s->values, &s->values_cap, vbytes)))
        return sm_error_nomem(e, "expression result");
    if (sm_type_has_offsets(k)) {
        size_t ob = s->offsets_cap * sizeof(int32_t);
        if (!grow((void **)&s->offsets, &ob, (n + 1) * sizeof(int32_t)))
            return sm_error_nomem(e, "expression result");
        s->offsets_cap = ob / sizeof(int32_t);
        s->offsets[0] = 0;
        if (!s->data && !grow((void **)&s->data, &s->data_cap, 64))
            return sm_error_nomem(e, "expression result");
    }
    memset(s->valid, 0xff, bits);
    sm_vector_t *v = &s->v;
    v->len = v->cap = n;
    v->offset = 0;
    v->null_count = 0;
    v->validity = s->valid;
    v->values = s->values;
    v->offsets = s->offsets;
    v->data = s->data;
    v->data_len = 0;
    v->data_cap = s->data_cap;
    v->children = NULL;
    v->nchildren = 0;
    v->width = (uint8_t)w;
    v->owns = 0;
    if (sm_type_has_offsets(k))
        s->filled = 0;
    s->owner = NULL;
    *out = v;
    return SM_OK;
}

sm_err_t sm_expr_out_prepare(sm_expr_ctx_t *ctx, const sm_expr_t *x, size_t n, sm_vector_t **out,
                             sm_error_t *e)
{
    return sm_expr_out_prepare_type(ctx, x->id * 4, x->type, n, out, e);
}

static void str_close_to(sm_expr_slot_t *s, size_t row)
{
    int32_t at = (int32_t)s->v.data_len;
    for (size_t r = s->filled; r < row; r++)
        s->offsets[r + 1] = at;
    if (row > s->filled)
        s->filled = row;
}

sm_err_t sm_expr_out_str_reserve(sm_vector_t *v, size_t extra, uint8_t **dst, sm_error_t *e)
{
    sm_expr_slot_t *s = (sm_expr_slot_t *)v;
    if (extra > SM_VECTOR_MAX_BYTES - v->data_len)
        return sm_error_set(e, SM_ERR_LIMIT, "string results of a batch exceed %zu bytes",
                            SM_VECTOR_MAX_BYTES);
    if (!grow((void **)&s->data, &s->data_cap, v->data_len + extra + 1))
        return sm_error_nomem(e, "string result");
    v->data = s->data;
    v->data_cap = s->data_cap;
    *dst = s->data + v->data_len;
    return SM_OK;
}

void sm_expr_out_str_commit(sm_vector_t *v, size_t row, size_t len)
{
    sm_expr_slot_t *s = (sm_expr_slot_t *)v;
    str_close_to(s, row);
    v->data_len += len;
    s->offsets[row + 1] = (int32_t)v->data_len;
    s->filled = row + 1;
}

sm_err_t sm_expr_out_str(sm_vector_t *v, size_t row, const void *p, size_t len, sm_error_t *e)
{
    uint8_t *dst = NULL;
    sm_err_t rc = sm_expr_out_str_reserve(v, len, &dst, e);
    if (rc)
        return rc;
    if (len)
        memcpy(dst, p, len);
    sm_expr_out_str_commit(v, row, len);
    return SM_OK;
}

void sm_expr_out_finish(sm_vector_t *v)
{
    sm_expr_slot_t *s = (sm_expr_slot_t *)v;
    if (sm_type_has_offsets(v->type->kind))
        str_close_to(s, v->len);
    if (v->validity) {
        v->null_count = v->len - sm_bits_count(v->validity, 0, v->len);
        if (!v->null_count)
            v->validity = NULL;
    }
}

void sm_expr_and_validity(uint8_t *dst, const sm_vector_t *src, size_t n)
{
    if (!src->validity || src->null_count == 0)
        return;
    if (src->offset % 8 == 0) {
        const uint8_t *b = src->validity + src->offset / 8;
        for (size_t i = 0; i < (n + 7) / 8; i++)
            dst[i] &= b[i];
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (!sm_bit_get(src->validity, src->offset + i))
            sm_bit_clear(dst, i);
}

sm_err_t sm_expr_out_value(sm_vector_t *v, size_t row, const sm_value_t *val, sm_error_t *e)
{
    if (val->is_null) {
        sm_bit_clear(v->validity, row);
        return SM_OK;
    }
    switch (v->type->kind) {
    case SM_TYPE_BOOL:
        if (val->u.b)
            sm_bit_set(v->values, row);
        else
            sm_bit_clear(v->values, row);
        break;
    case SM_TYPE_INT8:
        ((int8_t *)v->values)[row] = (int8_t)val->u.i;
        break;
    case SM_TYPE_INT16:
        ((int16_t *)(void *)v->values)[row] = (int16_t)val->u.i;
        break;
    case SM_TYPE_INT32:
    case SM_TYPE_DATE:
        ((int32_t *)(void *)v->values)[row] = (int32_t)val->u.i;
        break;
    case SM_TYPE_INT64:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        ((int64_t *)(void *)v->values)[row] = val->u.i;
        break;
    case SM_TYPE_FLOAT32:
        ((float *)(void *)v->values)[row] = (float)val->u.d;
        break;
    case SM_TYPE_FLOAT64:
        ((double *)(void *)v->values)[row] = val->u.d;
        break;
    case SM_TYPE_DECIMAL:
        memcpy(v->values + row * 16, &val->u.dec, 16);
        break;
    case SM_TYPE_STRING:
    case SM_TYPE_BINARY:
        return sm_expr_out_str(v, row, val->u.s.p, val->u.s.n, e);
    default:
        sm_bit_clear(v->validity, row);
        break;
    }
    return SM_OK;
}

/* A bitmap of v's values (BOOL) or validity starting at row 0: the
 * vector's own when aligned, else a shifted copy in scratch. */
static const uint8_t *bits_at(sm_expr_ctx_t *ctx, const uint8_t *bits, size_t offset, size_t n)
{
    if (offset % 8 == 0)
        return bits + offset / 8;
    uint8_t *c = sm_arena_calloc(&ctx->scratch, (n + 7) / 8 + 8);
    if (!c)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (sm_bit_get(bits, offset + i))
            sm_bit_set(c, i);
    return c;
}

static const uint8_t *ones(sm_expr_ctx_t *ctx, size_t n)
{
    uint8_t *c = sm_arena_alloc(&ctx->scratch, (n + 7) / 8 + 8);
    if (c)
        memset(c, 0xff, (n + 7) / 8 + 8);
    return c;
}

/* Validity bits of v at row 0 (all ones when v has no NULLs). */
static const uint8_t *valid_at(sm_expr_ctx_t *ctx, const sm_vector_t *v, size_t n)
{
    if (!v->validity || v->null_count == 0)
        return ones(ctx, n);
    return bits_at(ctx, v->validity, v->offset, n);
}

/* ---- error messages ---------------------------------------------------- */

static sm_err_t div_zero(sm_error_t *e)
{
    return sm_error_set(e, SM_ERR_INVALID,
                        "division by zero (use try_divide or set ansi off to get NULL)");
}

static sm_err_t overflow_i(sm_error_t *e, const sm_expr_t *x, int64_t a, int64_t b)
{
    static const char *ops[] = {"+", "-", "*", "/", "%", "div"};
    char tn[64];
    return sm_error_set(e, SM_ERR_OVERFLOW,
                        "arithmetic overflow: %" PRId64 " %s %" PRId64 " does not fit %s", a,
                        ops[x->u.op], b, sm_type_name(x->type, tn, sizeof tn));
}

static sm_err_t overflow_dec(sm_error_t *e, const sm_expr_t *x)
{
    char tn[64];
    return sm_error_set(e, SM_ERR_OVERFLOW, "decimal overflow: the result of %s does not fit %s",
                        x->u.op == SM_OP_MUL   ? "a multiplication"
                        : x->u.op == SM_OP_DIV ? "a division"
                                               : "an addition",
                        sm_type_name(x->type, tn, sizeof tn));
}

/* ---- arithmetic -------------------------------------------------------- */

#define ROWS_LOOP(...)                                                                             \
    do {                                                                                           \
        size_t cnt_ = SM_ROWS(sel, nsel, n);                                                       \
        for (size_t k_ = 0; k_ < cnt_; k_++) {                                                     \
            size_t i = SM_ROW(sel, k_);                                                            \
            __VA_ARGS__;                                                                           \
        }                                                                                          \
    } while (0)

/* Float arithmetic that cannot fail: + - *. */
#define FLOAT_SIMPLE(T)                                                                            \
    do {                                                                                           \
        const T *pa = (const T *)(const void *)va->values + va->offset;                            \
        const T *pb = (const T *)(const void *)vb->values + vb->offset;                            \
        T *po = (T *)(void *)out->values;                                                          \
        const sm_value_t *cb = sm_expr_const_arg(x, 1);                                            \
        if (!sel && cb && !cb->is_null) {                                                          \
            T c = (T)cb->u.d;                                                                      \
            if (op == SM_OP_ADD)                                                                   \
                for (size_t i = 0; i < n; i++)                                                     \
                    po[i] = pa[i] + c;                                                             \
            else if (op == SM_OP_SUB)                                                              \
                for (size_t i = 0; i < n; i++)                                                     \
                    po[i] = pa[i] - c;                                                             \
            else                                                                                   \
                for (size_t i = 0; i < n; i++)                                                     \
                    po[i] = pa[i] * c;                                                             \
        } else if (!sel) {                                                                         \
            if (op == SM_OP_ADD)                                                                   \
                for (size_t i = 0; i < n; i++)                                                     \
                    po[i] = pa[i] + pb[i];                                                         \
            else if (op == SM_OP_SUB)                                                              \
                for (size_t i = 0; i < n; i++)                                                     \
                    po[i] = pa[i] - pb[i];                                                         \
            else                                                                                   \
                for (size_t i = 0; i < n; i++)                                                     \
                    po[i] = pa[i] * pb[i];                                                         \
        } else {                                                                                   \
            for (size_t k = 0; k < nsel; k++) {                                                    \
                size_t i = sel[k];                                                                 \
                po[i] = op == SM_OP_ADD   ? pa[i] + pb[i]                                          \
                        : op == SM_OP_SUB ? pa[i] - pb[i]                                          \
                                          : pa[i] * pb[i];                                         \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static sm_err_t arith_float(const sm_expr_t *x, const sm_vector_t *va, const sm_vector_t *vb,
                            const uint32_t *sel, size_t nsel, size_t n, sm_expr_ctx_t *ctx,
                            sm_vector_t *out, sm_error_t *e)
{
    sm_expr_op_t op = x->u.op;
    bool f32 = x->type->kind == SM_TYPE_FLOAT32;
    if (op == SM_OP_ADD || op == SM_OP_SUB || op == SM_OP_MUL) {
        if (f32)
            FLOAT_SIMPLE(float);
        else
            FLOAT_SIMPLE(double);
        return SM_OK;
    }
    /* '/' (double only) and '%': a zero divisor is NULL or an error. */
    uint8_t *ov = out->validity;
    if (f32) {
        const float *pa = (const float *)(const void *)va->values + va->offset;
        const float *pb = (const float *)(const void *)vb->values + vb->offset;
        float *po = (float *)(void *)out->values;
        ROWS_LOOP({
            if (!sm_bit_get(ov, i))
                continue;
            if (pb[i] == 0) {
                if (ctx->ansi)
                    return div_zero(e);
                sm_bit_clear(ov, i);
                continue;
            }
            po[i] = fmodf(pa[i], pb[i]);
        });
        return SM_OK;
    }
    const double *pa = (const double *)(const void *)va->values + va->offset;
    const double *pb = (const double *)(const void *)vb->values + vb->offset;
    double *po = (double *)(void *)out->values;
    ROWS_LOOP({
        if (!sm_bit_get(ov, i))
            continue;
        if (pb[i] == 0) {
            if (ctx->ansi)
                return div_zero(e);
            sm_bit_clear(ov, i);
            continue;
        }
        po[i] = op == SM_OP_DIV ? pa[i] / pb[i] : fmod(pa[i], pb[i]);
    });
    return SM_OK;
}

/* Integer arithmetic of type T with overflow detection. */
#define INT_ARITH(T)                                                                               \
    do {                                                                                           \
        const T *pa = (const T *)(const void *)va->values + va->offset;                            \
        const T *pb = (const T *)(const void *)vb->values + vb->offset;                            \
        T *po = (T *)(void *)out->values;                                                          \
        uint8_t *ov = out->validity;                                                               \
        bool nulls = va->null_count || vb->null_count;                                             \
        if (!sel && !nulls && op <= SM_OP_MUL) {                                                   \
            int bad = 0;                                                                           \
            if (op == SM_OP_ADD)                                                                   \
                for (size_t i = 0; i < n; i++)                                                     \
                    bad |= __builtin_add_overflow(pa[i], pb[i], &po[i]);                           \
            else if (op == SM_OP_SUB)                                                              \
                for (size_t i = 0; i < n; i++)                                                     \
                    bad |= __builtin_sub_overflow(pa[i], pb[i], &po[i]);                           \
            else                                                                                   \
                for (size_t i = 0; i < n; i++)                                                     \
                    bad |= __builtin_mul_overflow(pa[i], pb[i], &po[i]);                           \
            if (!bad || !ctx->ansi)                                                                \
                return SM_OK;                                                                      \
        }                                                                                          \
        ROWS_LOOP({                                                                                \
            if (!sm_bit_get(ov, i))                                                                \
                continue;                                                                          \
            T a = pa[i], b = pb[i], r = 0;                                                         \
            bool bad = false;                                                                      \
            switch (op) {                                                                          \
            case SM_OP_ADD:                                                                        \
                bad = __builtin_add_overflow(a, b, &r);                                            \
                break;                                                                             \
            case SM_OP_SUB:                                                                        \
                bad = __builtin_sub_overflow(a, b, &r);                                            \
                break;                                                                             \
            case SM_OP_MUL:                                                                        \
                bad = __builtin_mul_overflow(a, b, &r);                                            \
                break;                                                                             \
            case SM_OP_MOD:                                                                        \
                if (b == 0) {                                                                      \
                    if (ctx->ansi)                                                                 \
                        return div_zero(e);                                                        \
                    sm_bit_clear(ov, i);                                                           \
                    continue;                                                                      \
                }                                                                                  \
                r = b == -1 ? 0 : (T)(a % b);                                                      \
                break;                                                                             \
            default: /* IDIV (bigint) */                                                           \
                if (b == 0) {                                                                      \
                    if (ctx->ansi)                                                                 \
                        return div_zero(e);                                                        \
                    sm_bit_clear(ov, i);                                                           \
                    continue;                                                                      \
                }                                                                                  \
                if (b == -1)                                                                       \
                    bad = __builtin_sub_overflow((T)0, a, &r);                                     \
                else                                                                               \
                    r = (T)(a / b);                                                                \
                break;                                                                             \
            }                                                                                      \
            if (bad && ctx->ansi)                                                                  \
                return overflow_i(e, x, a, b);                                                     \
            po[i] = r;                                                                             \
        });                                                                                        \
    } while (0)

static sm_err_t arith_int(const sm_expr_t *x, const sm_vector_t *va, const sm_vector_t *vb,
                          const uint32_t *sel, size_t nsel, size_t n, sm_expr_ctx_t *ctx,
                          sm_vector_t *out, sm_error_t *e)
{
    sm_expr_op_t op = x->u.op;
    switch (x->type->kind) {
    case SM_TYPE_INT8:
        INT_ARITH(int8_t);
        break;
    case SM_TYPE_INT16:
        INT_ARITH(int16_t);
        break;
    case SM_TYPE_INT32:
        INT_ARITH(int32_t);
        break;
    default:
        INT_ARITH(int64_t);
        break;
    }
    return SM_OK;
}

static sm_err_t arith_dec(const sm_expr_t *x, const sm_vector_t *va, const sm_vector_t *vb,
                          const uint32_t *sel, size_t nsel, size_t n, sm_expr_ctx_t *ctx,
                          sm_vector_t *out, sm_error_t *e)
{
    int sa = va->type->scale, sb = vb->type->scale;
    int rp = x->type->precision, rs = x->type->scale;
    sm_expr_op_t op = x->u.op;
    uint8_t *ov = out->validity;
    ROWS_LOOP({
        if (!sm_bit_get(ov, i))
            continue;
        sm_i128 a = sm_vector_get_i128(va, i), b = sm_vector_get_i128(vb, i), r = 0;
        bool ok = true;
        int s = sa > sb ? sa : sb;
        switch (op) {
        case SM_OP_ADD:
        case SM_OP_SUB:
            ok = sm_expr_dec_rescale(a, sa, s, &a) && sm_expr_dec_rescale(b, sb, s, &b) &&
                 !(op == SM_OP_ADD ? __builtin_add_overflow(a, b, &r)
                                   : __builtin_sub_overflow(a, b, &r)) &&
                 sm_expr_dec_rescale(r, s, rs, &r) && sm_decimal_fits(r, rp);
            break;
        case SM_OP_MUL:
            ok = sm_expr_dec_mul(a, sa, b, sb, rp, rs, &r);
            break;
        case SM_OP_DIV:
        case SM_OP_MOD:
        case SM_OP_IDIV:
            if (b == 0) {
                if (ctx->ansi)
                    return div_zero(e);
                sm_bit_clear(ov, i);
                continue;
            }
            if (op == SM_OP_DIV) {
                ok = sm_expr_dec_div(a, sa, b, sb, rp, rs, &r);
            } else {
                ok = sm_expr_dec_rescale(a, sa, s, &a) && sm_expr_dec_rescale(b, sb, s, &b);
                if (ok && op == SM_OP_MOD)
                    ok = sm_expr_dec_rescale(a % b, s, rs, &r) && sm_decimal_fits(r, rp);
                else if (ok) {
                    sm_i128 q = a / b;
                    ok = q >= INT64_MIN && q <= INT64_MAX;
                    ((int64_t *)(void *)out->values)[i] = (int64_t)q;
                    if (ok)
                        continue;
                }
            }
            break;
        default:
            break;
        }
        if (!ok) {
            if (ctx->ansi)
                return overflow_dec(e, x);
            sm_bit_clear(ov, i);
            continue;
        }
        memcpy(out->values + i * 16, &r, 16);
    });
    return SM_OK;
}

/* ---- comparisons ------------------------------------------------------- */

static inline int fcmp(double a, double b)
{
    return (a > b) - (a < b) + ((int)isnan(a) != 0) - ((int)isnan(b) != 0);
}

static inline bool op_holds(sm_expr_op_t op, int c)
{
    switch (op) {
    case SM_OP_EQ:
    case SM_OP_EQ_NS:
        return c == 0;
    case SM_OP_NE:
        return c != 0;
    case SM_OP_LT:
        return c < 0;
    case SM_OP_LE:
        return c <= 0;
    case SM_OP_GT:
        return c > 0;
    default:
        return c >= 0;
    }
}

/* Writes bits po[i] = COND for the rows; COND uses i. */
#define BITS_LOOP(COND)                                                                            \
    do {                                                                                           \
        if (!sel) {                                                                                \
            for (size_t base = 0; base < n; base += 8) {                                           \
                unsigned byte_ = 0;                                                                \
                size_t lim_ = n - base < 8 ? n - base : 8;                                         \
                for (size_t j_ = 0; j_ < lim_; j_++) {                                             \
                    size_t i = base + j_;                                                          \
                    byte_ |= (unsigned)(COND) << j_;                                               \
                }                                                                                  \
                po[base / 8] = (uint8_t)byte_;                                                     \
            }                                                                                      \
        } else {                                                                                   \
            for (size_t k_ = 0; k_ < nsel; k_++) {                                                 \
                size_t i = sel[k_];                                                                \
                if (COND)                                                                          \
                    sm_bit_set(po, i);                                                             \
                else                                                                               \
                    sm_bit_clear(po, i);                                                           \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* One comparison operator over a loop macro: LOOP(cond) runs cond for every
 * row (BITS_LOOP fills a result bitmap, SELECT_LOOP a selection). */
#define CMP_OPS(LOOP, A, B)                                                                        \
    switch (op) {                                                                                  \
    case SM_OP_EQ:                                                                                 \
    case SM_OP_EQ_NS:                                                                              \
        LOOP((A) == (B));                                                                          \
        break;                                                                                     \
    case SM_OP_NE:                                                                                 \
        LOOP((A) != (B));                                                                          \
        break;                                                                                     \
    case SM_OP_LT:                                                                                 \
        LOOP((A) < (B));                                                                           \
        break;                                                                                     \
    case SM_OP_LE:                                                                                 \
        LOOP((A) <= (B));                                                                          \
        break;                                                                                     \
    case SM_OP_GT:                                                                                 \
        LOOP((A) > (B));                                                                           \
        break;                                                                                     \
    default:                                                                                       \
        LOOP((A) >= (B));                                                                          \
        break;                                                                                     \
    }
#define CMP_SWITCH(A, B) CMP_OPS(BITS_LOOP, A, B)

#define CMP_TYPED(T)                                                                               \
    do {                                                                                           \
        const T *pa = (const T *)(const void *)va->values + va->offset;                            \
        const T *pb = (const T *)(const void *)vb->values + vb->offset;                            \
        const sm_value_t *cb = sm_expr_const_arg(x, 1);                                            \
        if (cb && !cb->is_null) {                                                                  \
            T c = (T)cb->u.i;                                                                      \
            CMP_SWITCH(pa[i], c);                                                                  \
        } else {                                                                                   \
            CMP_SWITCH(pa[i], pb[i]);                                                              \
        }                                                                                          \
    } while (0)

#define CMP_FLOAT(T)                                                                               \
    do {                                                                                           \
        const T *pa = (const T *)(const void *)va->values + va->offset;                            \
        const T *pb = (const T *)(const void *)vb->values + vb->offset;                            \
        BITS_LOOP(op_holds(op, fcmp(pa[i], pb[i])));                                               \
    } while (0)

static int str_cmp_rows(const sm_vector_t *va, const sm_vector_t *vb, size_t i)
{
    size_t la, lb;
    const char *a = sm_vector_get_str(va, i, &la);
    const char *b = sm_vector_get_str(vb, i, &lb);
    return sm_str_cmp(sm_str_make(a, la), sm_str_make(b, lb));
}

static void cmp_values(const sm_expr_t *x, const sm_vector_t *va, const sm_vector_t *vb,
                       const uint32_t *sel, size_t nsel, size_t n, uint8_t *po)
{
    sm_expr_op_t op = x->u.op;
    switch (va->type->kind) {
    case SM_TYPE_INT8:
        CMP_TYPED(int8_t);
        break;
    case SM_TYPE_INT16:
        CMP_TYPED(int16_t);
        break;
    case SM_TYPE_INT32:
    case SM_TYPE_DATE:
        CMP_TYPED(int32_t);
        break;
    case SM_TYPE_INT64:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ:
        CMP_TYPED(int64_t);
        break;
    case SM_TYPE_FLOAT32:
        CMP_FLOAT(float);
        break;
    case SM_TYPE_FLOAT64:
        CMP_FLOAT(double);
        break;
    case SM_TYPE_BOOL:
        BITS_LOOP(op_holds(op, (int)sm_vector_get_bool(va, i) - (int)sm_vector_get_bool(vb, i)));
        break;
    case SM_TYPE_DECIMAL:
        BITS_LOOP(op_holds(op, (sm_vector_get_i128(va, i) > sm_vector_get_i128(vb, i)) -
                                   (sm_vector_get_i128(va, i) < sm_vector_get_i128(vb, i))));
        break;
    default:
        BITS_LOOP(op_holds(op, str_cmp_rows(va, vb, i)));
        break;
    }
}

/* ---- recursion --------------------------------------------------------- */

static sm_err_t eval(const sm_expr_t *x, const sm_batch_t *b, size_t n, const uint32_t *sel,
                     size_t nsel, sm_expr_ctx_t *ctx, sm_vector_t **out, sm_error_t *e);

static sm_err_t eval_literal(const sm_expr_t *x, size_t n, sm_expr_ctx_t *ctx, sm_vector_t **out,
                             sm_error_t *e)
{
    uint32_t key = x->id * 4;
    sm_expr_slot_t *s = key < ctx->nslots ? ctx->slots[key] : NULL;
    if (s && s->owner == x && s->v.type == x->type && s->filled >= n && s->v.cap >= n) {
        s->v.len = n;
        s->v.null_count = x->u.lit.is_null ? n : 0;
        *out = &s->v;
        return SM_OK;
    }
    sm_vector_t *v;
    sm_err_t rc = sm_expr_out_prepare(ctx, x, n, &v, e);
    if (rc)
        return rc;
    if (x->u.lit.is_null || x->type->kind == SM_TYPE_NULL) {
        memset(v->validity, 0, (n + 7) / 8);
    } else {
        for (size_t i = 0; i < n; i++)
            if ((rc = sm_expr_out_value(v, i, &x->u.lit, e)))
                return rc;
    }
    sm_expr_out_finish(v);
    ((sm_expr_slot_t *)v)->filled = n;
    ((sm_expr_slot_t *)v)->owner = x;
    *out = v;
    return SM_OK;
}

static sm_err_t eval_arith(const sm_expr_t *x, const sm_batch_t *b, size_t n, const uint32_t *sel,
                           size_t nsel, sm_expr_ctx_t *ctx, sm_vector_t **out, sm_error_t *e)
{
    sm_vector_t *va, *vb, *v;
    sm_err_t rc;
    if ((rc = eval(x->args[0], b, n, sel, nsel, ctx, &va, e)) ||
        (rc = eval(x->args[1], b, n, sel, nsel, ctx, &vb, e)) ||
        (rc = sm_expr_out_prepare(ctx, x, n, &v, e)))
        return rc;
    sm_expr_and_validity(v->validity, va, n);
    sm_expr_and_validity(v->validity, vb, n);
    switch (x->type->kind) {
    case SM_TYPE_FLOAT32:
    case SM_TYPE_FLOAT64:
        rc = arith_float(x, va, vb, sel, nsel, n, ctx, v, e);
        break;
    case SM_TYPE_DECIMAL:
        rc = arith_dec(x, va, vb, sel, nsel, n, ctx, v, e);
        break;
    default:
        if (va->type->kind == SM_TYPE_DECIMAL)
            rc = arith_dec(x, va, vb, sel, nsel, n, ctx, v, e);
        else
            rc = arith_int(x, va, vb, sel, nsel, n, ctx, v, e);
        break;
    }
    if (rc)
        return rc;
    sm_expr_out_finish(v);
    *out = v;
    return SM_OK;
}

static sm_err_t eval_cmp(const sm_expr_t *x, const sm_batch_t *b, size_t n, const uint32_t *sel,
                         size_t nsel, sm_expr_ctx_t *ctx, sm_vector_t **out, sm_error_t *e)
{
    sm_vector_t *va, *vb, *v;
    sm_err_t rc;
    if ((rc = eval(x->args[0], b, n, sel, nsel, ctx, &va, e)) ||
        (rc = eval(x->args[1], b, n, sel, nsel, ctx, &vb, e)) ||
        (rc = sm_expr_out_prepare(ctx, x, n, &v, e)))
        return rc;
    if (va->type->kind == SM_TYPE_NULL || vb->type->kind == SM_TYPE_NULL) {
        memset(v->values, 0, (n + 7) / 8);
        if (x->u.op == SM_OP_EQ_NS) {
            for (size_t i = 0; i < n; i++)
                if (sm_vector_is_null(va, i) && sm_vector_is_null(vb, i))
                    sm_bit_set(v->values, i);
        } else {
            memset(v->validity, 0, (n + 7) / 8);
        }
        sm_expr_out_finish(v);
        *out = v;
        return SM_OK;
    }
    cmp_values(x, va, vb, sel, nsel, n, v->values);
    if (x->u.op == SM_OP_EQ_NS) {
        if (va->null_count || vb->null_count) {
            ROWS_LOOP({
                bool na = sm_vector_is_null(va, i), nb = sm_vector_is_null(vb, i);
                if (na || nb) {
                    if (na && nb)
                        sm_bit_set(v->values, i);
                    else
                        sm_bit_clear(v->values, i);
                }
            });
        }
    } else {
        sm_expr_and_validity(v->validity, va, n);
        sm_expr_and_validity(v->validity, vb, n);
    }
    sm_expr_out_finish(v);
    *out = v;
    return SM_OK;
}

/* Rows of sel (or all) where bool vector v is not FALSE (want_false =
 * false) or not TRUE (want_false = true): the rows the other side of
 * AND / OR still has to decide. */
static uint32_t *undecided(sm_expr_ctx_t *ctx, const sm_vector_t *v, bool decided_value,
                           const uint32_t *sel, size_t nsel, size_t n, size_t *nout)
{
    uint32_t *r = sm_arena_alloc(&ctx->scratch, (SM_ROWS(sel, nsel, n) + 1) * sizeof *r);
    if (!r)
        return NULL;
    size_t k = 0;
    ROWS_LOOP({
        bool decided = !sm_vector_is_null(v, i) && sm_vector_get_bool(v, i) == decided_value;
        r[k] = (uint32_t)i;
        k += !decided;
    });
    *nout = k;
    return r;
}

static sm_err_t eval_logic(const sm_expr_t *x, const sm_batch_t *b, size_t n, const uint32_t *sel,
                           size_t nsel, sm_expr_ctx_t *ctx, sm_vector_t **out, sm_error_t *e)
{
    bool is_and = x->kind == SM_EXPR_AND;
    sm_vector_t *va, *vb, *v;
    sm_err_t rc = eval(x->args[0], b, n, sel, nsel, ctx, &va, e);
    if (rc)
        return rc;
    const uint32_t *sel2 = sel;
    size_t nsel2 = nsel;
    if (x->args[1]->may_fail) {
        /* Evaluate the right side only where the left did not decide. */
        uint32_t *s2 = undecided(ctx, va, !is_and, sel, nsel, n, &nsel2);
        if (!s2)
            return sm_error_nomem(e, "AND/OR");
        sel2 = s2;
    }
    if ((rc = eval(x->args[1], b, n, sel2, nsel2, ctx, &vb, e)) ||
        (rc = sm_expr_out_prepare(ctx, x, n, &v, e)))
        return rc;
    const uint8_t *av = bits_at(ctx, va->values, va->offset, n);
    const uint8_t *bv = bits_at(ctx, vb->values, vb->offset, n);
    const uint8_t *an = valid_at(ctx, va, n), *bn = valid_at(ctx, vb, n);
    if (!av || !bv || !an || !bn)
        return sm_error_nomem(e, "AND/OR");
    /* Rows the right side skipped are decided by the left side, so the
     * right side's (stale) bits there never matter. */
    uint8_t *ov = v->values, *ok = v->validity;
    size_t nb = (n + 7) / 8;
    for (size_t i = 0; i < nb; i++) {
        uint8_t at = an[i] & av[i], af = an[i] & (uint8_t)~av[i];
        uint8_t bt = bn[i] & bv[i], bf = bn[i] & (uint8_t)~bv[i];
        if (is_and) {
            uint8_t f = af | bf, t = at & bt;
            ov[i] = t;
            ok[i] = f | t;
        } else {
            uint8_t t = at | bt, f = af & bf;
            ov[i] = t;
            ok[i] = f | t;
        }
    }
    if (sel2 != sel) {
        /* Rows decided by the left: copy the left value. */
        size_t j = 0;
        ROWS_LOOP({
            if (j < nsel2 && sel2[j] == i) {
                j++;
                continue;
            }
            sm_bit_set(ok, i);
            if (is_and)
                sm_bit_clear(ov, i);
            else
                sm_bit_set(ov, i);
        });
    }
    sm_expr_out_finish(v);
    *out = v;
    return SM_OK;
}

static sm_err_t eval_not(const sm_expr_t *x, const sm_batch_t *b, size_t n, const uint32_t *sel,
                         size_t nsel, sm_expr_ctx_t *ctx, sm_vector_t **out, sm_error_t *e)
{
    sm_vector_t *va, *v;
    sm_err_t rc;
    if ((rc = eval(x->args[0], b, n, sel, nsel, ctx, &va, e)) ||
        (rc = sm_expr_out_prepare(ctx, x, n, &v, e)))
        return rc;
    const uint8_t *av = bits_at(ctx, va->values, va->offset, n);
    if (!av)
        return sm_error_nomem(e, "NOT");
    for (size_t i = 0; i < (n + 7) / 8; i++)
        v->values[i] = (uint8_t)~av[i];
    sm_expr_and_validity(v->validity, va, n);
    sm_expr_out_finish(v);
    *out = v;
    return SM_OK;
}

static sm_err_t eval_is_null(const sm_expr_t *x, const sm_batch_t *b, size_t n, const uint32_t *sel,
                             size_t nsel, sm_expr_ctx_t *ctx, sm_vector_t **out, sm_error_t *e)
{
    sm_vector_t *va, *v;
    sm_err_t rc;
    if ((rc = eval(x->args[0], b, n, sel, nsel, ctx, &va, e)) ||
        (rc = sm_expr_out_prepare(ctx, x, n, &v, e)))
        return rc;
    const uint8_t *an = valid_at(ctx, va, n);
    if (!an)
        return sm_error_nomem(e, "IS NULL");
    for (size_t i = 0; i < (n + 7) / 8; i++)
        v->values[i] = x->u.negated ? an[i] : (uint8_t)~an[i];
    sm_expr_out_finish(v);
    *out = v;
    return SM_OK;
}

/* out[i] = srcs[i][i] (NULL when srcs[i] is NULL) at the rows, in order. */
static sm_err_t merge_rows(sm_vector_t *out, sm_vector_t **srcs, const uint32_t *sel, size_t nsel,
                           size_t n, sm_error_t *e)
{
    size_t w = out->width;
    sm_type_kind_t k = out->type->kind;
    ROWS_LOOP({
        const sm_vector_t *s = srcs[i];
        if (!s || sm_vector_is_null(s, i)) {
            sm_bit_clear(out->validity, i);
            continue;
        }
        if (k == SM_TYPE_BOOL) {
            if (sm_vector_get_bool(s, i))
                sm_bit_set(out->values, i);
            else
                sm_bit_clear(out->values, i);
        } else if (sm_type_has_offsets(k)) {
            size_t len;
            const uint8_t *p = sm_vector_get_bytes(s, i, &len);
            sm_err_t rc = sm_expr_out_str(out, i, p, len, e);
            if (rc)
                return rc;
        } else if (w) {
            memcpy(out->values + i * w, s->values + (s->offset + i) * w, w);
        }
    });
    return SM_OK;
}

static sm_err_t eval_case(const sm_expr_t *x, const sm_batch_t *b, size_t n, const uint32_t *sel,
                          size_t nsel, sm_expr_ctx_t *ctx, sm_vector_t **out, sm_error_t *e)
{
    size_t cnt = SM_ROWS(sel, nsel, n);
    sm_vector_t **srcs = sm_arena_calloc(&ctx->scratch, (n + 1) * sizeof *srcs);
    uint32_t *rest = sm_arena_alloc(&ctx->scratch, (cnt + 1) * sizeof *rest);
    uint32_t *hit = sm_arena_alloc(&ctx->scratch, (cnt + 1) * sizeof *hit);
    if (!srcs || !rest || !hit)
        return sm_error_nomem(e, "CASE");
    size_t nrest = cnt;
    for (size_t k = 0; k < cnt; k++)
        rest[k] = (uint32_t)SM_ROW(sel, k);
    sm_err_t rc;
    uint32_t npairs = x->nargs / 2;
    for (uint32_t p = 0; p < npairs && nrest; p++) {
        sm_vector_t *w, *t;
        if ((rc = eval(x->args[2 * p], b, n, rest, nrest, ctx, &w, e)))
            return rc;
        size_t nh = 0, nr = 0;
        for (size_t k = 0; k < nrest; k++) {
            size_t i = rest[k];
            if (!sm_vector_is_null(w, i) && sm_vector_get_bool(w, i))
                hit[nh++] = (uint32_t)i;
            else
                rest[nr++] = (uint32_t)i;
        }
        nrest = nr;
        if (!nh)
            continue;
        if ((rc = eval(x->args[2 * p + 1], b, n, hit, nh, ctx, &t, e)))
            return rc;
        for (size_t k = 0; k < nh; k++)
            srcs[hit[k]] = t;
    }
    if (nrest && x->nargs % 2) {
        sm_vector_t *t;
        if ((rc = eval(x->args[x->nargs - 1], b, n, rest, nrest, ctx, &t, e)))
            return rc;
        for (size_t k = 0; k < nrest; k++)
            srcs[rest[k]] = t;
    }
    sm_vector_t *v;
    if ((rc = sm_expr_out_prepare(ctx, x, n, &v, e)) || (rc = merge_rows(v, srcs, sel, nsel, n, e)))
        return rc;
    sm_expr_out_finish(v);
    *out = v;
    return SM_OK;
}

static sm_err_t eval_coalesce(const sm_expr_t *x, const sm_batch_t *b, size_t n,
                              const uint32_t *sel, size_t nsel, sm_expr_ctx_t *ctx,
                              sm_vector_t **out, sm_error_t *e)
{
    size_t cnt = SM_ROWS(sel, nsel, n);
    sm_vector_t **srcs = sm_arena_calloc(&ctx->scratch, (n + 1) * sizeof *srcs);
    uint32_t *rest = sm_arena_alloc(&ctx->scratch, (cnt + 1) * sizeof *rest);
    if (!srcs || !rest)
        return sm_error_nomem(e, "coalesce");
    size_t nrest = cnt;
    for (size_t k = 0; k < cnt; k++)
        rest[k] = (uint32_t)SM_ROW(sel, k);
    sm_err_t rc;
    for (uint32_t a = 0; a < x->nargs && nrest; a++) {
        sm_vector_t *t;
        if ((rc = eval(x->args[a], b, n, rest, nrest, ctx, &t, e)))
            return rc;
        size_t nr = 0;
        for (size_t k = 0; k < nrest; k++) {
            size_t i = rest[k];
            if (sm_vector_is_null(t, i))
                rest[nr++] = (uint32_t)i;
            else
                srcs[i] = t;
        }
        nrest = nr;
    }
    sm_vector_t *v;
    if ((rc = sm_expr_out_prepare(ctx, x, n, &v, e)) || (rc = merge_rows(v, srcs, sel, nsel, n, e)))
        return rc;
    sm_expr_out_finish(v);
    *out = v;
    return SM_OK;
}

static sm_err_t eval_in(const sm_expr_t *x, const sm_batch_t *b, size_t n, const uint32_t *sel,
                        size_t nsel, sm_expr_ctx_t *ctx, sm_vector_t **out, sm_error_t *e)
{
    sm_vector_t **vs = sm_arena_alloc(&ctx->scratch, x->nargs * sizeof *vs);
    if (!vs)
        return sm_error_nomem(e, "IN");
    sm_err_t rc;
    for (uint32_t a = 0; a < x->nargs; a++)
        if ((rc = eval(x->args[a], b, n, sel, nsel, ctx, &vs[a], e)))
            return rc;
    sm_vector_t *v;
    if ((rc = sm_expr_out_prepare(ctx, x, n, &v, e)))
        return rc;
    bool neg = x->u.negated;
    ROWS_LOOP({
        sm_value_t a, c;
        if ((rc = sm_value_from_vector(vs[0], i, &a, e)))
            return rc;
        if (a.is_null) {
            sm_bit_clear(v->validity, i);
            continue;
        }
        bool found = false, saw_null = false;
        for (uint32_t j = 1; j < x->nargs && !found; j++) {
            if ((rc = sm_value_from_vector(vs[j], i, &c, e)))
                return rc;
            if (c.is_null)
                saw_null = true;
            else if (sm_value_cmp(&a, &c) == 0)
                found = true;
        }
        if (!found && saw_null)
            sm_bit_clear(v->validity, i);
        else if (found != neg)
            sm_bit_set(v->values, i);
        else
            sm_bit_clear(v->values, i);
    });
    sm_expr_out_finish(v);
    *out = v;
    return SM_OK;
}

static sm_err_t eval_like(const sm_expr_t *x, const sm_batch_t *b, size_t n, const uint32_t *sel,
                          size_t nsel, sm_expr_ctx_t *ctx, sm_vector_t **out, sm_error_t *e)
{
    sm_vector_t *vs, *vp, *v;
    sm_err_t rc;
    if ((rc = eval(x->args[0], b, n, sel, nsel, ctx, &vs, e)) ||
        (rc = eval(x->args[1], b, n, sel, nsel, ctx, &vp, e)) ||
        (rc = sm_expr_out_prepare(ctx, x, n, &v, e)))
        return rc;
    sm_expr_and_validity(v->validity, vs, n);
    sm_expr_and_validity(v->validity, vp, n);
    sm_buf_t scratch = SM_BUF_INIT;
    sm_expr_pool_t tmp;
    sm_expr_pool_init(&tmp, ctx->ansi);
    const sm_like_pat_t *pat = x->u.like.pat;
    sm_like_pat_t *own = NULL;
    const char *last = NULL;
    size_t last_n = 0;
    ROWS_LOOP({
        if (!sm_bit_get(v->validity, i))
            continue;
        size_t len, plen;
        const char *s = sm_vector_get_str(vs, i, &len);
        if (!x->u.like.pat) {
            const char *ps = sm_vector_get_str(vp, i, &plen);
            if (!own || plen != last_n || memcmp(ps, last, plen) != 0) {
                if (own)
                    sm_like_free(own);
                own = NULL;
                if ((rc = sm_like_compile(&tmp, x->u.like.kind, ps, plen, x->u.like.escape, &own,
                                          e)))
                    goto out;
                last = ps;
                last_n = plen;
            }
            pat = own;
        }
        int m = sm_like_match(pat, s, len, &scratch);
        if (m < 0) {
            rc = sm_error_set(e, SM_ERR_INVALID, "RLIKE: regular expression failed on row %zu", i);
            goto out;
        }
        if ((m == 1) != x->u.like.negated)
            sm_bit_set(v->values, i);
        else
            sm_bit_clear(v->values, i);
    });
    sm_expr_out_finish(v);
    *out = v;
out:
    if (own)
        sm_like_free(own);
    sm_expr_pool_free(&tmp);
    sm_buf_free(&scratch);
    return rc;
}

static sm_err_t eval_call(const sm_expr_t *x, const sm_batch_t *b, size_t n, const uint32_t *sel,
                          size_t nsel, sm_expr_ctx_t *ctx, sm_vector_t **out, sm_error_t *e)
{
    sm_vector_t *argv[16];
    sm_vector_t **args = argv;
    if (x->nargs > 16 && !(args = sm_arena_alloc(&ctx->scratch, x->nargs * sizeof *args)))
        return sm_error_nomem(e, "function arguments");
    sm_err_t rc;
    for (uint32_t a = 0; a < x->nargs; a++)
        if ((rc = eval(x->args[a], b, n, sel, nsel, ctx, &args[a], e)))
            return rc;
    sm_vector_t *v;
    if ((rc = sm_expr_out_prepare(ctx, x, n, &v, e)))
        return rc;
    const sm_func_t *fn = x->u.call.fn;
    if (fn->flags & SM_FUNC_NULL_IN_NULL_OUT)
        for (uint32_t a = 0; a < x->nargs; a++)
            sm_expr_and_validity(v->validity, args[a], n);
    sm_fcall_t fc = {x, args, sel, nsel, n, ctx, v};
    if ((rc = fn->eval(&fc, e)))
        return rc;
    sm_expr_out_finish(v);
    *out = v;
    return SM_OK;
}

static sm_err_t eval_cast(const sm_expr_t *x, const sm_batch_t *b, size_t n, const uint32_t *sel,
                          size_t nsel, sm_expr_ctx_t *ctx, sm_vector_t **out, sm_error_t *e)
{
    sm_vector_t *va, *v;
    sm_err_t rc;
    if ((rc = eval(x->args[0], b, n, sel, nsel, ctx, &va, e)) ||
        (rc = sm_expr_out_prepare(ctx, x, n, &v, e)))
        return rc;
    sm_expr_and_validity(v->validity, va, n);
    if ((rc = sm_cast_eval(x, va, sel, nsel, n, ctx, v, e)))
        return rc;
    sm_expr_out_finish(v);
    *out = v;
    return SM_OK;
}

static sm_err_t eval(const sm_expr_t *x, const sm_batch_t *b, size_t n, const uint32_t *sel,
                     size_t nsel, sm_expr_ctx_t *ctx, sm_vector_t **out, sm_error_t *e)
{
    if (!sel)
        nsel = n;
    switch (x->kind) {
    case SM_EXPR_COLUMN:
        if (!b || x->u.col.index >= b->ncols)
            return sm_error_set(e, SM_ERR_INVALID, "column #%u is not in the input (%zu columns)",
                                x->u.col.index, b ? b->ncols : 0);
        *out = b->cols[x->u.col.index];
        return SM_OK;
    case SM_EXPR_LITERAL:
        return eval_literal(x, n, ctx, out, e);
    case SM_EXPR_ARITH:
        return eval_arith(x, b, n, sel, nsel, ctx, out, e);
    case SM_EXPR_CMP:
        return eval_cmp(x, b, n, sel, nsel, ctx, out, e);
    case SM_EXPR_AND:
    case SM_EXPR_OR:
        return eval_logic(x, b, n, sel, nsel, ctx, out, e);
    case SM_EXPR_NOT:
        return eval_not(x, b, n, sel, nsel, ctx, out, e);
    case SM_EXPR_IS_NULL:
        return eval_is_null(x, b, n, sel, nsel, ctx, out, e);
    case SM_EXPR_CASE:
        return eval_case(x, b, n, sel, nsel, ctx, out, e);
    case SM_EXPR_COALESCE:
        return eval_coalesce(x, b, n, sel, nsel, ctx, out, e);
    case SM_EXPR_IN:
        return eval_in(x, b, n, sel, nsel, ctx, out, e);
    case SM_EXPR_LIKE:
        return eval_like(x, b, n, sel, nsel, ctx, out, e);
    case SM_EXPR_CALL:
        return eval_call(x, b, n, sel, nsel, ctx, out, e);
    case SM_EXPR_CAST:
        return eval_cast(x, b, n, sel, nsel, ctx, out, e);
    }
    return sm_error_set(e, SM_ERR_INTERNAL, "unknown expression kind %d", (int)x->kind);
}

sm_err_t sm_expr_eval(const sm_expr_t *x, const sm_batch_t *b, const uint32_t *sel, size_t nsel,
                      sm_expr_ctx_t *ctx, sm_vector_t **out, sm_error_t *e)
{
    *out = NULL;
    size_t n = b ? b->nrows : 1;
    sm_vector_t *v;
    sm_err_t rc = eval(x, b, n, sel, nsel, ctx, &v, e);
    if (!rc)
        *out = v;
    return rc;
}

sm_err_t sm_expr_eval_const(const sm_expr_t *x, sm_expr_ctx_t *ctx, sm_value_t *out, sm_error_t *e)
{
    sm_vector_t *v;
    sm_err_t rc = sm_expr_eval(x, NULL, NULL, 0, ctx, &v, e);
    if (rc)
        return rc;
    return sm_value_from_vector(v, 0, out, e);
}

/* ---- filter ------------------------------------------------------------ */

#define SELECT_LOOP(COND)                                                                          \
    do {                                                                                           \
        if (!sel) {                                                                                \
            for (size_t i = 0; i < n; i++) {                                                       \
                out_sel[k] = (uint32_t)i;                                                          \
                k += (COND);                                                                       \
            }                                                                                      \
        } else {                                                                                   \
            for (size_t j = 0; j < nsel; j++) {                                                    \
                size_t i = sel[j];                                                                 \
                out_sel[k] = (uint32_t)i;                                                          \
                k += (COND);                                                                       \
            }                                                                                      \
        }                                                                                          \
    } while (0)

#define SELECT_OPS(A, C) CMP_OPS(SELECT_LOOP, A, C) /* EQ_NS never reaches it */

/* Column-vs-constant comparison without NULLs straight to a selection;
 * false when the shape does not fit. */
static bool filter_fast(const sm_expr_t *x, const sm_batch_t *b, const uint32_t *sel, size_t nsel,
                        size_t n, uint32_t *out_sel, size_t *nout)
{
    if (x->kind != SM_EXPR_CMP || x->u.op == SM_OP_EQ_NS || !b ||
        x->args[0]->kind != SM_EXPR_COLUMN || x->args[0]->u.col.index >= b->ncols)
        return false;
    const sm_value_t *c = sm_expr_const_arg(x, 1);
    if (!c || c->is_null)
        return false;
    const sm_vector_t *va = b->cols[x->args[0]->u.col.index];
    if (va->null_count)
        return false;
    sm_expr_op_t op = x->u.op;
    size_t k = 0;
    switch (va->type->kind) {
    case SM_TYPE_INT32:
    case SM_TYPE_DATE: {
        const int32_t *pa = (const int32_t *)(const void *)va->values + va->offset;
        int32_t cv = (int32_t)c->u.i;
        SELECT_OPS(pa[i], cv);
        break;
    }
    case SM_TYPE_INT64:
    case SM_TYPE_TIMESTAMP:
    case SM_TYPE_TIMESTAMP_TZ: {
        const int64_t *pa = (const int64_t *)(const void *)va->values + va->offset;
        int64_t cv = c->u.i;
        SELECT_OPS(pa[i], cv);
        break;
    }
    case SM_TYPE_FLOAT64: {
        if (isnan(c->u.d))
            return false;
        const double *pa = (const double *)(const void *)va->values + va->offset;
        double cv = c->u.d;
        /* NaN rows: NaN > everything and NaN = NaN (Spark); the plain
         * operators get that wrong, so only use them for < <= = with a
         * non-NaN constant, where NaN rows are correctly FALSE. */
        if (op != SM_OP_LT && op != SM_OP_LE && op != SM_OP_EQ)
            return false;
        SELECT_OPS(pa[i], cv);
        break;
    }
    default:
        return false;
    }
    *nout = k;
    return true;
}

static sm_err_t filter(const sm_expr_t *x, const sm_batch_t *b, size_t n, const uint32_t *sel,
                       size_t nsel, sm_expr_ctx_t *ctx, uint32_t *out_sel, size_t *nout,
                       sm_error_t *e)
{
    if (!sel)
        nsel = n;
    if (x->kind == SM_EXPR_AND) {
        size_t k1;
        sm_err_t rc = filter(x->args[0], b, n, sel, nsel, ctx, out_sel, &k1, e);
        if (rc)
            return rc;
        if (k1 == 0) {
            *nout = 0;
            return SM_OK;
        }
        return filter(x->args[1], b, n, out_sel, k1, ctx, out_sel, nout, e);
    }
    if (filter_fast(x, b, sel, nsel, n, out_sel, nout))
        return SM_OK;
    sm_vector_t *v;
    sm_err_t rc = eval(x, b, n, sel, nsel, ctx, &v, e);
    if (rc)
        return rc;
    if (v->type->kind != SM_TYPE_BOOL && v->type->kind != SM_TYPE_NULL)
        return sm_error_set(e, SM_ERR_INVALID, "a filter needs a boolean, got %s",
                            sm_type_kind_name(v->type->kind));
    size_t k = 0;
    if (v->type->kind == SM_TYPE_BOOL) {
        SELECT_LOOP(!sm_vector_is_null(v, i) && sm_vector_get_bool(v, i));
    }
    *nout = k;
    return SM_OK;
}

sm_err_t sm_expr_filter(const sm_expr_t *x, const sm_batch_t *b, const uint32_t *sel, size_t nsel,
                        sm_expr_ctx_t *ctx, uint32_t *out_sel, size_t *nout, sm_error_t *e)
{
    *nout = 0;
    return filter(x, b, b ? b->nrows : 1, sel, nsel, ctx, out_sel, nout, e);
}

sm_err_t sm_expr_gather(const sm_vector_t *v, const uint32_t *sel, size_t nsel, sm_vector_t **out,
                        sm_error_t *e)
{
    *out = NULL;
    size_t cnt = sel ? nsel : v->len;
    sm_vector_t *r;
    sm_err_t rc = sm_vector_new(v->type, cnt, &r, e);
    if (rc)
        return rc;
    if (!sel) {
        rc = sm_vector_append_range(r, v, 0, v->len, e);
    } else {
        for (size_t k = 0; !rc && k < nsel; k++)
            rc = sm_vector_append_from(r, v, sel[k], e);
    }
    if (rc) {
        sm_vector_free(r);
        return rc;
    }
    *out = r;
    return SM_OK;
}
