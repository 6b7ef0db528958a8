/* ds_stop: every outcome and reason, the bytes on the wire, the trace, and
 * the same answer whatever the fragmentation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "deploystop.h"
#include "stop_fixture.h"

static fixture_t F;

#define REQUEST_BYTES(host_line, token)                                        \
    "PUT /v2/tasks/" FX_TASK "/records/" FX_RECORD "/stop HTTP/1.1\r\n"        \
    "Host: " host_line "\r\n"                                                  \
    "Content-Type: application/json\r\n"                                       \
    "Content-Length: 2\r\n"                                                    \
    "Accept: application/json\r\n"                                             \
    "User-Agent: deploystop/" DS_VERSION "\r\n"                                \
    "X-Auth-Token: " token "\r\n"                                              \
    "\r\n{}"

static void expect(ds_outcome_t outcome, ds_reason_t reason, int attempts)
{
    assert_int_equal(fx_stop(&F), outcome);
    assert_int_equal(F.res.outcome, outcome);
    assert_int_equal(F.res.reason, reason);
    assert_int_equal(F.res.attempts, attempts);
    /* every connection attempt is closed, and nothing is left open */
    assert_int_equal(F.ft.closes, F.res.attempts);
    assert_int_equal(F.ft.connected, 0);
    assert_int_equal(F.ft.misuse, 0);
}

static void stopped_when_200_success_and_ids_match(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 200,
              "X-Request-Id: rid-1\r\nDate: Sat, 28 Nov 2026 10:00:00 GMT\r\n",
              FX_OK_BODY);
    expect(DS_STOPPED, DS_R_NONE, 1);
    assert_int_equal(F.res.http_status, 200);
    assert_string_equal(F.res.status, "success");
    assert_string_equal(F.res.request_id, "rid-1");
    assert_string_equal(F.res.server_date, "Sat, 28 Nov 2026 10:00:00 GMT");
    assert_string_equal(F.ft.host, "localhost");
    assert_int_equal(F.ft.port, 443);
    assert_int_equal(F.ft.use_tls, 1);
    assert_int_equal(F.ft.connect_timeout_ms, DS_DEFAULT_DEADLINE_MS);
    assert_int_equal(F.fp.nsleeps, 0);
}

static void request_bytes_on_the_wire_are_exact(void **state)
{
    static const char want[] = REQUEST_BYTES("localhost", FX_TOKEN);
    (void)state;
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    expect(DS_STOPPED, DS_R_NONE, 1);
    assert_int_equal(F.ft.sent_len, sizeof want - 1);
    assert_memory_equal(F.ft.sent, want, sizeof want - 1);
}

static void request_bytes_for_ipv6_and_port(void **state)
{
    static const char want[] = REQUEST_BYTES("[::1]:8443", FX_TOKEN);
    (void)state;
    fx_init(&F, 1000, 1);
    F.req.host = "::1";
    F.req.port = 8443;
    F.req.use_tls = 0;
    fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    expect(DS_STOPPED, DS_R_NONE, 1);
    assert_string_equal(F.ft.host, "::1");
    assert_int_equal(F.ft.port, 8443);
    assert_int_equal(F.ft.use_tls, 0);
    assert_int_equal(F.ft.sent_len, sizeof want - 1);
    assert_memory_equal(F.ft.sent, want, sizeof want - 1);
}

static char big_token[DS_TOKEN_MAX];

static void token_of_20000_chars_goes_out_intact_in_small_pieces(void **state)
{
    size_t i, at;
    (void)state;
    for (i = 0; i < sizeof big_token; i++)
        big_token[i] = (char)('!' + (i * 7) % 94);
    fx_init(&F, 1000, 1);
    F.req.auth.token = big_token;
    F.req.auth.token_len = sizeof big_token;
    fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    expect(DS_STOPPED, DS_R_NONE, 1);
    assert_true(F.ft.max_send_len <= DS_SEND_CHUNK);
    assert_true(F.ft.sends >= (int)(sizeof big_token / DS_SEND_CHUNK));
    at = (size_t)(strstr((const char *)F.ft.sent, "X-Auth-Token: ") -
                  (const char *)F.ft.sent) +
         14;
    assert_memory_equal(F.ft.sent + at, big_token, sizeof big_token);
    assert_memory_equal(F.ft.sent + at + sizeof big_token, "\r\n\r\n{}", 6);
    assert_int_equal(F.ft.sent_len, at + sizeof big_token + 6);
    /* the token never passed through the workspace */
    assert_false(fx_contains(&F.ws, sizeof F.ws, big_token + 100, 64));
}

static void short_sends_deliver_the_same_bytes(void **state)
{
    static const char want[] = REQUEST_BYTES("localhost", FX_TOKEN);
    (void)state;
    fx_init(&F, 1000, 1);
    F.ft.max_send = 7;
    fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    expect(DS_STOPPED, DS_R_NONE, 1);
    assert_int_equal(F.ft.sent_len, sizeof want - 1);
    assert_memory_equal(F.ft.sent, want, sizeof want - 1);
    assert_true(F.ft.sends >= (int)(sizeof want / 7));
}

static void no_secret_left_in_workspace_or_trace(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    expect(DS_STOPPED, DS_R_NONE, 1);
    assert_false(fx_contains(&F.ws, sizeof F.ws, FX_TOKEN, strlen(FX_TOKEN)));
    assert_false(fx_contains(F.trace, F.trace_len, FX_TOKEN, strlen(FX_TOKEN)));
    assert_false(fx_contains(&F.res, sizeof F.res, FX_TOKEN, strlen(FX_TOKEN)));
}

static void trace_shows_redacted_head_and_answer_lines(void **state)
{
    static const char head[] = "0|" REQUEST_BYTES("localhost", "[REDACTED]");
    (void)state;
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 200, "X-Request-Id: rid-7\r\nRetry-After: 5\r\n",
              FX_OK_BODY);
    expect(DS_STOPPED, DS_R_NONE, 1);
    /* the head without its body "{}" */
    assert_memory_equal(F.trace, head, sizeof head - 3);
    assert_int_equal(F.trace[sizeof head - 3], '\n');
    assert_int_equal(F.trace_calls[DS_TRACE_REQUEST_HEAD], 1);
    assert_true(strstr(F.trace, "\n1|HTTP/1.1 200\n") != NULL);
    assert_true(strstr(F.trace, "\n1|X-Request-Id: rid-7\n") != NULL);
    assert_true(strstr(F.trace, "\n1|Retry-After: 5\n") != NULL);
    assert_true(strstr(F.trace, "\n1|Content-Type: application/json\n") !=
                NULL);
    assert_true(strstr(F.trace, "\n1|Content-Length: ") != NULL);
    assert_int_equal(F.trace_calls[DS_TRACE_ATTEMPT], 0);
}

static void no_trace_callback_is_fine(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    F.req.trace = NULL;
    fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    expect(DS_STOPPED, DS_R_NONE, 1);
    assert_int_equal(F.trace_len, 0);
}

/* --- invalid input: a distinct reason and not one transport call --- */

static void expect_invalid(ds_reason_t reason)
{
    assert_int_equal(fx_stop(&F), DS_INVALID_INPUT);
    assert_int_equal(F.res.outcome, DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, reason);
    assert_int_equal(F.res.attempts, 0);
    assert_int_equal(F.ft.log_len, 0);
    assert_int_equal(F.ft.connects + F.ft.sends + F.ft.recvs + F.ft.closes, 0);
    assert_int_equal(F.trace_len, 0);
}

static void bad_ids_are_refused_before_connecting(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    F.req.task_id = "e700f15965694253940502911220d76";
    expect_invalid(DS_R_BAD_TASK_ID);
    fx_init(&F, 1000, 1);
    F.req.task_id = NULL;
    expect_invalid(DS_R_BAD_TASK_ID);
    fx_init(&F, 1000, 1);
    F.req.record_id = FX_RECORD "a";
    expect_invalid(DS_R_BAD_RECORD_ID);
    fx_init(&F, 1000, 1);
    F.req.record_id = "2c82ffe8d00d4968a4e5f7a36d87ae1/";
    expect_invalid(DS_R_BAD_RECORD_ID);
}

static void bad_tokens_are_refused_before_connecting(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    F.req.auth.token_len = 0;
    expect_invalid(DS_R_BAD_TOKEN);
    fx_init(&F, 1000, 1);
    F.req.auth.token = "abc def";
    F.req.auth.token_len = 7;
    expect_invalid(DS_R_BAD_TOKEN);
    fx_init(&F, 1000, 1);
    F.req.auth.token = "abc\r\nX-Evil: 1";
    F.req.auth.token_len = 14;
    expect_invalid(DS_R_BAD_TOKEN);
    fx_init(&F, 1000, 1);
    F.req.auth.token = big_token;
    F.req.auth.token_len = DS_TOKEN_MAX + 1;
    expect_invalid(DS_R_BAD_TOKEN);
    fx_init(&F, 1000, 1);
    F.req.auth.token = NULL;
    expect_invalid(DS_R_BAD_TOKEN);
}

static void bad_hosts_are_refused_before_connecting(void **state)
{
    static const char *const bad[] = {"",          "a..b", "-a.com",   "[::1]",
                                      "1.2.3.256", "a b",  "host:443", NULL};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fx_init(&F, 1000, 1);
        F.req.host = bad[i];
        expect_invalid(DS_R_BAD_HOST);
    }
}

static void bad_arguments_are_refused_before_connecting(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    assert_int_equal(ds_stop(NULL, &F.tr, &F.pf, &F.ws, &F.res),
                     DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_BAD_ARGUMENT);
    assert_int_equal(ds_stop(&F.req, NULL, &F.pf, &F.ws, &F.res),
                     DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_BAD_ARGUMENT);
    assert_int_equal(ds_stop(&F.req, &F.tr, NULL, &F.ws, &F.res),
                     DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_BAD_ARGUMENT);
    assert_int_equal(ds_stop(&F.req, &F.tr, &F.pf, NULL, &F.res),
                     DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_BAD_ARGUMENT);
    assert_int_equal(ds_stop(&F.req, &F.tr, &F.pf, &F.ws, NULL),
                     DS_INVALID_INPUT);
    assert_int_equal(F.ft.log_len, 0);

    fx_init(&F, 1000, 1);
    F.tr.recv = NULL;
    expect_invalid(DS_R_BAD_ARGUMENT);
    fx_init(&F, 1000, 1);
    F.pf.now_ms = NULL;
    expect_invalid(DS_R_BAD_ARGUMENT);
    fx_init(&F, 1000, 1);
    F.req.port = 0;
    expect_invalid(DS_R_BAD_ARGUMENT);
    fx_init(&F, 1000, 1);
    F.req.deadline_ms = 0;
    expect_invalid(DS_R_BAD_ARGUMENT);
    fx_init(&F, 1000, 1);
    F.req.retries = -1;
    expect_invalid(DS_R_BAD_ARGUMENT);
}

static void aksk_without_keys_is_refused_before_connecting(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    F.req.auth.kind = DS_AUTH_AKSK;
    expect_invalid(DS_R_BAD_CREDENTIALS);
}

/* --- answers from the server --- */

static void status_401_and_403_are_auth_failed_with_details(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 401, "X-Request-Id: gw-1\r\n",
              "{\"error_msg\":\"token expires\",\"error_code\":\"APIGW.0301\","
              "\"request_id\":\"body-1\"}");
    expect(DS_AUTH_FAILED, DS_R_HTTP_STATUS, 1);
    assert_int_equal(F.res.http_status, 401);
    assert_string_equal(F.res.error_code, "APIGW.0301");
    assert_string_equal(F.res.error_msg, "token expires");
    assert_string_equal(F.res.request_id, "gw-1");

    fx_init(&F, 1000, 1);
    fx_answer(
        &F, 0, 403, NULL,
        "{\"error_code\":\"Deploy.00011154\",\"error_msg\":\"no permission\","
        "\"request_id\":\"body-2\"}");
    expect(DS_AUTH_FAILED, DS_R_HTTP_STATUS, 1);
    assert_string_equal(F.res.error_code, "Deploy.00011154");
    assert_string_equal(F.res.request_id, "body-2");
}

static void status_404_is_not_found(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    fx_answer(
        &F, 0, 404, NULL,
        "{\"error_code\":\"Deploy.00011020\",\"error_msg\":\"no such app\"}");
    expect(DS_NOT_FOUND, DS_R_HTTP_STATUS, 1);
    assert_int_equal(F.res.http_status, 404);
    assert_string_equal(F.res.error_code, "Deploy.00011020");
}

static void other_4xx_is_rejected_without_retry(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    fx_answer(
        &F, 0, 400, NULL,
        "{\"error\":{\"code\":\"DEV.CH.10001\",\"message\":\"Param invalid\"},"
        "\"status\":\"failed\"}");
    expect(DS_REJECTED, DS_R_HTTP_STATUS, 1);
    assert_string_equal(F.res.error_code, "DEV.CH.10001");
    assert_string_equal(F.res.error_msg, "Param invalid");
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 409, NULL, "not json");
    expect(DS_REJECTED, DS_R_HTTP_STATUS, 1);
    assert_string_equal(F.res.error_code, "");
}

static void ok_200_with_status_error_is_rejected(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 200, NULL,
              "{\"status\":\"error\",\"error_code\":\"Deploy.00011303\","
              "\"error_msg\":\"no such record\"}");
    expect(DS_REJECTED, DS_R_STATUS_NOT_SUCCESS, 1);
    assert_string_equal(F.res.status, "error");
    assert_string_equal(F.res.error_code, "Deploy.00011303");
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 200, NULL,
              "{\"error_code\":\"Deploy.1\",\"error_msg\":\"legacy\"}");
    expect(DS_REJECTED, DS_R_STATUS_NOT_SUCCESS, 1);
}

static void ok_200_with_swapped_ids_is_unknown(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 200, NULL,
              "{\"status\":\"success\",\"result\":{\"id\":\"" FX_TASK
              "\",\"task_id\":\"" FX_RECORD "\"}}");
    expect(DS_UNKNOWN, DS_R_ID_MISMATCH, 1);
}

static void ok_200_without_ids_or_json_is_unknown(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 200, NULL, "{\"status\":\"success\"}");
    expect(DS_UNKNOWN, DS_R_JSON_MALFORMED, 1);
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 200, NULL,
              "{\"status\":\"success\",\"result\":{\"id\":\"" FX_RECORD "\"}}");
    expect(DS_UNKNOWN, DS_R_JSON_MALFORMED, 1);
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 200, NULL, FX_OK_BODY ",");
    expect(DS_UNKNOWN, DS_R_JSON_MALFORMED, 1);
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 200, NULL, "");
    expect(DS_UNKNOWN, DS_R_JSON_MALFORMED, 1);
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 200, NULL, "{}");
    expect(DS_UNKNOWN, DS_R_JSON_MALFORMED, 1);
}

static void unexpected_statuses_are_unknown(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 302, "Location: https://elsewhere/\r\n", "");
    expect(DS_UNKNOWN, DS_R_HTTP_STATUS, 1);
    assert_int_equal(F.res.http_status, 302);
    fx_init(&F, 1000, 1);
    fx_answer(&F, 0, 202, NULL, FX_OK_BODY);
    expect(DS_UNKNOWN, DS_R_HTTP_STATUS, 1);
}

static void server_errors_are_unavailable_after_the_retries(void **state)
{
    int i;
    (void)state;
    fx_init(&F, 1000, 1);
    for (i = 0; i < 3; i++)
        fx_answer(&F, i, 503, NULL,
                  "{\"error_code\":\"X.503\",\"error_msg\":\"busy\"}");
    expect(DS_UNAVAILABLE, DS_R_HTTP_STATUS, 3);
    assert_int_equal(F.res.http_status, 503);
    assert_string_equal(F.res.error_code, "X.503");
    fx_init(&F, 1000, 1);
    F.req.retries = 0;
    fx_answer(&F, 0, 429, NULL, "{\"error_code\":\"APIG.0308\"}");
    expect(DS_UNAVAILABLE, DS_R_HTTP_STATUS, 1);
}

/* --- failures on the way --- */

static void connect_failures_are_network_with_their_reason(void **state)
{
    static const int rc[] = {DS_TR_ERR_RESOLVE, DS_TR_ERR_CONNECT,
                             DS_TR_ERR_TLS,     DS_TR_ERR_TLS_VERIFY,
                             DS_TR_ERR_NOMEM,   DS_TR_ERR_ARG};
    static const ds_reason_t why[] = {DS_R_RESOLVE, DS_R_CONNECT,
                                      DS_R_TLS,     DS_R_TLS_VERIFY,
                                      DS_R_CONNECT, DS_R_CONNECT};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof rc / sizeof rc[0]; i++) {
        fx_init(&F, 1000, 1);
        F.req.retries = 0;
        ft_connect_fails(&F.ft, 0, rc[i]);
        expect(DS_NETWORK, why[i], 1);
        assert_int_equal(F.res.transport_error, rc[i]);
        assert_int_equal(F.ft.sends, 0);
        assert_string_equal(F.ft.log, "cX");
    }
}

static void connect_timeout_is_network_deadline(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    ft_connect_fails(&F.ft, 0, DS_TR_ERR_TIMEOUT);
    expect(DS_NETWORK, DS_R_DEADLINE, 1);
    assert_int_equal(F.fp.now, 1000 + DS_DEFAULT_DEADLINE_MS);
    assert_int_equal(F.fp.nsleeps, 0);
}

static void send_failure_is_network(void **state)
{
    ft_attempt_t *a;
    (void)state;
    fx_init(&F, 1000, 1);
    F.req.retries = 0;
    a = fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    a->send_fails = 1;
    a->send_fail_at = 100;
    a->send_fail_rc = DS_TR_ERR_IO;
    expect(DS_NETWORK, DS_R_SEND, 1);
    assert_int_equal(F.res.transport_error, DS_TR_ERR_IO);
    assert_int_equal(F.ft.recvs, 0);
    assert_int_equal(F.ft.sent_len, 100);
}

static void failure_on_the_last_body_byte_is_still_network(void **state)
{
    static const char want[] = REQUEST_BYTES("localhost", FX_TOKEN);
    ft_attempt_t *a;
    (void)state;
    fx_init(&F, 1000, 1);
    F.req.retries = 0;
    a = fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    a->send_fails = 1;
    a->send_fail_at = sizeof want - 2;
    expect(DS_NETWORK, DS_R_SEND, 1);
    assert_int_equal(F.ft.recvs, 0);
}

static void timeout_after_send_is_unknown(void **state)
{
    ft_attempt_t *a;
    (void)state;
    fx_init(&F, 1000, 1);
    a = ft_answer(&F.ft, 0, NULL);
    a->end = FT_TIMEOUT;
    expect(DS_UNKNOWN, DS_R_TIMEOUT, 1);
    assert_int_equal(F.res.transport_error, DS_TR_ERR_TIMEOUT);
    assert_int_equal(F.res.http_status, 0);
}

static void truncated_answer_is_unknown_closed(void **state)
{
    ft_attempt_t *a;
    (void)state;
    fx_init(&F, 1000, 1);
    a = fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    a->answer_len = strlen(a->answer) - 5;
    expect(DS_UNKNOWN, DS_R_CLOSED, 1);
    assert_int_equal(F.res.http_error, DS_HTTP_E_TRUNCATED);
    fx_init(&F, 1000, 1);
    a = fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    a->answer_len = 20;
    a->end = FT_ERROR;
    a->end_rc = DS_TR_ERR_IO;
    expect(DS_UNKNOWN, DS_R_CLOSED, 1);
    assert_int_equal(F.res.transport_error, DS_TR_ERR_IO);
    fx_init(&F, 1000, 1);
    ft_answer(&F.ft, 0, NULL);
    expect(DS_UNKNOWN, DS_R_CLOSED, 1);
}

static void malformed_http_is_unknown(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    ft_answer(&F.ft, 0, "SMTP 220 hello\r\n\r\n");
    expect(DS_UNKNOWN, DS_R_HTTP_MALFORMED, 1);
    assert_true(F.res.http_error < 0);
    fx_init(&F, 1000, 1);
    ft_answer(
        &F.ft, 0,
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}");
    expect(DS_UNKNOWN, DS_R_HTTP_MALFORMED, 1);
}

static char oversize[DS_HTTP_BODY_MAX + 200];

static void oversize_answer_is_unknown_too_large(void **state)
{
    (void)state;
    memset(oversize, ' ', sizeof oversize - 1);
    oversize[0] = '{';
    oversize[sizeof oversize - 2] = '}';
    fx_init(&F, 1000, 1);
    snprintf(F.answers[0], sizeof F.answers[0],
             "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n{}",
             (unsigned)DS_HTTP_BODY_MAX + 1);
    ft_answer(&F.ft, 0, F.answers[0]);
    expect(DS_UNKNOWN, DS_R_HTTP_TOO_LARGE, 1);
    assert_int_equal(F.res.http_error, DS_HTTP_E_BODY_TOO_LARGE);
}

static void keep_alive_server_that_never_closes_does_not_delay(void **state)
{
    ft_attempt_t *a;
    (void)state;
    fx_init(&F, 1000, 1);
    a = fx_answer(&F, 0, 200, "Connection: keep-alive\r\n", FX_OK_BODY);
    a->end = FT_TIMEOUT;
    expect(DS_STOPPED, DS_R_NONE, 1);
    assert_int_equal(ft_count(&F.ft, 'T'), 0);
    assert_int_equal(F.fp.now, 1000);
    /* the answer came in one piece: one recv, then close */
    assert_string_equal(F.ft.log + F.ft.log_len - 2, "RX");
}

static void body_until_close_is_complete_at_end_of_stream(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    ft_answer(
        &F.ft, 0,
        "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" FX_OK_BODY);
    expect(DS_STOPPED, DS_R_NONE, 1);
    assert_string_equal(F.ft.log + F.ft.log_len - 3, "R0X");
}

static void chunked_answer_is_understood(void **state)
{
    (void)state;
    fx_init(&F, 1000, 1);
    ft_answer(&F.ft, 0,
              "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
              "a;ext=1\r\n{\"status\":\r\n"
              "6a\r\n\"success\",\"result\":{\"id\":\"" FX_RECORD
              "\",\"task_id\":\"" FX_TASK "\"}}\r\n0\r\nX-T: 1\r\n\r\n");
    expect(DS_STOPPED, DS_R_NONE, 1);
    assert_true(strstr(F.trace, "\n1|Transfer-Encoding: chunked\n") != NULL);
}

/* --- property: the split of the answer never changes the result --- */

typedef struct answer_case {
    const char *answer;
    int end;
} answer_case_t;

static void same_result_for_whole_byte_and_random_splits(void **state)
{
    static const answer_case_t cases[] = {
        {"HTTP/1.1 200 OK\r\nX-Request-Id: r1\r\nContent-Length: 98\r\n\r\n" FX_OK_BODY,
         FT_EOF},
        {"HTTP/1.1 200 OK\r\nContent-Length: 98\r\n\r\n" FX_OK_BODY,
         FT_TIMEOUT},
        {"HTTP/1.0 200 OK\r\n\r\n" FX_OK_BODY, FT_EOF},
        {"HTTP/1.1 401 Unauthorized\r\nContent-Length: 73\r\n\r\n"
         "{\"error_msg\":\"token expires\",\"error_code\":\"APIGW.0301\",\"request_id\":\"q\"}",
         FT_EOF},
        {"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
         "5\r\n{\"a\":\r\n3\r\n\"b\"\r\n1\r\n}\r\n0\r\n\r\n",
         FT_TIMEOUT},
        {"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n{\"status\":\"error\",\"x\":\"\\u00e9\"}",
         FT_EOF},
        {"HTTP/1.1 200 OK\r\nContent-Length: 98\r\n\r\n" FX_OK_BODY, FT_ERROR},
        {"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n" FX_OK_BODY, FT_EOF},
        {"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n" FX_OK_BODY,
         FT_TIMEOUT},
        {"HTTP/1.1 2x0 OK\r\n\r\n", FT_EOF},
    };
    size_t c;
    int split, seed;
    (void)state;
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        ds_result_t first;
        for (split = FT_WHOLE; split <= FT_RANDOM; split++) {
            for (seed = 1; seed <= (split == FT_RANDOM ? 40 : 1); seed++) {
                ft_attempt_t *a;
                fx_init(&F, 1000, 1);
                F.req.retries = 0;
                F.ft.split = split;
                F.ft.seed = (uint32_t)seed * 2654435761u;
                a = ft_answer(&F.ft, 0, cases[c].answer);
                a->end = cases[c].end;
                fx_stop(&F);
                F.res.transport_error = 0; /* how the stream ended may differ */
                if (split == FT_WHOLE)
                    first = F.res;
                else if (memcmp(&first, &F.res, sizeof first) != 0)
                    fail_msg("case %u split %d seed %d: %s/%d vs %s/%d",
                             (unsigned)c, split, seed,
                             ds_outcome_name(first.outcome), first.reason,
                             ds_outcome_name(F.res.outcome), F.res.reason);
            }
        }
    }
}

static void outcome_names_and_reason_texts(void **state)
{
    static const char *const names[] = {
        "STOPPED",  "INVALID_INPUT", "AUTH_FAILED", "NOT_FOUND",
        "REJECTED", "UNAVAILABLE",   "NETWORK",     "UNKNOWN"};
    int i;
    (void)state;
    for (i = 0; i <= DS_UNKNOWN; i++)
        assert_string_equal(ds_outcome_name((ds_outcome_t)i), names[i]);
    assert_string_equal(ds_outcome_name((ds_outcome_t)99), "?");
    for (i = 0; i <= DS_R_STATUS_NOT_SUCCESS; i++) {
        const char *t = ds_reason_text((ds_reason_t)i);
        assert_true(strlen(t) > 3);
        if (i)
            assert_string_not_equal(t, ds_reason_text((ds_reason_t)(i - 1)));
    }
    assert_string_equal(ds_reason_text((ds_reason_t)99), "?");
    assert_string_equal(ds_reason_text(DS_R_BAD_TASK_ID), "bad task id");
}

static void request_defaults(void **state)
{
    ds_stop_request_t req;
    (void)state;
    memset(&req, 0x5a, sizeof req);
    ds_stop_request_init(&req);
    assert_int_equal(req.port, 443);
    assert_int_equal(req.use_tls, 1);
    assert_int_equal(req.deadline_ms, 30000);
    assert_int_equal(req.retries, 2);
    assert_int_equal(req.auth.kind, DS_AUTH_TOKEN);
    assert_null(req.host);
    assert_null(req.trace);
    assert_null(req.auth.token);
}

static void wipe_zeroes_every_byte(void **state)
{
    unsigned char b[37];
    size_t i;
    (void)state;
    memset(b, 0xa5, sizeof b);
    ds_wipe(b + 1, 35);
    assert_int_equal(b[0], 0xa5);
    assert_int_equal(b[36], 0xa5);
    for (i = 1; i < 36; i++)
        assert_int_equal(b[i], 0);
    ds_wipe(b, 0);
    assert_int_equal(b[0], 0xa5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stopped_when_200_success_and_ids_match),
        cmocka_unit_test(request_bytes_on_the_wire_are_exact),
        cmocka_unit_test(request_bytes_for_ipv6_and_port),
        cmocka_unit_test(token_of_20000_chars_goes_out_intact_in_small_pieces),
        cmocka_unit_test(short_sends_deliver_the_same_bytes),
        cmocka_unit_test(no_secret_left_in_workspace_or_trace),
        cmocka_unit_test(trace_shows_redacted_head_and_answer_lines),
        cmocka_unit_test(no_trace_callback_is_fine),
        cmocka_unit_test(bad_ids_are_refused_before_connecting),
        cmocka_unit_test(bad_tokens_are_refused_before_connecting),
        cmocka_unit_test(bad_hosts_are_refused_before_connecting),
        cmocka_unit_test(bad_arguments_are_refused_before_connecting),
        cmocka_unit_test(aksk_without_keys_is_refused_before_connecting),
        cmocka_unit_test(status_401_and_403_are_auth_failed_with_details),
        cmocka_unit_test(status_404_is_not_found),
        cmocka_unit_test(other_4xx_is_rejected_without_retry),
        cmocka_unit_test(ok_200_with_status_error_is_rejected),
        cmocka_unit_test(ok_200_with_swapped_ids_is_unknown),
        cmocka_unit_test(ok_200_without_ids_or_json_is_unknown),
        cmocka_unit_test(unexpected_statuses_are_unknown),
        cmocka_unit_test(server_errors_are_unavailable_after_the_retries),
        cmocka_unit_test(connect_failures_are_network_with_their_reason),
        cmocka_unit_test(connect_timeout_is_network_deadline),
        cmocka_unit_test(send_failure_is_network),
        cmocka_unit_test(failure_on_the_last_body_byte_is_still_network),
        cmocka_unit_test(timeout_after_send_is_unknown),
        cmocka_unit_test(truncated_answer_is_unknown_closed),
        cmocka_unit_test(malformed_http_is_unknown),
        cmocka_unit_test(oversize_answer_is_unknown_too_large),
        cmocka_unit_test(keep_alive_server_that_never_closes_does_not_delay),
        cmocka_unit_test(body_until_close_is_complete_at_end_of_stream),
        cmocka_unit_test(chunked_answer_is_understood),
        cmocka_unit_test(same_result_for_whole_byte_and_random_splits),
        cmocka_unit_test(outcome_names_and_reason_texts),
        cmocka_unit_test(request_defaults),
        cmocka_unit_test(wipe_zeroes_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
