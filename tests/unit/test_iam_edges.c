/* ds_iam_fetch's argument checks: every missing hook or buffer is
 * DS_R_BAD_ARGUMENT, nothing is sent and the caller's token buffer is left
 * as it was; and ds_iam_parse_expires without an output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "deploystop.h"
#include "ds_iam.h"
#include "fake_platform.h"
#include "fake_transport.h"

static fake_platform_t fp;
static ds_platform_t pf;
static fake_transport_t ft;
static ds_transport_t tr;
static ds_workspace_t ws;
static char tokbuf[64];
static ds_iam_token_t tok;
static ds_result_t res;
static ds_iam_request_t req;

static void setup_all(void)
{
    fake_platform_init(&fp, &pf, 1000, 0);
    fake_transport_init(&ft, &tr, &fp);
    memset(tokbuf, 'Z', sizeof tokbuf);
    tok.buf = tokbuf;
    tok.cap = sizeof tokbuf;
    tok.len = 99;
    ds_iam_request_init(&req);
    req.host = "iam.cn-north-4.myhuaweicloud.com";
    req.user = "u";
    req.password = "p";
    req.domain = "d";
    req.project = "cn-north-4";
    req.retries = 0;
}

static void expect_bad_argument(const ds_transport_t *t, const ds_platform_t *p,
                                ds_iam_token_t *k)
{
    memset(&res, 0x5a, sizeof res);
    assert_int_equal(ds_iam_fetch(&req, t, p, &ws, k, &res), DS_INVALID_INPUT);
    assert_int_equal(res.outcome, DS_INVALID_INPUT);
    assert_int_equal(res.reason, DS_R_BAD_ARGUMENT);
    assert_int_equal(ft.connects, 0);
    assert_int_equal(ft.sends, 0);
    assert_int_equal(tokbuf[0], 'Z'); /* not the caller's to clear */
    assert_int_equal(tok.len, 99);
}

static void fetch_without_token_or_its_buffer_is_bad_argument(void **state)
{
    ds_iam_token_t k;
    (void)state;
    setup_all();
    expect_bad_argument(&tr, &pf, NULL);
    k = tok;
    k.buf = NULL;
    expect_bad_argument(&tr, &pf, &k);
    k = tok;
    k.cap = 1;
    expect_bad_argument(&tr, &pf, &k);
}

static void fetch_without_platform_is_bad_argument(void **state)
{
    ds_platform_t p;
    (void)state;
    setup_all();
    expect_bad_argument(&tr, NULL, &tok);
    p = pf;
    p.now_ms = NULL;
    expect_bad_argument(&tr, &p, &tok);
}

static void fetch_with_a_transport_hook_missing_is_bad_argument(void **state)
{
    ds_transport_t t;
    (void)state;
    setup_all();
    t = tr;
    t.connect = NULL;
    expect_bad_argument(&t, &pf, &tok);
    t = tr;
    t.send = NULL;
    expect_bad_argument(&t, &pf, &tok);
    t = tr;
    t.recv = NULL;
    expect_bad_argument(&t, &pf, &tok);
    t = tr;
    t.close = NULL;
    expect_bad_argument(&t, &pf, &tok);
}

static void parse_expires_without_output_is_an_error(void **state)
{
    static const char body[] =
        "{\"token\":{\"expires_at\":\"2026-11-29T10:00:00.000000Z\"}}";
    int64_t t = 0;
    (void)state;
    assert_int_equal(ds_iam_parse_expires(body, sizeof body - 1, NULL), -1);
    assert_int_equal(ds_iam_parse_expires(body, sizeof body - 1, &t), 0);
    assert_true(t == INT64_C(1795946400));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fetch_without_token_or_its_buffer_is_bad_argument),
        cmocka_unit_test(fetch_without_platform_is_bad_argument),
        cmocka_unit_test(fetch_with_a_transport_hook_missing_is_bad_argument),
        cmocka_unit_test(parse_expires_without_output_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
