/* INTERSECT / EXCEPT (distinct and ALL), with NULLs comparing equal. */
#include "test_op_util.h"

static const sm_exec_ctx_t plain = {0};

#define S "struct<a:int,b:string>"
static const char *const left[] = {"1",  "x", "1",  "x",  "1", "x", "2",
                                   NULL, "2", NULL, NULL, "z", "3", "y"};
static const char *const right[] = {"1", "x", "1", "x", "2", NULL, NULL, "z", "4", "w"};

static sm_op_t *setop(sm_setop_kind_t k, bool all, size_t nl, size_t nr)
{
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK_OK(sm_op_setop_new(&plain, k, all, tu_values(&plain, S, left, nl, 2),
                             tu_values(&plain, S, right, nr, 3), &op, &e),
             &e);
    return op;
}

static void test_intersect_except(void)
{
    CHECK_ROWS(setop(SM_SETOP_INTERSECT, false, 7, 5), 1, "1|x;2|NULL;NULL|z");
    CHECK_ROWS(setop(SM_SETOP_INTERSECT, true, 7, 5), 1, "1|x;1|x;2|NULL;NULL|z");
    CHECK_ROWS(setop(SM_SETOP_EXCEPT, false, 7, 5), 1, "3|y");
    CHECK_ROWS(setop(SM_SETOP_EXCEPT, true, 7, 5), 1, "1|x;2|NULL;3|y");
    /* empty sides */
    CHECK_ROWS(setop(SM_SETOP_INTERSECT, false, 7, 0), 1, "");
    CHECK_ROWS(setop(SM_SETOP_EXCEPT, false, 7, 0), 1, "1|x;2|NULL;3|y;NULL|z");
    CHECK_ROWS(setop(SM_SETOP_EXCEPT, true, 0, 5), 1, "");
    /* mismatched inputs */
    sm_op_t *op = NULL;
    sm_error_t e;
    CHECK(sm_op_setop_new(&plain, SM_SETOP_EXCEPT, false, tu_values(&plain, S, left, 1, 1),
                          tu_values(&plain, "struct<a:int>", right, 0, 1), &op,
                          &e) == SM_ERR_INVALID);
}

int main(void)
{
    RUN(test_intersect_except);
    return check_summary();
}
