/* ds_stop with AK/SK signing: signed heads on the wire, and the clock-skew
 * recovery (one re-signed retry, never a loop). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto_mbedtls.h"
#include "ds_date.h"
#include "stop_fixture.h"

#define SERVER_UNIX INT64_C(1795860000) /* Sat, 28 Nov 2026 10:00:00 GMT */
#define SERVER_DATE_HDR "Date: Sat, 28 Nov 2026 10:00:00 GMT\r\n"
#define SKEW_BODY                                                              \
    "{\"error_msg\":\"Incorrect IAM authentication information: signature "    \
    "expired, signature time:20261128T090000Z,server "                         \
    "time:20261128T100000Z\",\"error_code\":\"APIGW.0301\","                   \
    "\"request_id\":\"r1\"}"

static fixture_t g_f;
static int64_t g_clock; /* the device's wall clock */
static int g_has_clock;
static int64_t g_offset;

static int f_unix(void *ctx, int64_t *t)
{
    (void)ctx;
    if (!g_has_clock)
        return -1;
    *t = g_clock;
    return 0;
}

static int setup(void **state)
{
    (void)state;
    fx_init(&g_f, 5000, 0);
    g_f.pf.unix_time = f_unix;
    g_clock = SERVER_UNIX - 3600; /* an hour slow: over the 15 min limit */
    g_has_clock = 1;
    g_offset = 0;
    g_f.req.auth.kind = DS_AUTH_AKSK;
    g_f.req.auth.token = NULL;
    g_f.req.auth.token_len = 0;
    g_f.req.auth.ak = "AccessKey";
    g_f.req.auth.sk = "SecretKey";
    g_f.req.auth.crypto = &test_crypto_mbedtls;
    g_f.req.auth.clock_offset_s = &g_offset;
    return 0;
}

/* Bytes sent in attempt i, NUL-terminated. */
static const char *sent(int i)
{
    static char buf[4096];
    size_t n = g_f.ft.attempt_sent[i];
    assert_true(n < sizeof buf);
    memcpy(buf, g_f.ft.sent + g_f.ft.attempt_start[i], n);
    buf[n] = '\0';
    return buf;
}

static void expect_sdk_date(int attempt, int64_t t)
{
    char want[64], date[DS_SDK_DATE_LEN + 1];
    assert_int_equal(ds_date_sdk(t, date, sizeof date), 0);
    snprintf(want, sizeof want, "\r\nX-Sdk-Date: %s\r\n", date);
    assert_non_null(strstr(sent(attempt), want));
}

static void signed_stop_sends_date_and_authorization_not_token(void **state)
{
    (void)state;
    g_clock = SERVER_UNIX;
    fx_answer(&g_f, 0, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&g_f), DS_STOPPED);
    expect_sdk_date(0, SERVER_UNIX);
    assert_non_null(strstr(
        sent(0), "\r\nAuthorization: SDK-HMAC-SHA256 Access=AccessKey, "
                 "SignedHeaders=content-type;host;x-sdk-date, Signature="));
    assert_null(strstr(sent(0), "X-Auth-Token"));
    assert_null(strstr(sent(0), "SecretKey"));
    assert_null(strstr(g_f.trace, "SecretKey"));
    assert_int_equal(g_offset, 0);
}

static void skew_refusal_corrects_offset_and_retries_once(void **state)
{
    (void)state;
    fx_answer(&g_f, 0, 401, SERVER_DATE_HDR, SKEW_BODY);
    fx_answer(&g_f, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&g_f), DS_STOPPED);
    assert_int_equal(g_f.res.attempts, 2);
    assert_int_equal(g_f.ft.connects, 2);
    assert_int_equal(g_offset, 3600);
    expect_sdk_date(0, SERVER_UNIX - 3600);
    expect_sdk_date(1, SERVER_UNIX);
    assert_int_equal(g_f.fp.nsleeps, 0); /* re-signed at once, no backoff */
}

static void second_skew_refusal_is_final(void **state)
{
    (void)state;
    g_f.req.retries = 5;
    fx_answer(&g_f, 0, 401, SERVER_DATE_HDR, SKEW_BODY);
    fx_answer(&g_f, 1, 401, SERVER_DATE_HDR, SKEW_BODY);
    fx_answer(&g_f, 2, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&g_f), DS_AUTH_FAILED);
    assert_int_equal(g_f.res.attempts, 2);
    assert_int_equal(g_f.ft.connects, 2);
    assert_string_equal(g_f.res.error_code, "APIGW.0301");
}

static void other_auth_failure_is_not_retried(void **state)
{
    (void)state;
    fx_answer(&g_f, 0, 401, SERVER_DATE_HDR,
              "{\"error_msg\":\"Incorrect IAM authentication information: "
              "verify aksk signature fail\",\"error_code\":\"APIGW.0301\"}");
    fx_answer(&g_f, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&g_f), DS_AUTH_FAILED);
    assert_int_equal(g_f.res.attempts, 1);
    assert_int_equal(g_offset, 0);
}

static void clockless_device_learns_time_from_first_answer(void **state)
{
    (void)state;
    g_has_clock = 0; /* uptime: the fake clock started at 5 s */
    fx_answer(&g_f, 0, 401, SERVER_DATE_HDR, SKEW_BODY);
    fx_answer(&g_f, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&g_f), DS_STOPPED);
    expect_sdk_date(0, 5);
    expect_sdk_date(1, SERVER_UNIX);
    assert_int_equal(g_offset, (int64_t)(SERVER_UNIX - 5));
}

static void clockless_device_after_2038_keeps_the_whole_offset(void **state)
{
    static const int64_t server = INT64_C(2208988800); /* 2040-01-01 00:00:00 */
    (void)state;
    g_has_clock = 0;
    fx_answer(
        &g_f, 0, 401, "Date: Sun, 01 Jan 2040 00:00:00 GMT\r\n",
        "{\"error_msg\":\"Incorrect IAM authentication information: signature "
        "expired, signature time:19700101T000005Z,server "
        "time:20400101T000000Z\",\"error_code\":\"APIGW.0301\"}");
    fx_answer(&g_f, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&g_f), DS_STOPPED);
    expect_sdk_date(1, server);
    assert_true(g_offset > INT32_MAX);
    assert_int_equal(g_offset, server - 5);
}

static void learned_offset_is_used_by_the_next_stop(void **state)
{
    (void)state;
    g_offset = 3600;
    fx_answer(&g_f, 0, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&g_f), DS_STOPPED);
    assert_int_equal(g_f.res.attempts, 1);
    expect_sdk_date(0, SERVER_UNIX);
}

static void skew_retry_does_not_use_up_retries(void **state)
{
    (void)state;
    g_f.req.retries = 1;
    fx_answer(&g_f, 0, 401, SERVER_DATE_HDR, SKEW_BODY);
    fx_answer(&g_f, 1, 503, NULL, "{}");
    fx_answer(&g_f, 2, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&g_f), DS_STOPPED);
    assert_int_equal(g_f.res.attempts, 3);
    expect_sdk_date(2, SERVER_UNIX);
}

static void offset_pointer_may_be_null(void **state)
{
    (void)state;
    g_f.req.auth.clock_offset_s = NULL;
    fx_answer(&g_f, 0, 401, SERVER_DATE_HDR, SKEW_BODY);
    fx_answer(&g_f, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&g_f), DS_STOPPED);
    expect_sdk_date(1, SERVER_UNIX);
}

static void malformed_credentials_send_nothing(void **state)
{
    (void)state;
    g_f.req.auth.sk = "";
    assert_int_equal(fx_stop(&g_f), DS_INVALID_INPUT);
    assert_int_equal(g_f.res.reason, DS_R_BAD_CREDENTIALS);
    setup(NULL);
    g_f.req.auth.crypto = NULL;
    assert_int_equal(fx_stop(&g_f), DS_INVALID_INPUT);
    assert_int_equal(g_f.res.reason, DS_R_BAD_CREDENTIALS);
    assert_int_equal(g_f.ft.connects, 0);
}

static void signed_head_is_wiped_after_the_stop(void **state)
{
    size_t i;
    (void)state;
    g_clock = SERVER_UNIX;
    fx_answer(&g_f, 0, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&g_f), DS_STOPPED);
    for (i = 0; i < sizeof g_f.ws.head; i++)
        assert_int_equal(g_f.ws.head[i], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup(name, setup)
        T(signed_stop_sends_date_and_authorization_not_token),
        T(skew_refusal_corrects_offset_and_retries_once),
        T(second_skew_refusal_is_final),
        T(other_auth_failure_is_not_retried),
        T(clockless_device_learns_time_from_first_answer),
        T(clockless_device_after_2038_keeps_the_whole_offset),
        T(learned_offset_is_used_by_the_next_stop),
        T(skew_retry_does_not_use_up_retries),
        T(offset_pointer_may_be_null),
        T(malformed_credentials_send_nothing),
        T(signed_head_is_wiped_after_the_stop),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
