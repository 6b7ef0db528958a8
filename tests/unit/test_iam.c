/* IAM token fetch: exact request bytes, JSON escaping, 20,000-char token
 * capture in every fragmentation, expires_at, errors (ds_iam.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ds_iam.h"

#define HOST "iam.cn-north-4.myhuaweicloud.com"
#define EXPIRES "2026-11-29T10:00:00.000000Z"
#define EXPIRES_UNIX INT64_C(1795946400)

/* ---- fake transport and clock ---------------------------------------- */

static struct fake {
    int connect_rc, connects, closes;
    char host[300];
    uint16_t port;
    int use_tls;
    size_t send_max; /* bytes accepted per send; 0: all */
    int send_rc;     /* < 0: every send fails */
    char sent[8192];
    size_t sent_len;
    const char *script; /* answer bytes */
    size_t script_len, script_pos;
    int split; /* 0 whole, 1 byte at a time, 2 random */
    uint32_t rng;
    int32_t at_end;     /* recv result after the script: 0 or error */
    uint32_t now, tick; /* fake clock: now advances by tick per read */
    /* Retries: the answer of the second and later connections, and the
     * connect result of the first one alone (the others succeed). */
    const char *script2;
    size_t script2_len;
    int first_connect_rc;
    uint32_t slept[8];
    int sleeps;
    uint32_t random_value;
} g;

static int f_connect(void *ctx, const char *host, uint16_t port, int use_tls,
                     uint32_t timeout_ms)
{
    (void)ctx;
    assert_true(timeout_ms > 0);
    g.connects++;
    if (g.connects > 1 && g.script2) {
        g.script = g.script2;
        g.script_len = g.script2_len;
        g.script_pos = 0;
    }
    if (g.connects == 1 && g.first_connect_rc)
        return g.first_connect_rc;
    snprintf(g.host, sizeof g.host, "%s", host);
    g.port = port;
    g.use_tls = use_tls;
    return g.connect_rc;
}

static int32_t f_send(void *ctx, const uint8_t *buf, size_t len,
                      uint32_t timeout_ms)
{
    (void)ctx;
    assert_true(timeout_ms > 0);
    assert_true(len > 0);
    if (g.send_rc < 0)
        return g.send_rc;
    if (g.send_max && len > g.send_max)
        len = g.send_max;
    assert_true(g.sent_len + len <= sizeof g.sent);
    memcpy(g.sent + g.sent_len, buf, len);
    g.sent_len += len;
    return (int32_t)len;
}

static uint32_t rng_next(void)
{
    g.rng = g.rng * 1103515245u + 12345u;
    return g.rng >> 8;
}

static int32_t f_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    size_t n = g.script_len - g.script_pos;
    (void)ctx;
    assert_true(timeout_ms > 0);
    g.now += g.tick;
    if (!n)
        return g.at_end;
    if (g.split == 1)
        n = 1;
    else if (g.split == 2)
        n = 1 + rng_next() % (n < 700 ? n : 700);
    if (n > len)
        n = len;
    memcpy(buf, g.script + g.script_pos, n);
    g.script_pos += n;
    return (int32_t)n;
}

static void f_close(void *ctx)
{
    (void)ctx;
    g.closes++;
}

static uint32_t f_now(void *ctx)
{
    (void)ctx;
    return g.now;
}

static void f_sleep(void *ctx, uint32_t ms)
{
    (void)ctx;
    assert_true(g.sleeps < (int)(sizeof g.slept / sizeof g.slept[0]));
    g.slept[g.sleeps++] = ms;
    g.now += ms;
}

static uint32_t f_random(void *ctx)
{
    (void)ctx;
    return g.random_value;
}

static const ds_transport_t k_tr = {NULL,   f_connect, f_send,
                                    f_recv, f_close,   NULL};
/* Without sleep: only a request with retries = 0 is accepted. */
static const ds_platform_t k_pf = {NULL, f_now, NULL, NULL, NULL};

/* ---- fixtures ---------------------------------------------------------- */

static ds_workspace_t g_ws;
static char g_tokbuf[DS_IAM_TOKEN_CAP];
static char g_token[DS_TOKEN_MAX + 1];
static char g_answer[40000];
static ds_iam_token_t g_tok;
static ds_result_t g_res;

static int setup(void **state)
{
    (void)state;
    memset(&g, 0, sizeof g);
    g.rng = 12345u;
    g.now = 1000u;
    memset(g_tokbuf, 'Z', sizeof g_tokbuf);
    g_tok.buf = g_tokbuf;
    g_tok.cap = sizeof g_tokbuf;
    g_tok.len = 99;
    g_tok.expires_at = 0;
    return 0;
}

static ds_iam_request_t request(void)
{
    ds_iam_request_t r;
    ds_iam_request_init(&r);
    r.host = HOST;
    r.user = "deploystop-user";
    r.password = "mock-iam-password";
    r.domain = "deploystop-account";
    r.project = "cn-north-4";
    /* One attempt unless a test of retries says otherwise. */
    r.retries = 0;
    return r;
}

/* A token of `len` chars from the mock's alphabet, in g_token. */
static const char *make_token(size_t len)
{
    static const char a[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        "0123456789-_+/=";
    size_t i;
    for (i = 0; i < len; i++)
        g_token[i] = a[(i * 7u + i / 64u) % (sizeof a - 1)];
    g_token[len] = '\0';
    return g_token;
}

static const char k_token_body[] =
    "{\"token\":{\"expires_at\":\"" EXPIRES "\",\"methods\":[\"password\"],"
    "\"issued_at\":\"2026-11-28T10:00:00.000000Z\",\"user\":{\"name\":"
    "\"deploystop-user\",\"id\":\"u1\",\"domain\":{\"name\":\"acct\"}},"
    "\"roles\":[{\"name\":\"te_admin\",\"id\":\"0\"}]}}";

/* An IAM answer into buf; `extra` is more header lines (may be ""). */
static size_t answer(char *buf, size_t cap, const char *status_line,
                     const char *extra, const char *token, const char *body)
{
    int n = snprintf(buf, cap,
                     "%s\r\nDate: Sat, 28 Nov 2026 10:00:00 GMT\r\n"
                     "Content-Type: application/json\r\n%s%s%s%s"
                     "X-Request-Id: req-42\r\nContent-Length: %u\r\n\r\n%s",
                     status_line, extra, token ? "X-Subject-Token: " : "",
                     token ? token : "", token ? "\r\n" : "",
                     (unsigned)strlen(body), body);
    assert_true(n > 0 && (size_t)n < cap);
    return (size_t)n;
}

static void script(const char *status_line, const char *token, const char *body)
{
    g.script_len =
        answer(g_answer, sizeof g_answer, status_line, "", token, body);
    g.script = g_answer;
    g.script_pos = 0;
}

static ds_outcome_t fetch(const ds_iam_request_t *r)
{
    return ds_iam_fetch(r, &k_tr, &k_pf, &g_ws, &g_tok, &g_res);
}

static const char *sent_body(void)
{
    static char body[sizeof g.sent];
    const char *p;
    g.sent[g.sent_len] = '\0';
    p = strstr(g.sent, "\r\n\r\n");
    assert_non_null(p);
    snprintf(body, sizeof body, "%s", p + 4);
    return body;
}

static size_t sent_content_length(void)
{
    const char *p = strstr(g.sent, "\r\nContent-Length: ");
    assert_non_null(p);
    return (size_t)strtoul(p + 18, NULL, 10);
}

static void assert_wiped(const char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        assert_int_equal(p[i], 0);
}

/* ---- request ----------------------------------------------------------- */

static void request_bytes_are_exact(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    script("HTTP/1.1 201 Created", make_token(40), k_token_body);
    assert_int_equal(fetch(&r), DS_IAM_ISSUED);
    g.sent[g.sent_len] = '\0';
    assert_string_equal(
        g.sent,
        "POST /v3/auth/tokens?nocatalog=true HTTP/1.1\r\n"
        "Host: iam.cn-north-4.myhuaweicloud.com\r\n"
        "Content-Type: application/json;charset=utf8\r\n"
        "Accept: application/json\r\n"
        "User-Agent: deploystop/" DS_VERSION "\r\n"
        "Content-Length: 205\r\n"
        "\r\n"
        "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":"
        "{\"user\":{\"name\":\"deploystop-user\",\"password\":"
        "\"mock-iam-password\",\"domain\":{\"name\":\"deploystop-account\"}}}},"
        "\"scope\":{\"project\":{\"name\":\"cn-north-4\"}}}}");
    assert_int_equal(strlen(sent_body()), 205);
    assert_string_equal(g.host, HOST);
    assert_int_equal(g.port, 443);
    assert_int_equal(g.use_tls, 1);
    assert_int_equal(g.connects, 1);
    assert_int_equal(g.closes, 1);
}

static void host_header_carries_port_and_ipv6_brackets(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    r.host = "::1";
    r.port = 8443;
    r.use_tls = 0;
    script("HTTP/1.1 201 Created", make_token(40), k_token_body);
    assert_int_equal(fetch(&r), DS_IAM_ISSUED);
    g.sent[g.sent_len] = '\0';
    assert_non_null(strstr(g.sent, "\r\nHost: [::1]:8443\r\n"));
    assert_string_equal(g.host, "::1");
    assert_int_equal(g.use_tls, 0);
}

static void
password_with_quotes_backslashes_and_unicode_is_escaped(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    r.password = "p\"a\\s/s\x01\x1f\t\n\xe2\x82\xac\xf0\x9f\x94\x91";
    r.user = "\xe7\x94\xa8\xe6\x88\xb7\"";
    script("HTTP/1.1 201 Created", make_token(40), k_token_body);
    assert_int_equal(fetch(&r), DS_IAM_ISSUED);
    assert_non_null(strstr(
        sent_body(), "\"password\":\"p\\\"a\\\\s/s\\u0001\\u001f\\u0009\\u000a"
                     "\xe2\x82\xac\xf0\x9f\x94\x91\","));
    assert_non_null(
        strstr(sent_body(), "{\"name\":\"\xe7\x94\xa8\xe6\x88\xb7\\\"\","));
    assert_int_equal(sent_content_length(), strlen(sent_body()));
}

static void content_length_is_exact_for_longest_escaped_fields(void **state)
{
    static char quotes[DS_IAM_FIELD_MAX + 1], ctl[DS_IAM_FIELD_MAX + 1];
    ds_iam_request_t r = request();
    (void)state;
    memset(quotes, '"', DS_IAM_FIELD_MAX);
    memset(ctl, '\x02', DS_IAM_FIELD_MAX);
    r.user = quotes;
    r.password = ctl;
    r.domain = quotes;
    r.project = ctl;
    script("HTTP/1.1 201 Created", make_token(40), k_token_body);
    assert_int_equal(fetch(&r), DS_IAM_ISSUED);
    /* 145 fixed bytes, 2 per quote, 6 per control character */
    assert_int_equal(strlen(sent_body()), 145 + 2 * 2 * 255 + 2 * 6 * 255);
    assert_int_equal(sent_content_length(), strlen(sent_body()));
}

static void request_survives_a_transport_taking_five_bytes_a_send(void **state)
{
    char whole[4096];
    size_t whole_len;
    ds_iam_request_t r = request();
    (void)state;
    r.password = "pa\"ss";
    script("HTTP/1.1 201 Created", make_token(40), k_token_body);
    assert_int_equal(fetch(&r), DS_IAM_ISSUED);
    memcpy(whole, g.sent, g.sent_len);
    whole_len = g.sent_len;
    setup(NULL);
    g.send_max = 5;
    script("HTTP/1.1 201 Created", make_token(40), k_token_body);
    assert_int_equal(fetch(&r), DS_IAM_ISSUED);
    assert_int_equal(g.sent_len, whole_len);
    assert_memory_equal(g.sent, whole, whole_len);
}

static void head_and_receive_buffers_are_wiped(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    memset(&g_ws, 'x', sizeof g_ws);
    script("HTTP/1.1 201 Created", make_token(300), k_token_body);
    assert_int_equal(fetch(&r), DS_IAM_ISSUED);
    assert_wiped(g_ws.head, sizeof g_ws.head);
    assert_wiped((const char *)g_ws.rx, sizeof g_ws.rx);
}

/* ---- token capture ----------------------------------------------------- */

static void expect_issued(size_t token_len)
{
    assert_int_equal(g_res.outcome, DS_IAM_ISSUED);
    assert_int_equal(g_res.reason, DS_R_NONE);
    assert_int_equal(g_res.http_status, 201);
    assert_int_equal(g_tok.len, token_len);
    assert_int_equal(strlen(g_tok.buf), token_len);
    assert_memory_equal(g_tok.buf, g_token, token_len + 1);
    assert_true(g_tok.expires_at == EXPIRES_UNIX);
    assert_string_equal(g_res.request_id, "req-42");
    assert_string_equal(g_res.server_date, "Sat, 28 Nov 2026 10:00:00 GMT");
}

static void token_of_20000_chars_captured_whole(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    script("HTTP/1.1 201 Created", make_token(DS_TOKEN_MAX), k_token_body);
    fetch(&r);
    expect_issued(DS_TOKEN_MAX);
}

static void token_of_20000_chars_captured_byte_at_a_time(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    script("HTTP/1.1 201 Created", make_token(DS_TOKEN_MAX), k_token_body);
    g.split = 1;
    fetch(&r);
    expect_issued(DS_TOKEN_MAX);
}

static void token_of_20000_chars_captured_in_random_splits(void **state)
{
    ds_iam_request_t r = request();
    uint32_t seed;
    (void)state;
    for (seed = 1; seed <= 40; seed++) {
        setup(NULL);
        script("HTTP/1.1 201 Created", make_token(DS_TOKEN_MAX), k_token_body);
        g.split = 2;
        g.rng = seed;
        fetch(&r);
        expect_issued(DS_TOKEN_MAX);
    }
}

static void token_larger_than_buffer_is_an_error_and_wiped(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    g_tok.cap = 1000;
    script("HTTP/1.1 201 Created", make_token(1000), k_token_body);
    assert_int_equal(fetch(&r), DS_UNKNOWN);
    assert_int_equal(g_res.reason, DS_R_HTTP_TOO_LARGE);
    assert_int_equal(g_tok.len, 0);
    assert_wiped(g_tokbuf, 1000);
    assert_int_equal(g_tokbuf[1000], 'Z'); /* nothing past the capacity */
}

static void token_exactly_filling_buffer_fits(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    g_tok.cap = 1001;
    script("HTTP/1.1 201 Created", make_token(1000), k_token_body);
    assert_int_equal(fetch(&r), DS_IAM_ISSUED);
    assert_int_equal(g_tok.len, 1000);
}

static void created_without_token_header_is_unknown(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    script("HTTP/1.1 201 Created", NULL, k_token_body);
    assert_int_equal(fetch(&r), DS_UNKNOWN);
    assert_int_equal(g_res.reason, DS_R_HTTP_MALFORMED);
    assert_int_equal(g_tok.len, 0);
}

static void token_with_a_space_is_refused(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    script("HTTP/1.1 201 Created", "MIIabc def", k_token_body);
    assert_int_equal(fetch(&r), DS_UNKNOWN);
    assert_int_equal(g_res.reason, DS_R_HTTP_MALFORMED);
    assert_wiped(g_tokbuf, sizeof g_tokbuf);
}

static void created_without_expires_at_is_unknown(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    script("HTTP/1.1 201 Created", make_token(50), "{\"token\":{}}");
    assert_int_equal(fetch(&r), DS_UNKNOWN);
    assert_int_equal(g_res.reason, DS_R_JSON_MALFORMED);
    assert_wiped(g_tokbuf, sizeof g_tokbuf);
    setup(NULL);
    script("HTTP/1.1 201 Created", make_token(50),
           "{\"token\":{\"expires_at\":\"tomorrow\"}}");
    assert_int_equal(fetch(&r), DS_UNKNOWN);
    assert_int_equal(g_res.reason, DS_R_JSON_MALFORMED);
}

/* ---- errors ------------------------------------------------------------ */

static void wrong_password_is_auth_failed_with_iam_message(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    script("HTTP/1.1 401 Unauthorized", NULL,
           "{\"error\":{\"code\":401,\"message\":\"The username or password "
           "is wrong.\",\"title\":\"Unauthorized\"}}");
    assert_int_equal(fetch(&r), DS_AUTH_FAILED);
    assert_int_equal(g_res.reason, DS_R_HTTP_STATUS);
    assert_int_equal(g_res.http_status, 401);
    assert_string_equal(g_res.error_code, "401");
    assert_string_equal(g_res.error_msg, "The username or password is wrong.");
    assert_string_equal(g_res.request_id, "req-42");
    assert_int_equal(g_tok.len, 0);
    assert_wiped(g_tokbuf, sizeof g_tokbuf);
}

static void gateway_error_shape_is_reported(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    script("HTTP/1.1 429 Too Many Requests", NULL,
           "{\"error_msg\":\"The throttling threshold has been reached\\n\","
           "\"error_code\":\"APIG.0308\",\"request_id\":\"r-9\"}");
    assert_int_equal(fetch(&r), DS_UNAVAILABLE);
    assert_string_equal(g_res.error_code, "APIG.0308");
    /* Decoded like every answer's fields (one JSON module): printers
     * escape control characters, the result keeps the server's text. */
    assert_string_equal(g_res.error_msg,
                        "The throttling threshold has been reached\n");
}

static void statuses_map_to_outcomes(void **state)
{
    static const struct {
        const char *line;
        ds_outcome_t want;
    } cases[] = {
        {"HTTP/1.1 400 Bad Request", DS_REJECTED},
        {"HTTP/1.1 403 Forbidden", DS_AUTH_FAILED},
        {"HTTP/1.1 404 Not Found", DS_NOT_FOUND},
        {"HTTP/1.1 409 Conflict", DS_REJECTED},
        {"HTTP/1.1 500 Internal Server Error", DS_UNAVAILABLE},
        {"HTTP/1.1 503 Service Unavailable", DS_UNAVAILABLE},
    };
    ds_iam_request_t r = request();
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setup(NULL);
        script(cases[i].line, NULL, "{}");
        assert_int_equal(fetch(&r), cases[i].want);
        assert_string_equal(g_res.error_code, "");
    }
}

/* ---- retries ------------------------------------------------------------ */

static const ds_platform_t k_pf_sleep = {NULL, f_now, f_sleep, f_random, NULL};
static char g_answer2[40000];

static ds_outcome_t fetch_with_sleep(const ds_iam_request_t *r)
{
    return ds_iam_fetch(r, &k_tr, &k_pf_sleep, &g_ws, &g_tok, &g_res);
}

/* Later connections get a 201 with a 100-char token. */
static void then_issued(void)
{
    g.script2_len = answer(g_answer2, sizeof g_answer2, "HTTP/1.1 201 Created",
                           "", make_token(100), k_token_body);
    g.script2 = g_answer2;
}

static int requests_sent(void)
{
    int n = 0;
    const char *p = g.sent;
    g.sent[g.sent_len] = '\0';
    while ((p = strstr(p, "POST /v3/auth/tokens")) != NULL) {
        n++;
        p++;
    }
    return n;
}

static void server_error_then_token_is_issued_on_second_attempt(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    r.retries = 2;
    script("HTTP/1.1 503 Service Unavailable", NULL, "{}");
    then_issued();
    assert_int_equal(fetch_with_sleep(&r), DS_IAM_ISSUED);
    assert_int_equal(g_res.attempts, 2);
    assert_int_equal(g_res.http_status, 201);
    assert_int_equal(g_tok.len, 100);
    assert_memory_equal(g_tok.buf, make_token(100), 101);
    assert_int_equal(requests_sent(), 2);
    assert_int_equal(g.closes, 2);
    /* first backoff: 500 ms with equal jitter, random 0 -> half */
    assert_int_equal(g.sleeps, 1);
    assert_int_equal(g.slept[0], 250);
}

static void connect_failure_then_token_is_issued(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    r.retries = 1;
    g.first_connect_rc = DS_TR_ERR_CONNECT;
    then_issued();
    assert_int_equal(fetch_with_sleep(&r), DS_IAM_ISSUED);
    assert_int_equal(g_res.attempts, 2);
    assert_int_equal(requests_sent(), 1);
}

static void retry_after_sets_the_wait(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    r.retries = 1;
    g.script_len =
        answer(g_answer, sizeof g_answer, "HTTP/1.1 429 Too Many Requests",
               "Retry-After: 3\r\n", NULL, "{}");
    g.script = g_answer;
    then_issued();
    assert_int_equal(fetch_with_sleep(&r), DS_IAM_ISSUED);
    assert_int_equal(g.sleeps, 1);
    assert_int_equal(g.slept[0], 3000);
}

static void retries_exhausted_report_the_last_answer(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    r.retries = 2;
    g.random_value = 0xffffffffu;
    script("HTTP/1.1 500 Internal Server Error", NULL,
           "{\"error\":{\"code\":\"IAM.0001\",\"message\":\"busy\"}}");
    g.script2 = g_answer;
    g.script2_len = g.script_len;
    assert_int_equal(fetch_with_sleep(&r), DS_UNAVAILABLE);
    assert_int_equal(g_res.attempts, 3);
    assert_int_equal(g_res.http_status, 500);
    assert_string_equal(g_res.error_code, "IAM.0001");
    assert_int_equal(requests_sent(), 3);
    /* 500 then 1000 ms, each 250 + 0xffffffff % 251 / 500 + 0xffffffff % 501 */
    assert_int_equal(g.sleeps, 2);
    assert_int_equal(g.slept[0], 250u + 0xffffffffu % 251u);
    assert_int_equal(g.slept[1], 500u + 0xffffffffu % 501u);
    assert_int_equal(g_tok.len, 0);
    assert_wiped(g_tok.buf, g_tok.cap);
}

static void wrong_password_is_never_retried(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    r.retries = 2;
    script(
        "HTTP/1.1 401 Unauthorized", NULL,
        "{\"error\":{\"code\":\"401\",\"message\":\"The username or password is wrong.\"}}");
    then_issued();
    assert_int_equal(fetch_with_sleep(&r), DS_AUTH_FAILED);
    assert_int_equal(g_res.attempts, 1);
    assert_int_equal(g.connects, 1);
    assert_int_equal(g.sleeps, 0);
}

static void rejected_certificate_is_never_retried(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    r.retries = 2;
    g.first_connect_rc = DS_TR_ERR_TLS_VERIFY;
    then_issued();
    assert_int_equal(fetch_with_sleep(&r), DS_NETWORK);
    assert_int_equal(g_res.reason, DS_R_TLS_VERIFY);
    assert_int_equal(g.connects, 1);
    assert_int_equal(g.sleeps, 0);
}

static void lost_answer_is_not_retried(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    r.retries = 2;
    g.at_end = DS_TR_ERR_TIMEOUT;
    then_issued();
    assert_int_equal(fetch_with_sleep(&r), DS_UNKNOWN);
    assert_int_equal(g.connects, 1);
}

static void no_retry_when_the_wait_would_pass_the_deadline(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    r.retries = 2;
    r.deadline_ms = 4000;
    g.script_len =
        answer(g_answer, sizeof g_answer, "HTTP/1.1 503 Service Unavailable",
               "Retry-After: 5\r\n", NULL, "{}");
    g.script = g_answer;
    then_issued();
    assert_int_equal(fetch_with_sleep(&r), DS_UNAVAILABLE);
    assert_int_equal(g_res.attempts, 1);
    assert_int_equal(g_res.retry_after_s, 5);
    assert_int_equal(g.sleeps, 0);
}

static void retries_without_a_sleep_hook_are_refused(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    r.retries = 1;
    script("HTTP/1.1 201 Created", make_token(100), k_token_body);
    assert_int_equal(fetch(&r), DS_INVALID_INPUT);
    assert_int_equal(g_res.reason, DS_R_BAD_ARGUMENT);
    assert_int_equal(g.connects, 0);
    r.retries = -1;
    assert_int_equal(fetch_with_sleep(&r), DS_INVALID_INPUT);
    assert_int_equal(g.connects, 0);
}

static void request_init_defaults_to_two_retries(void **state)
{
    ds_iam_request_t r;
    (void)state;
    ds_iam_request_init(&r);
    assert_int_equal(r.retries, 2);
    assert_int_equal(r.deadline_ms, 30000);
    assert_int_equal(r.port, 443);
    assert_int_equal(r.use_tls, 1);
}

static void connect_failures_are_network_and_send_nothing(void **state)
{
    static const struct {
        int rc;
        ds_reason_t want;
    } cases[] = {
        {DS_TR_ERR_RESOLVE, DS_R_RESOLVE},
        {DS_TR_ERR_CONNECT, DS_R_CONNECT},
        {DS_TR_ERR_TLS, DS_R_TLS},
        {DS_TR_ERR_TLS_VERIFY, DS_R_TLS_VERIFY},
        {DS_TR_ERR_TIMEOUT, DS_R_DEADLINE},
    };
    ds_iam_request_t r = request();
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setup(NULL);
        g.connect_rc = cases[i].rc;
        assert_int_equal(fetch(&r), DS_NETWORK);
        assert_int_equal(g_res.reason, cases[i].want);
        assert_int_equal(g_res.transport_error, cases[i].rc);
        assert_int_equal(g.sent_len, 0);
        assert_int_equal(g.closes, 1);
    }
}

static void send_failure_is_network(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    g.send_rc = DS_TR_ERR_IO;
    assert_int_equal(fetch(&r), DS_NETWORK);
    assert_int_equal(g_res.reason, DS_R_SEND);
    assert_int_equal(g.closes, 1);
}

static void silence_until_deadline_is_unknown_timeout(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    g.at_end = DS_TR_ERR_TIMEOUT;
    assert_int_equal(fetch(&r), DS_UNKNOWN);
    assert_int_equal(g_res.reason, DS_R_TIMEOUT);
}

static void trickle_past_the_deadline_stops_reading(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    r.deadline_ms = 5000;
    script("HTTP/1.1 201 Created", make_token(DS_TOKEN_MAX), k_token_body);
    g.split = 1;
    g.tick = 1; /* one byte per ms: 20 KB cannot arrive in 5 s */
    assert_int_equal(fetch(&r), DS_UNKNOWN);
    assert_int_equal(g_res.reason, DS_R_TIMEOUT);
    assert_true(g.script_pos <= 5000);
    assert_wiped(g_tokbuf, sizeof g_tokbuf);
}

static void close_mid_answer_is_unknown_closed(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    script("HTTP/1.1 201 Created", make_token(500), k_token_body);
    g.script_len = 300;
    assert_int_equal(fetch(&r), DS_UNKNOWN);
    assert_int_equal(g_res.reason, DS_R_CLOSED);
    assert_wiped(g_tokbuf, sizeof g_tokbuf);
    setup(NULL);
    script("HTTP/1.1 201 Created", make_token(500), k_token_body);
    g.script_len = 300;
    g.at_end = DS_TR_ERR_IO;
    assert_int_equal(fetch(&r), DS_UNKNOWN);
    assert_int_equal(g_res.reason, DS_R_CLOSED);
}

static void garbage_answer_is_unknown_malformed(void **state)
{
    ds_iam_request_t r = request();
    (void)state;
    g.script = "SSH-2.0-OpenSSH_9.2\r\n\r\n";
    g.script_len = strlen(g.script);
    assert_int_equal(fetch(&r), DS_UNKNOWN);
    assert_int_equal(g_res.reason, DS_R_HTTP_MALFORMED);
}

static void invalid_input_connects_nowhere(void **state)
{
    static char long_field[DS_IAM_FIELD_MAX + 2];
    ds_iam_request_t r;
    (void)state;
    memset(long_field, 'u', DS_IAM_FIELD_MAX + 1);
#define EXPECT_INVALID(mutation, reason_)                                      \
    do {                                                                       \
        r = request();                                                         \
        mutation;                                                              \
        assert_int_equal(fetch(&r), DS_INVALID_INPUT);                         \
        assert_int_equal(g_res.reason, reason_);                               \
    } while (0)
    EXPECT_INVALID(r.user = "", DS_R_BAD_CREDENTIALS);
    EXPECT_INVALID(r.user = NULL, DS_R_BAD_CREDENTIALS);
    EXPECT_INVALID(r.password = "", DS_R_BAD_CREDENTIALS);
    EXPECT_INVALID(r.domain = NULL, DS_R_BAD_CREDENTIALS);
    EXPECT_INVALID(r.project = "", DS_R_BAD_CREDENTIALS);
    EXPECT_INVALID(r.password = long_field, DS_R_BAD_CREDENTIALS);
    EXPECT_INVALID(r.host = "iam host", DS_R_BAD_HOST);
    EXPECT_INVALID(r.host = NULL, DS_R_BAD_HOST);
    EXPECT_INVALID(g_tok.cap = 1, DS_R_BAD_ARGUMENT);
#undef EXPECT_INVALID
    r = request();
    g_tok.cap = sizeof g_tokbuf;
    assert_int_equal(ds_iam_fetch(&r, &k_tr, &k_pf, NULL, &g_tok, &g_res),
                     DS_INVALID_INPUT);
    assert_int_equal(ds_iam_fetch(&r, NULL, &k_pf, &g_ws, &g_tok, &g_res),
                     DS_INVALID_INPUT);
    assert_int_equal(ds_iam_fetch(NULL, &k_tr, &k_pf, &g_ws, &g_tok, &g_res),
                     DS_INVALID_INPUT);
    assert_int_equal(ds_iam_fetch(&r, &k_tr, &k_pf, &g_ws, &g_tok, NULL),
                     DS_INVALID_INPUT);
    assert_int_equal(g.connects, 0);
    assert_int_equal(g.sent_len, 0);
}

/* ---- expires_at and refresh ------------------------------------------- */

static int64_t expires(const char *body)
{
    int64_t t = -1;
    if (ds_iam_parse_expires(body, strlen(body), &t))
        return -1;
    return t;
}

static void expires_at_is_found_only_under_token(void **state)
{
    (void)state;
    assert_true(expires(k_token_body) == EXPIRES_UNIX);
    assert_true(expires("{ \"token\" : { \"expires_at\" : \"" EXPIRES
                        "\" } }") == EXPIRES_UNIX);
    /* decoys: other objects, arrays, string values, escaped quotes */
    assert_true(expires("{\"user\":{\"expires_at\":\"2001-01-01T00:00:00Z\"},"
                        "\"expires_at\":\"2002-01-01T00:00:00Z\","
                        "\"token\":{\"methods\":[\"expires_at\"],"
                        "\"x\":\"a\\\"expires_at\\\":\\\"2003\","
                        "\"user\":{\"expires_at\":\"2004-01-01T00:00:00Z\"},"
                        "\"expires_at\":\"" EXPIRES "\"}}") == EXPIRES_UNIX);
    assert_true(expires("{\"token\":[{\"expires_at\":\"" EXPIRES "\"}]}") ==
                -1);
    assert_true(expires("{\"tokens\":{\"expires_at\":\"" EXPIRES "\"}}") == -1);
    assert_true(expires("{\"token\":{\"expires_at\":12345}}") == -1);
    assert_true(expires("{\"token\":{\"expires_at\":\"" EXPIRES) == -1);
    assert_true(expires("{\"token\":{\"expires_at\":\"\"}}") == -1);
    assert_true(expires("") == -1);
    assert_int_equal(ds_iam_parse_expires(NULL, 0, NULL), -1);
}

static void expires_at_parse_is_bounded_by_length(void **state)
{
    static const char body[] = "{\"token\":{\"expires_at\":\"" EXPIRES "\"}}";
    size_t n;
    int64_t t;
    (void)state;
    for (n = 0; n < sizeof body - 3; n++)
        assert_int_equal(ds_iam_parse_expires(body, n, &t), -1);
    assert_int_equal(ds_iam_parse_expires(body, sizeof body - 3, &t), 0);
}

static void token_refresh_respects_margin(void **state)
{
    (void)state;
    assert_false(
        ds_token_needs_refresh(EXPIRES_UNIX, EXPIRES_UNIX - 3601, 3600));
    assert_true(
        ds_token_needs_refresh(EXPIRES_UNIX, EXPIRES_UNIX - 3600, 3600));
    assert_true(ds_token_needs_refresh(EXPIRES_UNIX, EXPIRES_UNIX, 0));
    assert_true(ds_token_needs_refresh(EXPIRES_UNIX, EXPIRES_UNIX + 1, 0));
    assert_false(ds_token_needs_refresh(EXPIRES_UNIX, EXPIRES_UNIX - 1, 0));
    assert_true(ds_token_needs_refresh(INT64_MIN, INT64_MAX, 0));
    assert_false(ds_token_needs_refresh(INT64_MAX, 0, 86400));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup(name, setup)
        T(request_bytes_are_exact),
        T(host_header_carries_port_and_ipv6_brackets),
        T(password_with_quotes_backslashes_and_unicode_is_escaped),
        T(content_length_is_exact_for_longest_escaped_fields),
        T(request_survives_a_transport_taking_five_bytes_a_send),
        T(head_and_receive_buffers_are_wiped),
        T(token_of_20000_chars_captured_whole),
        T(token_of_20000_chars_captured_byte_at_a_time),
        T(token_of_20000_chars_captured_in_random_splits),
        T(token_larger_than_buffer_is_an_error_and_wiped),
        T(token_exactly_filling_buffer_fits),
        T(created_without_token_header_is_unknown),
        T(token_with_a_space_is_refused),
        T(created_without_expires_at_is_unknown),
        T(wrong_password_is_auth_failed_with_iam_message),
        T(gateway_error_shape_is_reported),
        T(statuses_map_to_outcomes),
        T(connect_failures_are_network_and_send_nothing),
        T(send_failure_is_network),
        T(silence_until_deadline_is_unknown_timeout),
        T(trickle_past_the_deadline_stops_reading),
        T(close_mid_answer_is_unknown_closed),
        T(garbage_answer_is_unknown_malformed),
        T(invalid_input_connects_nowhere),
        T(expires_at_is_found_only_under_token),
        T(expires_at_parse_is_bounded_by_length),
        T(token_refresh_respects_margin),
        T(server_error_then_token_is_issued_on_second_attempt),
        T(connect_failure_then_token_is_issued),
        T(retry_after_sets_the_wait),
        T(retries_exhausted_report_the_last_answer),
        T(wrong_password_is_never_retried),
        T(rejected_certificate_is_never_retried),
        T(lost_answer_is_not_retried),
        T(no_retry_when_the_wait_would_pass_the_deadline),
        T(retries_without_a_sleep_hook_are_refused),
        T(request_init_defaults_to_two_retries),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
