/* The stop request head, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "deploystop.h"
#include "request.h"

#define TASK "e700f15965694253940502911220d76b"
#define RECORD "2c82ffe8d00d4968a4e5f7a36d87ae17"

#define FIXED_HEADERS                                                          \
    "Content-Type: application/json\r\n"                                       \
    "Content-Length: 2\r\n"                                                    \
    "Accept: application/json\r\n"                                             \
    "User-Agent: deploystop/" DS_VERSION "\r\n"

/* memmem is not C99. */
static const char *find(const char *hay, size_t n, const char *needle, size_t m)
{
    size_t i;
    for (i = 0; i + m <= n; i++)
        if (!memcmp(hay + i, needle, m))
            return hay + i;
    return NULL;
}

static ds_stop_request_t make_req(const char *host, uint16_t port)
{
    ds_stop_request_t req;
    ds_stop_request_init(&req);
    req.host = host;
    req.port = port;
    req.task_id = TASK;
    req.record_id = RECORD;
    req.auth.token = "tok";
    req.auth.token_len = 3;
    return req;
}

static void build(const ds_stop_request_t *req, char *buf, size_t cap,
                  ds_wr_t *h, ds_reason_t want)
{
    ds_wr_init(h, buf, cap);
    assert_int_equal(ds_request_head(h, req), want);
}

static void head_for_default_port_is_exact(void **state)
{
    static const char want[] =
        "PUT /v2/tasks/" TASK "/records/" RECORD "/stop HTTP/1.1\r\n"
        "Host: codearts-deploy.cn-north-4.myhuaweicloud.com\r\n" FIXED_HEADERS
        "X-Auth-Token: [REDACTED]\r\n"
        "\r\n{}";
    char buf[DS_REQ_HEAD_MAX];
    ds_wr_t h;
    ds_stop_request_t req =
        make_req("codearts-deploy.cn-north-4.myhuaweicloud.com", 443);
    (void)state;
    build(&req, buf, sizeof buf, &h, DS_R_NONE);
    assert_int_equal(h.len, sizeof want - 1);
    assert_memory_equal(buf, want, sizeof want - 1);
    assert_int_equal(h.mark, strstr(want, "[REDACTED]") - want);
}

static void host_carries_port_when_not_443(void **state)
{
    char buf[DS_REQ_HEAD_MAX];
    ds_wr_t h;
    ds_stop_request_t req = make_req("localhost", 8443);
    (void)state;
    build(&req, buf, sizeof buf, &h, DS_R_NONE);
    assert_non_null(find(buf, h.len, "\r\nHost: localhost:8443\r\n", 24));
    req.port = 80;
    build(&req, buf, sizeof buf, &h, DS_R_NONE);
    assert_non_null(find(buf, h.len, "\r\nHost: localhost:80\r\n", 22));
    req.port = 65535;
    build(&req, buf, sizeof buf, &h, DS_R_NONE);
    assert_non_null(find(buf, h.len, "\r\nHost: localhost:65535\r\n", 25));
}

static void ipv6_host_is_bracketed(void **state)
{
    char buf[DS_REQ_HEAD_MAX];
    ds_wr_t h;
    ds_stop_request_t req = make_req("::1", 8443);
    (void)state;
    build(&req, buf, sizeof buf, &h, DS_R_NONE);
    assert_non_null(find(buf, h.len, "\r\nHost: [::1]:8443\r\n", 20));
    req.port = 443;
    build(&req, buf, sizeof buf, &h, DS_R_NONE);
    assert_non_null(find(buf, h.len, "\r\nHost: [::1]\r\n", 15));
    req.host = "127.0.0.1";
    build(&req, buf, sizeof buf, &h, DS_R_NONE);
    assert_non_null(find(buf, h.len, "\r\nHost: 127.0.0.1\r\n", 19));
}

static void head_that_does_not_fit_is_request_too_large(void **state)
{
    char buf[DS_REQ_HEAD_MAX];
    ds_wr_t h;
    size_t need;
    ds_stop_request_t req = make_req("localhost", 443);
    (void)state;
    build(&req, buf, sizeof buf, &h, DS_R_NONE);
    need = h.len;
    build(&req, buf, need, &h, DS_R_NONE);
    assert_int_equal(h.len, need);
    build(&req, buf, need - 1, &h, DS_R_REQUEST_TOO_LARGE);
    build(&req, buf, 10, &h, DS_R_REQUEST_TOO_LARGE);
    build(&req, buf, 0, &h, DS_R_REQUEST_TOO_LARGE);
}

static void longest_host_fits_the_default_head(void **state)
{
    char host[DS_HOST_MAX + 1], buf[DS_REQ_HEAD_MAX];
    ds_wr_t h;
    ds_stop_request_t req;
    (void)state;
    memset(host, 'a', DS_HOST_MAX);
    host[DS_HOST_MAX] = 0;
    req = make_req(host, 65535);
    build(&req, buf, sizeof buf, &h, DS_R_NONE);
}

static void extra_header_lines_go_before_the_blank_line(void **state)
{
    char buf[DS_REQ_HEAD_MAX];
    ds_wr_t h;
    ds_stop_request_t req = make_req("localhost", 443);
    static const char tail[] = "X-Sdk-Date: 20250709T033628Z\r\n"
                               "Authorization: SDK-HMAC-SHA256 x\r\n\r\n{}";
    (void)state;
    ds_wr_init(&h, buf, sizeof buf);
    ds_head_begin(&h, &req);
    ds_wr_header(&h, "X-Sdk-Date", "20250709T033628Z");
    ds_wr_header(&h, "Authorization", "SDK-HMAC-SHA256 x");
    assert_int_equal(ds_head_end(&h), DS_R_NONE);
    assert_int_equal(h.mark, 0);
    assert_memory_equal(buf + h.len - (sizeof tail - 1), tail, sizeof tail - 1);
    assert_null(find(buf, h.len, "X-Auth-Token", 12));
}

static void aksk_is_not_built_by_the_token_head(void **state)
{
    char buf[DS_REQ_HEAD_MAX];
    ds_wr_t h;
    ds_stop_request_t req = make_req("localhost", 443);
    (void)state;
    req.auth.kind = DS_AUTH_AKSK;
    build(&req, buf, sizeof buf, &h, DS_R_BAD_CREDENTIALS);
}

static void numbers_are_decimal(void **state)
{
    char buf[32];
    ds_wr_t h;
    (void)state;
    ds_wr_init(&h, buf, sizeof buf);
    ds_wr_uint(&h, 0);
    ds_wr_put(&h, ",", 1);
    ds_wr_uint(&h, 4294967295ul);
    assert_int_equal(h.len, 12);
    assert_memory_equal(buf, "0,4294967295", 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(head_for_default_port_is_exact),
        cmocka_unit_test(host_carries_port_when_not_443),
        cmocka_unit_test(ipv6_host_is_bracketed),
        cmocka_unit_test(head_that_does_not_fit_is_request_too_large),
        cmocka_unit_test(longest_host_fits_the_default_head),
        cmocka_unit_test(extra_header_lines_go_before_the_blank_line),
        cmocka_unit_test(aksk_is_not_built_by_the_token_head),
        cmocka_unit_test(numbers_are_decimal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
