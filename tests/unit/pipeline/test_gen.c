/* The Northwind-shaped generator: determinism, counts, value ranges,
 * skew, referential integrity, COPY text, bronze output, failures. */
#include <ftw.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "core/mem.h"
#include "pipeline/gen.h"
#include "sql/query.h"

/* ---- collecting a table ------------------------------------------------ */

typedef struct coll {
    sm_buf_t text;   /* every row as COPY text */
    uint64_t digest; /* FNV-1a of text */
    int64_t rows;
    size_t max_batch;
    sm_batch_t **batches; /* copies, when keep */
    size_t nbatches;
    bool keep;
} coll_t;

static sm_err_t collect(void *ud, const sm_batch_t *b, sm_error_t *e)
{
    coll_t *c = ud;
    sm_err_t rc = SM_OK;
    if (b->nrows > c->max_batch)
        c->max_batch = b->nrows;
    c->rows += (int64_t)b->nrows;
    for (size_t i = 0; !rc && i < b->nrows; i++)
        rc = sm_gen_copy_text_row(b, i, &c->text, e);
    if (!rc && c->keep) {
        sm_vector_t **cols = sm_calloc(b->ncols, sizeof *cols);
        for (size_t i = 0; i < b->ncols; i++)
            sm_vector_copy(b->cols[i], &cols[i], e);
        sm_batch_t *copy = NULL;
        rc = sm_batch_from_vectors(b->schema, cols, b->ncols, &copy, e);
        sm_free(cols);
        c->batches = sm_realloc(c->batches, (c->nbatches + 1) * sizeof *c->batches);
        c->batches[c->nbatches++] = copy;
    }
    return rc;
}

static void coll_free(coll_t *c)
{
    sm_buf_free(&c->text);
    for (size_t i = 0; i < c->nbatches; i++)
        sm_batch_free(c->batches[i]);
    sm_free(c->batches);
    memset(c, 0, sizeof *c);
}

static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static int gen(sm_gen_table_t t, int64_t scale, uint64_t seed, size_t batch_rows, bool keep,
               coll_t *c)
{
    memset(c, 0, sizeof *c);
    c->keep = keep;
    sm_gen_opts_t o = {.scale = scale, .seed = seed, .batch_rows = batch_rows};
    sm_error_t e;
    int64_t rows = -1;
    sm_err_t rc = sm_gen_table(t, &o, collect, c, &rows, &e);
    if (rc)
        fprintf(stderr, "generation failed: %s\n", e.msg);
    CHECK_EQ_INT(rows, c->rows);
    c->digest = fnv(c->text.data, c->text.len);
    return rc;
}

/* Column `name` of a kept batch. */
static const sm_vector_t *col(const sm_batch_t *b, const char *name)
{
    int i = sm_type_field_index(b->schema, name, strlen(name), false);
    return i < 0 ? NULL : b->cols[i];
}

static int64_t get_int(const sm_vector_t *v, size_t i)
{
    return v->type->kind == SM_TYPE_INT16 ? sm_vector_get_i16(v, i) : sm_vector_get_i32(v, i);
}

/* ---- tests --------------------------------------------------------------- */

static void test_determinism(void)
{
    for (int t = 0; t < SM_GEN_NTABLES; t++) {
        coll_t a, b, c, d;
        CHECK_EQ_INT(gen((sm_gen_table_t)t, 2, 42, 0, false, &a), SM_OK);
        CHECK_EQ_INT(gen((sm_gen_table_t)t, 2, 42, 7, false, &b), SM_OK);
        CHECK_EQ_INT(gen((sm_gen_table_t)t, 2, 42, 1, false, &c), SM_OK);
        CHECK_EQ_INT(gen((sm_gen_table_t)t, 2, 43, 0, false, &d), SM_OK);
        CHECK(a.rows > 0);
        CHECK(a.digest == b.digest && a.digest == c.digest); /* batch size changes nothing */
        CHECK(b.max_batch <= 7 && c.max_batch == 1);
        if (t >= SM_GEN_CUSTOMERS) /* the generated tables depend on the seed */
            CHECK(a.digest != d.digest);
        else
            CHECK(a.digest == d.digest);
        coll_free(&a), coll_free(&b), coll_free(&c), coll_free(&d);
    }
}

static void test_counts(void)
{
    for (int64_t scale = 1; scale <= 4; scale += 3) {
        for (int t = 0; t < SM_GEN_NTABLES; t++) {
            coll_t c;
            CHECK_EQ_INT(gen((sm_gen_table_t)t, scale, 1, 0, false, &c), SM_OK);
            int64_t want = sm_gen_rows((sm_gen_table_t)t, scale);
            if (t == SM_GEN_ORDER_DETAILS) {
                CHECK_EQ_INT(want, -1);
                CHECK(fabs((double)c.rows / (2155.0 * (double)scale) - 1.0) < 0.06);
            } else {
                CHECK_EQ_INT(c.rows, want);
            }
            coll_free(&c);
        }
    }
    CHECK_EQ_INT(sm_gen_rows(SM_GEN_CUSTOMERS, 1000), 91000);
    CHECK_EQ_INT(sm_gen_rows(SM_GEN_ORDERS, 1000), 830000);
}

static void test_order_id_width(void)
{
    CHECK(!sm_gen_wide_ids(1));
    CHECK(!sm_gen_wide_ids(27)); /* 10248 + 830*27 - 1 = 32657 */
    CHECK(sm_gen_wide_ids(28));
    sm_type_t *t = NULL;
    sm_error_t e;
    CHECK_OK(sm_gen_schema(SM_GEN_ORDER_DETAILS, 27, &t, &e), &e);
    CHECK_EQ_INT(t->fields[0].type->kind, SM_TYPE_INT16);
    sm_type_free(t);
    CHECK_OK(sm_gen_schema(SM_GEN_ORDERS, 28, &t, &e), &e);
    CHECK_EQ_INT(t->fields[0].type->kind, SM_TYPE_INT32);
    CHECK_EQ_STR(t->fields[7].name, "freight");
    CHECK_EQ_INT(t->fields[7].type->kind, SM_TYPE_FLOAT32);
    CHECK(t->fields[0].nullable);
    sm_type_free(t);
    sm_buf_t b = SM_BUF_INIT;
    CHECK_OK(sm_gen_ddl(SM_GEN_ORDER_DETAILS, 28, &b, &e), &e);
    CHECK_EQ_STR((const char *)b.data,
                 "CREATE TABLE IF NOT EXISTS order_details (order_id integer NOT NULL, "
                 "product_id smallint NOT NULL, unit_price real NOT NULL, quantity smallint NOT "
                 "NULL, discount real NOT NULL, PRIMARY KEY (order_id, product_id))");
    sm_buf_reset(&b);
    CHECK_OK(sm_gen_ddl(SM_GEN_ORDERS, 1, &b, &e), &e);
    CHECK(strstr((const char *)b.data, "(order_id smallint NOT NULL, customer_id character "
                                       "varying(5), ") != NULL);
    sm_buf_free(&b);
}

static void test_bad_arguments(void)
{
    sm_error_t e;
    sm_gen_opts_t o = {.scale = 0};
    int64_t rows = 5;
    CHECK_EQ_INT(sm_gen_table(SM_GEN_ORDERS, &o, collect, NULL, &rows, &e), SM_ERR_INVALID);
    CHECK(strstr(e.msg, "scale 0") != NULL);
    CHECK_EQ_INT(rows, 0);
    o.scale = SM_GEN_MAX_SCALE + 1;
    CHECK_EQ_INT(sm_gen_table(SM_GEN_ORDERS, &o, collect, NULL, NULL, &e), SM_ERR_INVALID);
    o.scale = 1;
    CHECK_EQ_INT(sm_gen_table(SM_GEN_NTABLES, &o, collect, NULL, NULL, &e), SM_ERR_INVALID);
    sm_type_t *t = (sm_type_t *)&o;
    CHECK_EQ_INT(sm_gen_schema((sm_gen_table_t)-1, 1, &t, &e), SM_ERR_INVALID);
    CHECK(t == NULL);
    CHECK(sm_gen_table_name(SM_GEN_NTABLES) == NULL);
    CHECK_EQ_STR(sm_gen_table_name(SM_GEN_ORDER_DETAILS), "order_details");
    CHECK_EQ_INT(
        sm_gen_to_postgres("host=127.0.0.1 port=1", &(sm_gen_opts_t){.scale = -3}, false, NULL, &e),
        SM_ERR_INVALID);
}

static sm_err_t stop_after_one(void *ud, const sm_batch_t *b, sm_error_t *e)
{
    (void)b;
    int *calls = ud;
    if (++*calls > 1)
        return sm_error_set(e, SM_ERR_CANCELLED, "enough");
    return SM_OK;
}

static void test_callback_error_stops(void)
{
    int calls = 0;
    int64_t rows = 0;
    sm_error_t e;
    sm_gen_opts_t o = {.scale = 1, .seed = 3, .batch_rows = 100};
    CHECK_EQ_INT(sm_gen_table(SM_GEN_ORDERS, &o, stop_after_one, &calls, &rows, &e),
                 SM_ERR_CANCELLED);
    CHECK_EQ_INT(calls, 2);
    CHECK_EQ_INT(rows, 200);
    CHECK_EQ_STR(e.msg, "enough");
}

static void test_allocation_failures(void)
{
    /* every allocation in turn fails: an error, never a crash or a leak */
    int failures = 0;
    for (long n = 0; n < 200; n++) {
        coll_t c = {0};
        sm_gen_opts_t o = {.scale = 1, .seed = 9, .batch_rows = 3};
        sm_error_t e;
        sm_mem_fail_after(n);
        sm_err_t rc = sm_gen_table(SM_GEN_CATEGORIES, &o, collect, &c, NULL, &e);
        sm_mem_fail_after(-1);
        if (rc) {
            CHECK_EQ_INT(rc, SM_ERR_NOMEM);
            failures++;
        }
        coll_free(&c);
    }
    CHECK(failures > 0);
}

static void test_reference_tables(void)
{
    coll_t c;
    CHECK_EQ_INT(gen(SM_GEN_CATEGORIES, 1, 0, 0, false, &c), SM_OK);
    CHECK(strncmp((const char *)c.text.data,
                  "1\tBeverages\tSoft drinks, coffees, teas, beers, and ales\t\\\\x\n", 57) == 0);
    CHECK(strstr((const char *)c.text.data, "8\tSeafood\tSeaweed and fish\t\\\\x\n") != NULL);
    coll_free(&c);
    CHECK_EQ_INT(gen(SM_GEN_PRODUCTS, 5, 0, 0, false, &c), SM_OK);
    CHECK(strncmp((const char *)c.text.data,
                  "1\tChai\t8\t1\t10 boxes x 30 bags\t18.0\t39\t0\t10\t1\n", 44) == 0);
    CHECK(strstr((const char *)c.text.data,
                 "\n38\tCôte de Blaye\t18\t1\t12 - 75 cl bottles\t263.5\t") != NULL);
    coll_free(&c);
    CHECK_EQ_INT(gen(SM_GEN_EMPLOYEES, 1, 0, 0, false, &c), SM_OK);
    CHECK(strstr((const char *)c.text.data,
                 "2\tFuller\tAndrew\tVice President, Sales\tDr.\t1952-02-19\t") != NULL);
    CHECK(strstr((const char *)c.text.data, "\t\\N\thttp://accweb/emmployees/Fuller.bmp\n") !=
          NULL);
    coll_free(&c);
}

/* Customers, orders and lines together at scale 10. */
static void test_values_and_integrity(void)
{
    enum { SCALE = 10 };
    coll_t cu, or, od, pr;
    CHECK_EQ_INT(gen(SM_GEN_CUSTOMERS, SCALE, 5, 0, true, &cu), SM_OK);
    CHECK_EQ_INT(gen(SM_GEN_ORDERS, SCALE, 5, 0, true, & or), SM_OK);
    CHECK_EQ_INT(gen(SM_GEN_ORDER_DETAILS, SCALE, 5, 1000, true, &od), SM_OK);
    CHECK_EQ_INT(gen(SM_GEN_PRODUCTS, SCALE, 5, 0, true, &pr), SM_OK);
    float price[78] = {0};
    for (size_t k = 0; k < pr.nbatches; k++)
        for (size_t i = 0; i < pr.batches[k]->nrows; i++)
            price[get_int(col(pr.batches[k], "product_id"), i)] =
                sm_vector_get_f32(col(pr.batches[k], "unit_price"), i);

    /* customers: unique 5-letter ids and names, the real country counts x 10 */
    size_t ncust = (size_t)cu.rows;
    char(*ids)[6] = sm_calloc(ncust, 6);
    int usa = 0, france = 0, poland = 0, companies_ok = 1, ids_ok = 1;
    size_t n = 0;
    for (size_t k = 0; k < cu.nbatches; k++) {
        const sm_batch_t *b = cu.batches[k];
        for (size_t i = 0; i < b->nrows; i++, n++) {
            size_t len;
            const char *s = sm_vector_get_str(col(b, "customer_id"), i, &len);
            ids_ok &= len == 5;
            for (size_t j = 0; j < len; j++)
                ids_ok &= s[j] >= 'A' && s[j] <= 'Z';
            memcpy(ids[n], s, 5);
            s = sm_vector_get_str(col(b, "country"), i, &len);
            usa += len == 3 && memcmp(s, "USA", 3) == 0;
            france += len == 6 && memcmp(s, "France", 6) == 0;
            poland += len == 6 && memcmp(s, "Poland", 6) == 0;
            sm_vector_get_str(col(b, "company_name"), i, &len);
            companies_ok &= len > 0 && len <= 40;
            sm_vector_get_str(col(b, "city"), i, &len);
            companies_ok &= len <= 15 * 2; /* varchar counts characters; UTF-8 is <= 2 bytes here */
            sm_vector_get_str(col(b, "postal_code"), i, &len);
            companies_ok &= len <= 10;
        }
    }
    CHECK(ids_ok && companies_ok);
    CHECK_EQ_INT(usa, 13 * SCALE);
    CHECK_EQ_INT(france, 11 * SCALE);
    CHECK_EQ_INT(poland, 1 * SCALE);
    int unique = 1;
    qsort(ids, ncust, 6, (int (*)(const void *, const void *))strcmp);
    for (size_t i = 1; i < ncust; i++)
        unique &= strcmp(ids[i - 1], ids[i]) != 0;
    CHECK(unique);
    CHECK_EQ_STR((const char *)cu.text.data + cu.text.len - 1, "\n");
    /* company names are unique too (the models group by them) */
    CHECK(strstr((const char *)cu.text.data, "\t\t") == NULL);

    /* orders: ids contiguous from 10248, dates in order and in the period,
     * customers exist, skewed */
    int32_t first = 9681 /* 1996-07-04 */, last = 10352 /* 1998-05-06 */;
    int64_t next_id = 10248, per_cust_max = 0, unshipped = 0;
    int ok = 1;
    int32_t prev_date = 0;
    int64_t *per_cust = sm_calloc(ncust, sizeof *per_cust);
    for (size_t k = 0; k < or.nbatches; k++) {
        const sm_batch_t *b = or.batches[k];
        for (size_t i = 0; i < b->nrows; i++) {
            ok &= get_int(col(b, "order_id"), i) == next_id++;
            int32_t d = sm_vector_get_i32(col(b, "order_date"), i);
            ok &= d >= first && d <= last && d >= prev_date;
            prev_date = d;
            ok &= sm_vector_get_i32(col(b, "required_date"), i) > d;
            unshipped += sm_vector_is_null(col(b, "shipped_date"), i);
            int16_t emp = sm_vector_get_i16(col(b, "employee_id"), i);
            ok &= emp >= 1 && emp <= 9;
            int16_t via = sm_vector_get_i16(col(b, "ship_via"), i);
            ok &= via >= 1 && via <= 3;
            ok &= sm_vector_get_f32(col(b, "freight"), i) > 0.0f;
            size_t len;
            const char *s = sm_vector_get_str(col(b, "customer_id"), i, &len);
            char key[6] = {0};
            memcpy(key, s, 5);
            char(*hit)[6] =
                bsearch(key, ids, ncust, 6, (int (*)(const void *, const void *))strcmp);
            ok &= hit != NULL;
            if (hit && ++per_cust[hit - ids] > per_cust_max)
                per_cust_max = per_cust[hit - ids];
        }
    }
    CHECK(ok);
    CHECK_EQ_INT(next_id, 10248 + 830 * SCALE);
    CHECK_EQ_INT(prev_date, last);
    CHECK(unshipped > 0 && unshipped < 830 * SCALE / 20);
    /* skew: the busiest customer places several times the mean (9.1) */
    CHECK(per_cust_max > 3 * 830 / 91);

    /* lines: every order exists, products 1..77 distinct per order, the
     * product's price (or 80% of it), quantity 1..130, discount in the set */
    ok = 1;
    int64_t prev_order = 0, prev_product = 0, zero_discounts = 0;
    double revenue = 0;
    for (size_t k = 0; k < od.nbatches; k++) {
        const sm_batch_t *b = od.batches[k];
        for (size_t i = 0; i < b->nrows; i++) {
            int64_t o = get_int(col(b, "order_id"), i), p = get_int(col(b, "product_id"), i);
            ok &= o >= 10248 && o < 10248 + 830 * SCALE && o >= prev_order;
            ok &= p >= 1 && p <= 77 && (o != prev_order || p > prev_product);
            prev_order = o, prev_product = p;
            float up = sm_vector_get_f32(col(b, "unit_price"), i);
            ok &= up == price[p] || fabsf(up - price[p] * 0.8f) < 0.006f;
            int16_t q = sm_vector_get_i16(col(b, "quantity"), i);
            ok &= q >= 1 && q <= 130;
            float dc = sm_vector_get_f32(col(b, "discount"), i);
            ok &=
                dc == 0.0f || dc == 0.05f || dc == 0.1f || dc == 0.15f || dc == 0.2f || dc == 0.25f;
            zero_discounts += dc == 0.0f;
            revenue += up * q * (1 - dc);
        }
    }
    CHECK(ok);
    CHECK_EQ_INT(prev_order, 10248 + 830 * SCALE - 1);
    CHECK(zero_discounts > od.rows / 2 && zero_discounts < od.rows * 3 / 4);
    /* revenue per scale unit near the real 1.27M */
    CHECK(revenue / SCALE > 0.9e6 && revenue / SCALE < 1.7e6);
    CHECK(od.max_batch <= 1000);
    sm_free(per_cust);
    sm_free(ids);
    coll_free(&cu), coll_free(& or), coll_free(&od), coll_free(&pr);
}

static void test_copy_text(void)
{
    sm_type_t *t = NULL;
    sm_error_t e;
    const char *ty = "struct<s:string,n:smallint,f:float,d:date,b:binary,i:int>";
    CHECK_OK(sm_type_parse(ty, strlen(ty), &t, &e), &e);
    sm_batch_t *b = NULL;
    CHECK_OK(sm_batch_new(t, 0, &b, &e), &e);
    sm_vector_append_str(b->cols[0], "a\tb\\c\nd\re", &e);
    sm_vector_append_null(b->cols[1], &e);
    sm_vector_append_f32(b->cols[2], 0.05f, &e);
    sm_vector_append_i32(b->cols[3], 9681, &e);
    sm_vector_append_bytes(b->cols[4], "\x01\xab", 2, &e);
    sm_vector_append_i32(b->cols[5], -7, &e);
    CHECK_OK(sm_batch_sync(b, &e), &e);
    sm_buf_t out = SM_BUF_INIT;
    CHECK_OK(sm_gen_copy_text_row(b, 0, &out, &e), &e);
    CHECK_EQ_STR((const char *)out.data,
                 "a\\tb\\\\c\\nd\\re\t\\N\t0.05\t1996-07-04\t\\\\x01ab\t-7\n");
    sm_buf_free(&out);
    sm_batch_free(b);
    sm_type_free(t);
    /* a kind the generator never makes */
    CHECK_OK(sm_type_parse("struct<x:bigint>", strlen("struct<x:bigint>"), &t, &e), &e);
    CHECK_OK(sm_batch_new(t, 0, &b, &e), &e);
    sm_vector_append_i64(b->cols[0], 1, &e);
    sm_batch_sync(b, &e);
    CHECK_EQ_INT(sm_gen_copy_text_row(b, 0, &out, &e), SM_ERR_UNSUPPORTED);
    sm_buf_free(&out);
    sm_batch_free(b);
    sm_type_free(t);
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb, (void)flag, (void)f;
    return remove(p);
}

static int64_t query_int(sm_lake_t *lake, const char *sql)
{
    sm_query_result_t r = {0};
    sm_error_t e;
    int64_t v = -1;
    if (sm_query_run(lake, sql, NULL, NULL, NULL, &r, &e) == SM_OK && r.nbatches &&
        r.batches[0]->nrows == 1)
        v = sm_vector_get_i64(r.batches[0]->cols[0], 0);
    else
        fprintf(stderr, "query failed: %s: %s\n", sql, e.msg);
    sm_query_result_free(&r);
    return v;
}

static void test_bronze(void)
{
    char dir[] = "/tmp/smelt-gen-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    sm_lake_t *lake = NULL;
    sm_error_t e;
    CHECK_OK(sm_lake_open(dir, NULL, &lake, &e), &e);
    sm_gen_opts_t o = {.scale = 2, .seed = 11};
    sm_gen_result_t res;
    int64_t now_ms = INT64_C(1700000000000); /* 2023-11-14 */
    CHECK_OK(sm_gen_to_bronze(lake, &o, now_ms, &res, &e), &e);
    CHECK_EQ_INT(res.rows[SM_GEN_CUSTOMERS], 182);
    CHECK_EQ_INT(res.rows[SM_GEN_ORDERS], 1660);
    CHECK(res.bytes[SM_GEN_ORDER_DETAILS] > 0);
    CHECK_EQ_INT(query_int(lake, "SELECT count(*) FROM bronze.orders"), 1660);
    CHECK_EQ_INT(query_int(lake, "SELECT count(*) FROM bronze.order_details"),
                 res.rows[SM_GEN_ORDER_DETAILS]);
    CHECK_EQ_INT(query_int(lake, "SELECT count(*) FROM bronze.order_details od LEFT JOIN "
                                 "bronze.orders o ON od.order_id = o.order_id WHERE o.order_id "
                                 "IS NULL"),
                 0);
    CHECK_EQ_INT(query_int(lake, "SELECT count(*) FROM bronze.customers WHERE _source = "
                                 "'postgresql' AND _ingestion_date = DATE '2023-11-14'"),
                 182);
    /* a re-run the same day replaces that day: still the same counts */
    CHECK_OK(sm_gen_to_bronze(lake, &o, now_ms + 1000, &res, &e), &e);
    CHECK_EQ_INT(query_int(lake, "SELECT count(*) FROM bronze.orders"), 1660);
    sm_lake_close(lake);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_postgres_unreachable(void)
{
    sm_error_t e;
    sm_gen_opts_t o = {.scale = 1};
    sm_err_t rc = sm_gen_to_postgres("host=127.0.0.1 port=1 password=hunter2 connect_timeout=2", &o,
                                     false, NULL, &e);
    CHECK_EQ_INT(rc, SM_ERR_NETWORK);
    CHECK(strstr(e.msg, "127.0.0.1") != NULL);
    CHECK(strstr(e.msg, "hunter2") == NULL);
}

int main(void)
{
    RUN(test_determinism);
    RUN(test_counts);
    RUN(test_order_id_width);
    RUN(test_bad_arguments);
    RUN(test_callback_error_stops);
    RUN(test_allocation_failures);
    RUN(test_reference_tables);
    RUN(test_values_and_integrity);
    RUN(test_copy_text);
    RUN(test_bronze);
    RUN(test_postgres_unreachable);
    return check_summary();
}
