/* AK/SK at its edges: crypto hooks missing or failing (nothing is sent),
 * re-signing failing after a clock-skew correction (the refusal stands,
 * nothing more is sent), a correction out of range (not applied), and a
 * signed GET with a query (the query is in the signature). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto_mbedtls.h"
#include "deploystop.h"
#include "ds_date.h"
#include "ds_halt.h"
#include "ds_sign.h"
#include "halt_fixture.h"
#include "request.h"
#include "stop_aksk.h"
#include "writer.h"

#define SERVER_UNIX INT64_C(1795860000) /* Sat, 28 Nov 2026 10:00:00 GMT */
#define SERVER_DATE_HDR "Date: Sat, 28 Nov 2026 10:00:00 GMT\r\n"
#define SKEW_BODY                                                              \
    "{\"error_msg\":\"Incorrect IAM authentication information: signature "    \
    "expired, signature time:20261128T090000Z,server "                         \
    "time:20261128T100000Z\",\"error_code\":\"APIGW.0301\","                   \
    "\"request_id\":\"r1\"}"

static int64_t g_clock;
static int64_t g_offset;
static int g_calls;     /* crypto calls made */
static int g_fail_from; /* crypto calls from this one on fail (0: none) */

static int f_unix(void *ctx, int64_t *t)
{
    (void)ctx;
    *t = g_clock;
    return 0;
}

static int counted(void)
{
    g_calls++;
    return g_fail_from && g_calls >= g_fail_from;
}

static int c_sha256(void *ctx, const uint8_t *msg, size_t len, uint8_t out[32])
{
    if (counted())
        return -1;
    return test_crypto_mbedtls.sha256(ctx, msg, len, out);
}

static int c_hmac(void *ctx, const uint8_t *key, size_t key_len,
                  const uint8_t *msg, size_t len, uint8_t out[32])
{
    if (counted())
        return -1;
    return test_crypto_mbedtls.hmac_sha256(ctx, key, key_len, msg, len, out);
}

static const ds_crypto_t counting = {NULL, c_sha256, c_hmac};
static const ds_crypto_t no_hmac = {NULL, c_sha256, NULL};

static void aksk(fixture_t *f, const ds_crypto_t *crypto)
{
    f->pf.unix_time = f_unix;
    f->req.auth.kind = DS_AUTH_AKSK;
    f->req.auth.token = NULL;
    f->req.auth.token_len = 0;
    f->req.auth.ak = "AccessKey";
    f->req.auth.sk = "SecretKey";
    f->req.auth.crypto = crypto;
    f->req.auth.clock_offset_s = &g_offset;
    g_clock = SERVER_UNIX;
    g_offset = 0;
    g_calls = 0;
    g_fail_from = 0;
}

static void
crypto_without_hmac_is_bad_credentials_and_sends_nothing(void **state)
{
    (void)state;
    fx_init(&F, 5000, 0);
    aksk(&F, &no_hmac);
    fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_BAD_CREDENTIALS);
    assert_int_equal(F.ft.connects, 0);
    assert_int_equal(g_calls, 0);
}

static void
crypto_hook_failing_is_bad_credentials_and_sends_nothing(void **state)
{
    (void)state;
    fx_init(&F, 5000, 0);
    aksk(&F, &counting);
    g_fail_from = 1;
    fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_BAD_CREDENTIALS);
    assert_int_equal(F.ft.connects, 0);
    assert_int_equal(F.ft.sent_len, 0);
    assert_int_equal(g_calls, 1);
}

static void
resigning_failing_after_a_skew_correction_keeps_the_refusal(void **state)
{
    int per_signing;
    (void)state;
    /* how many crypto calls one signing takes */
    fx_init(&F, 5000, 0);
    aksk(&F, &counting);
    fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_STOPPED);
    per_signing = g_calls;
    assert_true(per_signing > 0);

    fx_init(&F, 5000, 0);
    aksk(&F, &counting);
    g_clock = SERVER_UNIX - 3600; /* an hour slow: refused */
    g_fail_from = per_signing + 1;
    fx_answer(&F, 0, 401, SERVER_DATE_HDR, SKEW_BODY);
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_AUTH_FAILED);
    assert_int_equal(F.res.http_status, 401);
    assert_string_equal(F.res.error_code, "APIGW.0301");
    assert_int_equal(F.res.attempts, 1);
    assert_int_equal(F.ft.connects, 1);
    assert_int_equal(F.ft.nreq, 1);
    assert_int_equal(g_offset, 3600); /* the correction is kept for later */
    assert_int_equal(g_calls, per_signing + 1);
}

static void
device_clock_far_before_1970_cannot_sign_and_sends_nothing(void **state)
{
    (void)state;
    fx_init(&F, 5000, 0);
    aksk(&F, &counting);
    g_clock = -DS_AKSK_CLOCK_MAX + 1; /* in range, but no X-Sdk-Date */
    fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_NO_CLOCK);
    assert_int_equal(F.ft.connects, 0);
}

static void skew_offset_beyond_the_bound_is_refused(void **state)
{
    ds_result_t res;
    int64_t off = 7;
    (void)state;
    fx_init(&F, 5000, 0);
    aksk(&F, &counting);
    memset(&res, 0, sizeof res);
    res.http_status = 401;
    snprintf(res.error_msg, sizeof res.error_msg, "%s",
             "Incorrect IAM authentication information: signature expired, "
             "signature time:20261128T090000Z,server time:20261128T100000Z");
    snprintf(res.server_date, sizeof res.server_date, "%s",
             "Sat, 28 Nov 2026 10:00:00 GMT");
    g_clock = SERVER_UNIX - 3600;
    assert_int_equal(ds_aksk_skew_offset(&F.pf, &res, &off), 1);
    assert_int_equal(off, 3600);
    off = 7;
    g_clock = -DS_AKSK_CLOCK_MAX + 1; /* in range, but server - now is not */
    assert_int_equal(ds_aksk_skew_offset(&F.pf, &res, &off), 0);
    assert_int_equal(off, 7);
}

static void signed_state_call_signs_its_query(void **state)
{
    static char scratch[DS_AKSK_SCRATCH];
    char want[DS_SIGN_AUTH_MAX], date[DS_SDK_DATE_LEN + 1],
        line[DS_SIGN_AUTH_MAX + 32];
    ds_sign_input_t in;
    ds_record_state_t st;
    (void)state;
    hx_init();
    aksk(&F, &test_crypto_mbedtls);
    F.req.record_id = FX_RECORD;
    ft_answer(&F.ft, 0, hx_http(200, NULL, HX_STATE("running")));
    assert_int_equal(ds_state(&S, &F.req, &st, &F.res), DS_OK);
    assert_string_equal(st.status, "running");
    assert_int_equal(ds_date_sdk(SERVER_UNIX, date, sizeof date), 0);
    memset(&in, 0, sizeof in);
    in.method = "GET";
    in.path = "/v2/tasks/" FX_TASK "/state";
    in.query = "record_id=" FX_RECORD "&step_state=false";
    in.content_type = NULL; /* a GET has no body and no type */
    in.host = "localhost";
    in.sdk_date = date;
    assert_int_equal(ds_sign_authorization(&in, "AccessKey", "SecretKey",
                                           &test_crypto_mbedtls, scratch,
                                           sizeof scratch, want, sizeof want),
                     DS_SIGN_OK);
    snprintf(line, sizeof line, "\r\nAuthorization: %s\r\n", want);
    assert_non_null(strstr(hx_req(0), line));
    assert_non_null(strstr(hx_req(0), "GET /v2/tasks/" FX_TASK
                                      "/state?record_id=" FX_RECORD
                                      "&step_state=false HTTP/1.1\r\n"));
    assert_null(strstr(hx_req(0), "X-Auth-Token"));
    hx_end();
}

/* ---- ds_aksk_head on requests ds_stop would refuse ---------------------- */

static char g_head[DS_REQ_HEAD_MAX + 1];
static char g_scratch[DS_AKSK_SCRATCH];

static ds_stop_request_t signed_request(void)
{
    ds_stop_request_t r;
    ds_stop_request_init(&r);
    r.host = "localhost";
    r.task_id = FX_TASK;
    r.record_id = FX_RECORD;
    r.auth.kind = DS_AUTH_AKSK;
    r.auth.ak = "AccessKey";
    r.auth.sk = "SecretKey";
    r.auth.crypto = &test_crypto_mbedtls;
    return r;
}

static ds_reason_t sign_head(const ds_call_t *c)
{
    ds_wr_t h;
    ds_wr_init(&h, g_head, sizeof g_head);
    return ds_aksk_call_head(&h, c, &F.pf, 0, g_scratch, sizeof g_scratch, 0);
}

static void aksk_head_with_a_host_too_long_is_bad_host(void **state)
{
    /* longer than "[" host "]:65535" with the longest valid host */
    static char host[DS_HOST_MAX + 64];
    ds_stop_request_t r = signed_request();
    ds_wr_t h;
    (void)state;
    fx_init(&F, 5000, 0);
    aksk(&F, &counting);
    memset(host, 'a', sizeof host - 1);
    r.host = host;
    ds_wr_init(&h, g_head, sizeof g_head);
    assert_int_equal(
        ds_aksk_head(&h, &r, &F.pf, 0, g_scratch, sizeof g_scratch),
        DS_R_BAD_HOST);
    assert_int_equal(g_calls, 0); /* nothing signed */
}

static void aksk_head_with_a_record_id_too_long_is_bad_record_id(void **state)
{
    static char id[120];
    ds_stop_request_t r = signed_request();
    ds_wr_t h;
    (void)state;
    fx_init(&F, 5000, 0);
    aksk(&F, &counting);
    memset(id, 'b', sizeof id - 1);
    r.record_id = id;
    ds_wr_init(&h, g_head, sizeof g_head);
    assert_int_equal(
        ds_aksk_head(&h, &r, &F.pf, 0, g_scratch, sizeof g_scratch),
        DS_R_BAD_RECORD_ID);
    assert_int_equal(g_calls, 0);
}

static void long_query(ds_wr_t *w, const ds_call_t *c)
{
    char q[DS_WIRE_QUERY_MAX + 8];
    (void)c;
    memset(q, 'q', sizeof q - 1);
    q[sizeof q - 1] = 0;
    ds_wr_str(w, q);
}

static void aksk_call_head_with_a_query_too_long_is_too_large(void **state)
{
    ds_stop_request_t r = signed_request();
    ds_call_t c;
    (void)state;
    fx_init(&F, 5000, 0);
    aksk(&F, &counting);
    r.auth.crypto = &counting;
    ds_call_stop(&c, &r);
    c.method = "GET";
    c.query = long_query;
    assert_int_equal(sign_head(&c), DS_R_REQUEST_TOO_LARGE);
    assert_int_equal(g_calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            crypto_without_hmac_is_bad_credentials_and_sends_nothing),
        cmocka_unit_test(
            crypto_hook_failing_is_bad_credentials_and_sends_nothing),
        cmocka_unit_test(
            resigning_failing_after_a_skew_correction_keeps_the_refusal),
        cmocka_unit_test(
            device_clock_far_before_1970_cannot_sign_and_sends_nothing),
        cmocka_unit_test(skew_offset_beyond_the_bound_is_refused),
        cmocka_unit_test(signed_state_call_signs_its_query),
        cmocka_unit_test(aksk_head_with_a_host_too_long_is_bad_host),
        cmocka_unit_test(aksk_head_with_a_record_id_too_long_is_bad_record_id),
        cmocka_unit_test(aksk_call_head_with_a_query_too_long_is_too_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
