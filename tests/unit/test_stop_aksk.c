/* AK/SK head of a stop and the clock-skew correction (core/stop_aksk.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto_mbedtls.h"
#include "ds_sign.h"
#include "stop_aksk.h"

#define TASK "e700f15965694253940502911220d76b"
#define RECORD "2c82ffe8d00d4968a4e5f7a36d87ae17"
#define VECTOR3_UNIX INT64_C(1752032188) /* 20250709T033628Z */

static int64_t g_unix;
static int g_has_clock;
static uint32_t g_now_ms;
static char g_head[DS_REQ_HEAD_MAX + 1];
static char g_scratch[DS_AKSK_SCRATCH];

static int f_unix(void *ctx, int64_t *t)
{
    (void)ctx;
    if (!g_has_clock)
        return -1;
    *t = g_unix;
    return 0;
}

static uint32_t f_now(void *ctx)
{
    (void)ctx;
    return g_now_ms;
}

static ds_platform_t g_pf = {NULL, f_now, NULL, NULL, f_unix};

static ds_stop_request_t request(void)
{
    ds_stop_request_t r;
    ds_stop_request_init(&r);
    r.host = "codearts-deploy.cn-north-4.myhuaweicloud.com";
    r.task_id = TASK;
    r.record_id = RECORD;
    r.auth.kind = DS_AUTH_AKSK;
    r.auth.ak = "AccessKey";
    r.auth.sk = "SecretKey";
    r.auth.crypto = &test_crypto_mbedtls;
    return r;
}

static int setup(void **state)
{
    (void)state;
    g_unix = VECTOR3_UNIX;
    g_has_clock = 1;
    g_now_ms = 0;
    g_pf.unix_time = f_unix;
    memset(g_head, 'x', sizeof g_head);
    return 0;
}

static ds_reason_t head(const ds_stop_request_t *r, int64_t offset, size_t cap)
{
    ds_wr_t h;
    ds_reason_t why;
    ds_wr_init(&h, g_head, cap);
    why = ds_aksk_head(&h, r, &g_pf, offset, g_scratch, sizeof g_scratch);
    if (!why)
        g_head[h.len] = '\0';
    return why;
}

static void signed_head_reproduces_vector3(void **state)
{
    ds_stop_request_t r = request();
    (void)state;
    assert_int_equal(head(&r, 0, DS_REQ_HEAD_MAX), DS_R_NONE);
    assert_string_equal(
        g_head,
        "PUT /v2/tasks/" TASK "/records/" RECORD "/stop HTTP/1.1\r\n"
        "Host: codearts-deploy.cn-north-4.myhuaweicloud.com\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 2\r\n"
        "Accept: application/json\r\n"
        "User-Agent: deploystop/" DS_VERSION "\r\n"
        "X-Sdk-Date: 20250709T033628Z\r\n"
        "Authorization: SDK-HMAC-SHA256 Access=AccessKey, "
        "SignedHeaders=content-type;host;x-sdk-date, "
        "Signature=b5c93d7624d15468f220aeee64d312dc9ba06053e5411f4487f2d5872574cee0\r\n"
        "\r\n{}");
}

static void offset_shifts_the_signing_time(void **state)
{
    ds_stop_request_t r = request();
    (void)state;
    g_unix = VECTOR3_UNIX - 3600;
    assert_int_equal(head(&r, 3600, DS_REQ_HEAD_MAX), DS_R_NONE);
    assert_non_null(strstr(g_head, "X-Sdk-Date: 20250709T033628Z\r\n"));
    assert_non_null(
        strstr(g_head, "Signature=b5c93d7624d15468f220aeee64d312dc"));
}

static void clockless_platform_signs_uptime_plus_offset(void **state)
{
    ds_stop_request_t r = request();
    (void)state;
    g_has_clock = 0;
    g_now_ms = 42999; /* 42 s of uptime */
    assert_int_equal(head(&r, (int64_t)(VECTOR3_UNIX - 42), DS_REQ_HEAD_MAX),
                     DS_R_NONE);
    assert_non_null(strstr(g_head, "X-Sdk-Date: 20250709T033628Z\r\n"));
    g_pf.unix_time = NULL;
    assert_int_equal(head(&r, (int64_t)(VECTOR3_UNIX - 42), DS_REQ_HEAD_MAX),
                     DS_R_NONE);
    assert_non_null(strstr(g_head, "X-Sdk-Date: 20250709T033628Z\r\n"));
}

/* Expected signature from an independent Python implementation of the
 * official SDK signer, over Host "[::1]:8443". */
static void ipv6_host_and_port_are_signed_as_sent(void **state)
{
    ds_stop_request_t r = request();
    (void)state;
    r.host = "::1";
    r.port = 8443;
    assert_int_equal(head(&r, 0, DS_REQ_HEAD_MAX), DS_R_NONE);
    assert_non_null(strstr(g_head, "\r\nHost: [::1]:8443\r\n"));
    assert_non_null(strstr(g_head, "Signature=5c020fbd8e717865750946bb2486f255"
                                   "94ed3c67b7716f45c2bafc5e5f32bc48\r\n"));
}

static void small_head_buffer_is_request_too_large(void **state)
{
    ds_stop_request_t r = request();
    size_t need, cap;
    (void)state;
    assert_int_equal(head(&r, 0, DS_REQ_HEAD_MAX), DS_R_NONE);
    need = strlen(g_head);
    for (cap = 0; cap < need; cap += 7)
        assert_int_equal(head(&r, 0, cap), DS_R_REQUEST_TOO_LARGE);
    assert_int_equal(head(&r, 0, need), DS_R_NONE);
}

static ds_reason_t head_with_scratch(const ds_stop_request_t *r, size_t cap)
{
    ds_wr_t h;
    ds_wr_init(&h, g_head, DS_REQ_HEAD_MAX);
    return ds_aksk_head(&h, r, &g_pf, 0, g_scratch, cap);
}

static void longest_host_fits_aksk_scratch(void **state)
{
    char host[DS_HOST_MAX + 1];
    ds_stop_request_t r = request();
    (void)state;
    memset(host, 'a', DS_HOST_MAX);
    host[DS_HOST_MAX] = '\0';
    r.host = host;
    r.port = 65535;
    assert_int_equal(head_with_scratch(&r, DS_AKSK_SCRATCH), DS_R_NONE);
    /* 512-byte canonical request + 351 bytes for host value and path */
    assert_int_equal(head_with_scratch(&r, 863), DS_R_NONE);
    assert_int_equal(head_with_scratch(&r, 862), DS_R_REQUEST_TOO_LARGE);
}

static void
small_body_buffer_signs_real_hosts_and_refuses_long_ones(void **state)
{
    char host[200];
    ds_stop_request_t r = request();
    size_t cap;
    (void)state;
    assert_int_equal(head_with_scratch(&r, 768), DS_R_NONE);
    assert_non_null(
        strstr(g_head, "Signature=b5c93d7624d15468f220aeee64d312dc"));
    memset(host, 'h', sizeof host - 1);
    host[sizeof host - 1] = '\0';
    r.host = host;
    assert_int_equal(head_with_scratch(&r, 768), DS_R_REQUEST_TOO_LARGE);
    for (cap = 0; cap < 400; cap += 13)
        assert_int_equal(head_with_scratch(&r, cap), DS_R_REQUEST_TOO_LARGE);
}

static void time_before_1970_is_no_clock(void **state)
{
    ds_stop_request_t r = request();
    (void)state;
    g_unix = 10;
    assert_int_equal(head(&r, -11, DS_REQ_HEAD_MAX), DS_R_NO_CLOCK);
}

static int fail_hmac(void *ctx, const uint8_t *k, size_t kn, const uint8_t *m,
                     size_t n, uint8_t o[32])
{
    (void)ctx;
    (void)k;
    (void)kn;
    (void)m;
    (void)n;
    (void)o;
    return -1;
}

static void crypto_failure_is_bad_credentials(void **state)
{
    ds_crypto_t c = test_crypto_mbedtls;
    ds_stop_request_t r = request();
    (void)state;
    c.hmac_sha256 = fail_hmac;
    r.auth.crypto = &c;
    assert_int_equal(head(&r, 0, DS_REQ_HEAD_MAX), DS_R_BAD_CREDENTIALS);
}

static void check_refuses_malformed_credentials_and_missing_hooks(void **state)
{
    ds_crypto_t c = test_crypto_mbedtls;
    ds_stop_request_t r = request();
    (void)state;
    assert_int_equal(ds_aksk_check(&r), DS_R_NONE);
    r.auth.sk = "";
    assert_int_equal(ds_aksk_check(&r), DS_R_BAD_CREDENTIALS);
    r = request();
    r.auth.ak = NULL;
    assert_int_equal(ds_aksk_check(&r), DS_R_BAD_CREDENTIALS);
    r = request();
    r.auth.crypto = NULL;
    assert_int_equal(ds_aksk_check(&r), DS_R_BAD_CREDENTIALS);
    c.sha256 = NULL;
    r.auth.crypto = &c;
    assert_int_equal(ds_aksk_check(&r), DS_R_BAD_CREDENTIALS);
}

static ds_result_t skew_answer(const char *date)
{
    ds_result_t res;
    memset(&res, 0, sizeof res);
    res.http_status = 401;
    strcpy(res.error_msg, "Incorrect IAM authentication information: "
                          "signature expired, signature time:"
                          "19700101T000042Z,server time:20250709T033628Z");
    strcpy(res.server_date, date);
    return res;
}

static void skew_answer_sets_offset_from_server_date(void **state)
{
    ds_result_t res = skew_answer("Wed, 09 Jul 2025 04:36:28 GMT");
    int64_t off = 0;
    (void)state;
    g_unix = VECTOR3_UNIX - 1000;
    assert_int_equal(ds_aksk_skew_offset(&g_pf, &res, &off), 1);
    assert_int_equal(off, 3600 + 1000);
}

static void skew_answer_on_clockless_platform_maps_uptime(void **state)
{
    ds_result_t res = skew_answer("");
    int64_t off = 0;
    (void)state;
    g_pf.unix_time = NULL;
    g_now_ms = 42000;
    assert_int_equal(ds_aksk_skew_offset(&g_pf, &res, &off), 1);
    assert_int_equal(off, (int64_t)(VECTOR3_UNIX - 42));
}

static void other_answers_leave_offset_alone(void **state)
{
    ds_result_t res = skew_answer("Wed, 09 Jul 2025 04:36:28 GMT");
    int64_t off = 77;
    (void)state;
    res.http_status = 403;
    assert_int_equal(ds_aksk_skew_offset(&g_pf, &res, &off), 0);
    res = skew_answer("Wed, 09 Jul 2025 04:36:28 GMT");
    strcpy(res.error_msg, "verify aksk signature fail");
    assert_int_equal(ds_aksk_skew_offset(&g_pf, &res, &off), 0);
    assert_int_equal(off, 77);
}

/* A clockless device learns about the server's Unix time as its offset:
 * after 2038 that no longer fits 32 bits and must not be refused. */
static void correction_past_2038_is_kept_whole(void **state)
{
    ds_result_t res = skew_answer("Fri, 31 Dec 9999 23:59:59 GMT");
    int64_t off = 5;
    (void)state;
    g_pf.unix_time = NULL;
    g_now_ms = 42000;
    assert_int_equal(ds_aksk_skew_offset(&g_pf, &res, &off), 1);
    assert_true(off > INT32_MAX);
    assert_int_equal(off, INT64_C(253402300799) - 42);
}

static void signing_after_2038_uses_the_64_bit_offset(void **state)
{
    ds_stop_request_t r = request();
    (void)state;
    g_pf.unix_time = NULL;
    g_now_ms = 42999; /* 42 s of uptime; 2040-01-01T00:00:00Z = 2208988800 */
    assert_int_equal(head(&r, INT64_C(2208988800) - 42, DS_REQ_HEAD_MAX),
                     DS_R_NONE);
    assert_non_null(strstr(g_head, "X-Sdk-Date: 20400101T000000Z\r\n"));
}

static void absurd_clock_or_offset_is_no_clock_not_overflow(void **state)
{
    ds_stop_request_t r = request();
    ds_result_t res = skew_answer("Wed, 09 Jul 2025 04:36:28 GMT");
    int64_t off = 5;
    (void)state;
    assert_int_equal(head(&r, INT64_MAX, DS_REQ_HEAD_MAX), DS_R_NO_CLOCK);
    assert_int_equal(head(&r, INT64_MIN, DS_REQ_HEAD_MAX), DS_R_NO_CLOCK);
    g_unix = INT64_MAX;
    assert_int_equal(head(&r, -1, DS_REQ_HEAD_MAX), DS_R_NO_CLOCK);
    assert_int_equal(ds_aksk_skew_offset(&g_pf, &res, &off), 0);
    g_unix = INT64_MIN;
    assert_int_equal(ds_aksk_skew_offset(&g_pf, &res, &off), 0);
    assert_int_equal(off, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup(name, setup)
        T(signed_head_reproduces_vector3),
        T(offset_shifts_the_signing_time),
        T(clockless_platform_signs_uptime_plus_offset),
        T(ipv6_host_and_port_are_signed_as_sent),
        T(small_head_buffer_is_request_too_large),
        T(longest_host_fits_aksk_scratch),
        T(small_body_buffer_signs_real_hosts_and_refuses_long_ones),
        T(time_before_1970_is_no_clock),
        T(crypto_failure_is_bad_credentials),
        T(check_refuses_malformed_credentials_and_missing_hooks),
        T(skew_answer_sets_offset_from_server_date),
        T(skew_answer_on_clockless_platform_maps_uptime),
        T(other_answers_leave_offset_alone),
        T(correction_past_2038_is_kept_whole),
        T(signing_after_2038_uses_the_64_bit_offset),
        T(absurd_clock_or_offset_is_no_clock_not_overflow),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
