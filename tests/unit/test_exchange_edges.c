/* The exchange at its edges: the session's default deadline, a transport
 * that breaks its contract (send returning 0 or more than asked, recv
 * returning more than the buffer), the deadline running out between the
 * send chunks of a 20,000-character token, an attempt started with no time
 * left, a held connection not reused for another peer, a reused connection
 * failing within its answer, and the time probe answered 200. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "deploystop.h"
#include "ds_halt.h"
#include "exchange.h"
#include "halt_fixture.h"

static ds_record_state_t ST;
static ds_running_t RUN;

/* A transport around the fake one that misbehaves as told. */
enum { WRAP_NONE, WRAP_SEND_ZERO, WRAP_SEND_MORE, WRAP_RECV_MORE };
static ds_transport_t inner;
static int wrap_mode;
static uint32_t send_cost_ms; /* clock advance per send */

static int32_t wrap_send(void *ctx, const uint8_t *buf, size_t len,
                         uint32_t timeout_ms)
{
    int32_t n = inner.send(ctx, buf, len, timeout_ms);
    fake_platform_advance(&F.fp, send_cost_ms);
    if (wrap_mode == WRAP_SEND_ZERO)
        return 0;
    if (wrap_mode == WRAP_SEND_MORE && n > 0)
        return (int32_t)len + 1;
    return n;
}

static int32_t wrap_recv(void *ctx, uint8_t *buf, size_t len,
                         uint32_t timeout_ms)
{
    int32_t n = inner.recv(ctx, buf, len, timeout_ms);
    if (wrap_mode == WRAP_RECV_MORE && n > 0)
        return (int32_t)len + 1;
    return n;
}

static void wrap(int mode, uint32_t cost)
{
    inner = F.tr;
    wrap_mode = mode;
    send_cost_ms = cost;
    F.tr.send = wrap_send;
    F.tr.recv = wrap_recv;
}

static void clean_end(void)
{
    hx_end();
    assert_int_equal(F.ft.connected, 0);
    assert_int_equal(F.ft.misuse, 0);
    assert_int_equal(F.ft.closes, F.ft.connects);
}

static ds_outcome_t state_call(void)
{
    F.req.record_id = FX_RECORD;
    return ds_state(&S, &F.req, &ST, &F.res);
}

static void session_begun_without_deadline_gets_the_default(void **state)
{
    ds_session_t s;
    (void)state;
    hx_init();
    ds_session_begin(&s, &F.tr, &F.pf, &F.ws, 0);
    assert_int_equal(ds_session_left(&s), DS_DEFAULT_DEADLINE_MS);
    fake_platform_advance(&F.fp, DS_DEFAULT_DEADLINE_MS - 1);
    assert_int_equal(ds_session_left(&s), 1);
    fake_platform_advance(&F.fp, 1);
    assert_int_equal(ds_session_left(&s), 0);
    ds_session_end(&s);
    clean_end();
}

static void send_returning_zero_is_a_network_send_failure(void **state)
{
    (void)state;
    fx_init(&F, 1000, 0);
    F.req.retries = 0;
    wrap(WRAP_SEND_ZERO, 0);
    fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_NETWORK);
    assert_int_equal(F.res.reason, DS_R_SEND);
    assert_int_equal(F.res.transport_error, DS_TR_ERR_IO);
    assert_int_equal(F.ft.sends, 1);
    assert_int_equal(F.ft.recvs, 0);
    assert_int_equal(F.ft.closes, F.ft.connects);
}

static void
send_claiming_more_than_asked_is_a_network_send_failure(void **state)
{
    (void)state;
    fx_init(&F, 1000, 0);
    F.req.retries = 0;
    wrap(WRAP_SEND_MORE, 0);
    fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_NETWORK);
    assert_int_equal(F.res.reason, DS_R_SEND);
    assert_int_equal(F.res.transport_error, DS_TR_ERR_IO);
    assert_int_equal(F.ft.sends, 1);
    assert_int_equal(F.ft.recvs, 0);
}

static void recv_claiming_more_than_the_buffer_is_unknown_closed(void **state)
{
    (void)state;
    fx_init(&F, 1000, 0);
    F.req.retries = 0;
    wrap(WRAP_RECV_MORE, 0);
    fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_CLOSED);
    assert_int_equal(F.res.transport_error, DS_TR_ERR_IO);
    assert_int_equal(F.res.http_status, 0);
    assert_int_equal(F.ft.recvs, 1);
    assert_int_equal(F.res.attempts, 1);
}

static void
deadline_running_out_between_token_chunks_stops_the_send(void **state)
{
    static char token[DS_TOKEN_MAX];
    (void)state;
    fx_init(&F, 1000, 0);
    memset(token, 'a', sizeof token);
    F.req.auth.token = token;
    F.req.auth.token_len = sizeof token;
    F.req.retries = 0;
    F.req.deadline_ms = 5000;
    wrap(WRAP_NONE, 1000); /* every send takes a second */
    fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_NETWORK);
    assert_int_equal(F.res.reason, DS_R_DEADLINE);
    assert_int_equal(F.res.transport_error, DS_TR_ERR_TIMEOUT);
    /* the head before the token, then four chunks of it, then no time */
    assert_int_equal(F.ft.sends, 5);
    assert_true(F.ft.sent_len > DS_SEND_CHUNK);
    assert_true(F.ft.sent_len < 5 * DS_SEND_CHUNK);
    assert_true(
        fx_contains(F.ft.sent, F.ft.sent_len, "X-Auth-Token: aaaa", 18));
    assert_int_equal(F.ft.recvs, 0);
    assert_int_equal(F.ft.closes, F.ft.connects);
}

static void call_started_with_no_time_left_sends_nothing(void **state)
{
    (void)state;
    hx_init();
    fake_platform_advance(&F.fp, F.req.deadline_ms);
    ft_answer(&F.ft, 0, hx_http(200, NULL, HX_STATE("running")));
    assert_int_equal(state_call(), DS_NETWORK);
    assert_int_equal(F.res.reason, DS_R_DEADLINE);
    assert_int_equal(F.res.attempts, 1);
    assert_int_equal(F.ft.connects, 0);
    assert_int_equal(F.ft.sends, 0);
    clean_end();
}

/* Two state calls on one session, the second to another peer. */
static void second_call_to(const char *host, uint16_t port, int tls)
{
    hx_init();
    fake_transport_alive(&F.ft, &F.tr, 1);
    ft_answer(&F.ft, 0, hx_http(200, NULL, HX_STATE("running")));
    ft_answer(&F.ft, 1, hx_http(200, NULL, HX_STATE("abort")));
    assert_int_equal(state_call(), DS_OK);
    F.req.host = host;
    F.req.port = port;
    F.req.use_tls = tls;
    assert_int_equal(state_call(), DS_OK);
    assert_string_equal(ST.status, "abort");
    assert_int_equal(F.ft.connects, 2);
    assert_int_equal(F.ft.alives, 0); /* another peer: not even asked */
    assert_string_equal(F.ft.host, host);
    assert_int_equal(F.ft.port, port);
    assert_int_equal(F.ft.use_tls, tls);
    clean_end();
}

static void held_connection_is_not_reused_for_another_host(void **state)
{
    (void)state;
    second_call_to("127.0.0.1", 443, 1);
}

static void held_connection_is_not_reused_for_another_port(void **state)
{
    (void)state;
    second_call_to("localhost", 8443, 1);
}

static void held_connection_is_not_reused_without_tls(void **state)
{
    (void)state;
    second_call_to("localhost", 443, 0);
}

static void
reused_connection_failing_within_its_answer_is_not_sent_again(void **state)
{
    ft_attempt_t *a;
    (void)state;
    hx_init();
    fake_transport_alive(&F.ft, &F.tr, 1);
    a = ft_answer(&F.ft, 0, hx_http(200, NULL, HX_STATE("running")));
    a->then[0] = "HTTP/1.1 200 OK\r\nContent-Le";
    ft_answer(&F.ft, 1, hx_http(200, NULL, HX_STATE("abort")));
    assert_int_equal(state_call(), DS_OK);
    assert_int_equal(state_call(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_CLOSED);
    assert_int_equal(F.res.attempts, 1);
    assert_int_equal(F.ft.connects, 1);
    assert_int_equal(F.ft.nreq, 2);
    clean_end();
}

static void probe_answered_200_gives_the_window_its_date(void **state)
{
    (void)state;
    hx_init();
    F.pf.unix_time = NULL;
    ft_answer(&F.ft, 0, hx_http(200, "Date: " HX_DATE "\r\n", "<html></html>"));
    ft_answer(&F.ft, 1, hx_page(0, NULL, 0));
    assert_int_equal(ds_history(&S, &F.req, &RUN, &F.res), DS_OK);
    assert_int_equal(F.ft.nreq, 2);
    assert_memory_equal(hx_req(0), "GET / HTTP/1.1\r\n", 16);
    assert_non_null(
        strstr(hx_req(1), "&start_date=2026-11-21&end_date=2026-11-29 "));
    clean_end();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(session_begun_without_deadline_gets_the_default),
        cmocka_unit_test(send_returning_zero_is_a_network_send_failure),
        cmocka_unit_test(
            send_claiming_more_than_asked_is_a_network_send_failure),
        cmocka_unit_test(recv_claiming_more_than_the_buffer_is_unknown_closed),
        cmocka_unit_test(
            deadline_running_out_between_token_chunks_stops_the_send),
        cmocka_unit_test(call_started_with_no_time_left_sends_nothing),
        cmocka_unit_test(held_connection_is_not_reused_for_another_host),
        cmocka_unit_test(held_connection_is_not_reused_for_another_port),
        cmocka_unit_test(held_connection_is_not_reused_without_tls),
        cmocka_unit_test(
            reused_connection_failing_within_its_answer_is_not_sent_again),
        cmocka_unit_test(probe_answered_200_gives_the_window_its_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
