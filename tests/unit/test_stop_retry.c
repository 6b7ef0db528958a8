/* ds_stop retries, backoff, jitter, Retry-After and the deadline, on a fake
 * clock that only moves when the core waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "deploystop.h"
#include "stop_fixture.h"

static fixture_t F;

#define BUSY "{\"error_code\":\"X.503\",\"error_msg\":\"busy\"}"

static void unavailable_then_ok_is_stopped_after_two_attempts(void **state)
{
    (void)state;
    fx_init(&F, 1000, 7);
    fx_answer(&F, 0, 503, NULL, BUSY);
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_STOPPED);
    assert_int_equal(F.res.attempts, 2);
    assert_int_equal(F.ft.connects, 2);
    assert_int_equal(F.ft.closes, 2);
    assert_int_equal(F.fp.nsleeps, 1);
    /* 500 ms with equal jitter: 250..500 */
    assert_in_range(F.fp.sleeps[0], 250, 500);
    /* fields describe the last answer */
    assert_int_equal(F.res.http_status, 200);
    assert_string_equal(F.res.error_code, "");
    /* the same request went out twice */
    assert_int_equal(F.ft.attempt_sent[0], F.ft.attempt_sent[1]);
    assert_memory_equal(F.ft.sent, F.ft.sent + F.ft.attempt_start[1],
                        F.ft.attempt_sent[0]);
}

static void backoff_doubles_without_jitter_source(void **state)
{
    int i;
    (void)state;
    fx_init(&F, 1000, 0);
    F.req.retries = 3;
    for (i = 0; i < 4; i++)
        fx_answer(&F, i, 500, NULL, BUSY);
    assert_int_equal(fx_stop(&F), DS_UNAVAILABLE);
    assert_int_equal(F.res.attempts, 4);
    assert_int_equal(F.fp.nsleeps, 3);
    assert_int_equal(F.fp.sleeps[0], 500);
    assert_int_equal(F.fp.sleeps[1], 1000);
    assert_int_equal(F.fp.sleeps[2], 2000);
}

static void backoff_is_capped_at_8_seconds(void **state)
{
    int i;
    (void)state;
    fx_init(&F, 1000, 0);
    F.req.retries = 6;
    F.req.deadline_ms = 120000;
    for (i = 0; i < 7; i++)
        fx_answer(&F, i, 502, NULL, "");
    assert_int_equal(fx_stop(&F), DS_UNAVAILABLE);
    assert_int_equal(F.res.attempts, 7);
    assert_int_equal(F.fp.nsleeps, 6);
    assert_int_equal(F.fp.sleeps[3], 4000);
    assert_int_equal(F.fp.sleeps[4], 8000);
    assert_int_equal(F.fp.sleeps[5], 8000);
}

static void jitter_stays_in_the_upper_half_and_varies(void **state)
{
    uint32_t seen[16];
    int s, distinct = 0, j;
    (void)state;
    for (s = 0; s < 16; s++) {
        fx_init(&F, 1000, (uint32_t)s * 7919u + 1u);
        F.req.retries = 1;
        fx_answer(&F, 0, 503, NULL, BUSY);
        fx_answer(&F, 1, 503, NULL, BUSY);
        assert_int_equal(fx_stop(&F), DS_UNAVAILABLE);
        assert_int_equal(F.fp.nsleeps, 1);
        assert_in_range(F.fp.sleeps[0], 250, 500);
        seen[s] = F.fp.sleeps[0];
        for (j = 0; j < s && seen[j] != seen[s]; j++)
            ;
        distinct += j == s;
    }
    assert_true(distinct >= 8);
}

static void retry_after_that_fits_is_honoured(void **state)
{
    (void)state;
    fx_init(&F, 1000, 3);
    fx_answer(&F, 0, 429, "Retry-After: 3\r\n",
              "{\"error_code\":\"APIG.0308\"}");
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_STOPPED);
    assert_int_equal(F.res.attempts, 2);
    assert_int_equal(F.fp.nsleeps, 1);
    assert_int_equal(F.fp.sleeps[0], 3000);
    assert_int_equal(F.res.retry_after_s, 0);
}

static void retry_after_beyond_the_deadline_stops_at_once(void **state)
{
    (void)state;
    fx_init(&F, 1000, 3);
    fx_answer(&F, 0, 429, "Retry-After: 60\r\n",
              "{\"error_code\":\"APIG.0308\"}");
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_UNAVAILABLE);
    assert_int_equal(F.res.reason, DS_R_HTTP_STATUS);
    assert_int_equal(F.res.attempts, 1);
    assert_int_equal(F.res.retry_after_s, 60);
    assert_int_equal(F.res.http_status, 429);
    assert_string_equal(F.res.error_code, "APIG.0308");
    assert_int_equal(F.fp.nsleeps, 0);
    assert_int_equal(F.ft.connects, 1);
}

static void huge_retry_after_does_not_overflow(void **state)
{
    (void)state;
    fx_init(&F, 1000, 3);
    fx_answer(&F, 0, 503, "Retry-After: 4294967\r\n", BUSY);
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_UNAVAILABLE);
    assert_int_equal(F.res.attempts, 1);
    assert_int_equal(F.fp.nsleeps, 0);
}

static void timeout_after_send_is_never_retried(void **state)
{
    ft_attempt_t *a;
    (void)state;
    fx_init(&F, 1000, 3);
    a = ft_answer(&F.ft, 0, "HTTP/1.1 200 OK\r\nContent-Le");
    a->end = FT_TIMEOUT;
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_TIMEOUT);
    assert_int_equal(F.res.attempts, 1);
    assert_int_equal(F.ft.connects, 1);
    assert_int_equal(F.fp.nsleeps, 0);
    /* the wait ended exactly at the deadline */
    assert_int_equal(F.fp.now, 1000 + DS_DEFAULT_DEADLINE_MS);
}

static void rejected_and_unknown_are_never_retried(void **state)
{
    ft_attempt_t *a;
    (void)state;
    fx_init(&F, 1000, 3);
    fx_answer(&F, 0, 400, NULL, "{}");
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_REJECTED);
    assert_int_equal(F.res.attempts, 1);
    fx_init(&F, 1000, 3);
    a = fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    a->answer_len = 30;
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_UNKNOWN);
    assert_int_equal(F.res.attempts, 1);
    fx_init(&F, 1000, 3);
    fx_answer(&F, 0, 401, NULL, "{}");
    assert_int_equal(fx_stop(&F), DS_AUTH_FAILED);
    assert_int_equal(F.res.attempts, 1);
}

static void connect_failure_then_ok_is_stopped(void **state)
{
    (void)state;
    fx_init(&F, 1000, 3);
    ft_connect_fails(&F.ft, 0, DS_TR_ERR_CONNECT);
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_STOPPED);
    assert_int_equal(F.res.attempts, 2);
    assert_string_equal(F.ft.log, "cXCSSSRX");
    assert_int_equal(F.fp.nsleeps, 1);
    assert_int_equal(F.res.transport_error, DS_TR_ERR_CONNECT);
}

static void certificate_rejection_is_not_retried(void **state)
{
    (void)state;
    fx_init(&F, 1000, 3);
    F.req.retries = 5;
    ft_connect_fails(&F.ft, 0, DS_TR_ERR_TLS_VERIFY);
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_NETWORK);
    assert_int_equal(F.res.reason, DS_R_TLS_VERIFY);
    assert_int_equal(F.res.transport_error, DS_TR_ERR_TLS_VERIFY);
    assert_int_equal(F.res.attempts, 1);
    assert_int_equal(F.ft.connects, 1);
    assert_int_equal(F.ft.sends, 0);
    assert_int_equal(F.fp.nsleeps, 0);
    assert_string_equal(F.ft.log, "cX");
}

static void other_tls_failure_is_still_retried(void **state)
{
    (void)state;
    fx_init(&F, 1000, 3);
    ft_connect_fails(&F.ft, 0, DS_TR_ERR_TLS);
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_STOPPED);
    assert_int_equal(F.res.attempts, 2);
    assert_int_equal(F.fp.nsleeps, 1);
}

static void send_failure_is_retried_with_the_whole_request(void **state)
{
    ft_attempt_t *a;
    (void)state;
    fx_init(&F, 1000, 3);
    a = fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    a->send_fails = 1;
    a->send_fail_at = 50;
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_STOPPED);
    assert_int_equal(F.res.attempts, 2);
    assert_int_equal(F.ft.attempt_sent[0], 50);
    assert_true(F.ft.attempt_sent[1] > 250);
    assert_memory_equal(F.ft.sent + F.ft.attempt_start[1], "PUT /v2/tasks/",
                        14);
    assert_memory_equal(F.ft.sent + F.ft.sent_len - 6, "\r\n\r\n{}", 6);
}

static void network_failures_exhaust_the_retries(void **state)
{
    (void)state;
    fx_init(&F, 1000, 3);
    ft_connect_fails(&F.ft, 0, DS_TR_ERR_RESOLVE);
    ft_connect_fails(&F.ft, 1, DS_TR_ERR_RESOLVE);
    ft_connect_fails(&F.ft, 2, DS_TR_ERR_RESOLVE);
    ft_connect_fails(&F.ft, 3, DS_TR_ERR_RESOLVE);
    assert_int_equal(fx_stop(&F), DS_NETWORK);
    assert_int_equal(F.res.reason, DS_R_RESOLVE);
    assert_int_equal(F.res.attempts, 3);
    assert_int_equal(F.fp.nsleeps, 2);
}

static void zero_retries_means_one_attempt(void **state)
{
    (void)state;
    fx_init(&F, 1000, 3);
    F.req.retries = 0;
    fx_answer(&F, 0, 503, NULL, BUSY);
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_UNAVAILABLE);
    assert_int_equal(F.res.attempts, 1);
    assert_int_equal(F.fp.nsleeps, 0);
}

static void each_call_gets_the_time_that_is_left(void **state)
{
    ft_attempt_t *a;
    (void)state;
    fx_init(&F, 1000, 0);
    F.req.deadline_ms = 10000;
    a = fx_answer(&F, 0, 503, NULL, BUSY);
    a->latency_ms = 100;
    a = fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_STOPPED);
    /* first attempt: 100 ms to receive, then 500 ms backoff */
    assert_int_equal(F.ft.connect_timeout_ms, 10000 - 100 - 500);
    assert_int_equal(F.ft.last_recv_timeout_ms, 10000 - 100 - 500);
}

static void backoff_that_does_not_fit_ends_the_retries(void **state)
{
    ft_attempt_t *a;
    (void)state;
    fx_init(&F, 1000, 0);
    F.req.deadline_ms = 2000;
    a = fx_answer(&F, 0, 503, NULL, BUSY);
    a->latency_ms = 1600;
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_UNAVAILABLE);
    assert_int_equal(F.res.attempts, 1);
    assert_int_equal(F.fp.nsleeps, 0);
}

static void slow_answer_ends_at_the_deadline(void **state)
{
    ft_attempt_t *a;
    (void)state;
    fx_init(&F, 1000, 0);
    F.req.deadline_ms = 5000;
    F.ft.split = FT_BYTES;
    a = fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    a->latency_ms = 100;
    assert_int_equal(fx_stop(&F), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_TIMEOUT);
    assert_int_equal(F.res.attempts, 1);
    assert_int_equal(F.fp.now, 1000 + 5000);
    assert_int_equal(F.ft.recvs, 50);
}

static void clock_wrap_around_changes_nothing(void **state)
{
    ft_attempt_t *a;
    (void)state;
    fx_init(&F, 0xFFFFFF00u, 0);
    fx_answer(&F, 0, 503, NULL, BUSY);
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_STOPPED);
    assert_int_equal(F.res.attempts, 2);
    assert_int_equal(F.fp.sleeps[0], 500);
    assert_int_equal(F.ft.connect_timeout_ms, DS_DEFAULT_DEADLINE_MS - 500);

    fx_init(&F, 0xFFFFF000u, 0);
    a = ft_answer(&F.ft, 0, NULL);
    a->end = FT_TIMEOUT;
    assert_int_equal(fx_stop(&F), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_TIMEOUT);
    assert_int_equal(F.fp.now, 0xFFFFF000u + DS_DEFAULT_DEADLINE_MS);
}

static void deadline_spent_before_sending_is_network_deadline(void **state)
{
    ft_attempt_t *a;
    (void)state;
    fx_init(&F, 1000, 0);
    F.req.retries = 0;
    a = fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
    a->send_fails = 1;
    a->send_fail_at = 10;
    a->send_fail_rc = DS_TR_ERR_TIMEOUT;
    assert_int_equal(fx_stop(&F), DS_NETWORK);
    assert_int_equal(F.res.reason, DS_R_DEADLINE);
    assert_int_equal(F.res.transport_error, DS_TR_ERR_TIMEOUT);
    assert_int_equal(F.ft.recvs, 0);
}

static void attempts_are_traced(void **state)
{
    (void)state;
    fx_init(&F, 1000, 0);
    fx_answer(&F, 0, 503, NULL, BUSY);
    fx_answer(&F, 1, 200, NULL, FX_OK_BODY);
    assert_int_equal(fx_stop(&F), DS_STOPPED);
    assert_int_equal(F.trace_calls[DS_TRACE_ATTEMPT], 1);
    assert_non_null(strstr(F.trace, "\n2|attempt 2 after 500 ms\n"));
    assert_int_equal(F.trace_calls[DS_TRACE_REQUEST_HEAD], 1);
    assert_non_null(strstr(F.trace, "\n1|HTTP/1.1 503\n"));
    assert_non_null(strstr(F.trace, "\n1|HTTP/1.1 200\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unavailable_then_ok_is_stopped_after_two_attempts),
        cmocka_unit_test(backoff_doubles_without_jitter_source),
        cmocka_unit_test(backoff_is_capped_at_8_seconds),
        cmocka_unit_test(jitter_stays_in_the_upper_half_and_varies),
        cmocka_unit_test(retry_after_that_fits_is_honoured),
        cmocka_unit_test(retry_after_beyond_the_deadline_stops_at_once),
        cmocka_unit_test(huge_retry_after_does_not_overflow),
        cmocka_unit_test(timeout_after_send_is_never_retried),
        cmocka_unit_test(rejected_and_unknown_are_never_retried),
        cmocka_unit_test(connect_failure_then_ok_is_stopped),
        cmocka_unit_test(certificate_rejection_is_not_retried),
        cmocka_unit_test(other_tls_failure_is_still_retried),
        cmocka_unit_test(send_failure_is_retried_with_the_whole_request),
        cmocka_unit_test(network_failures_exhaust_the_retries),
        cmocka_unit_test(zero_retries_means_one_attempt),
        cmocka_unit_test(each_call_gets_the_time_that_is_left),
        cmocka_unit_test(backoff_that_does_not_fit_ends_the_retries),
        cmocka_unit_test(slow_answer_ends_at_the_deadline),
        cmocka_unit_test(clock_wrap_around_changes_nothing),
        cmocka_unit_test(deadline_spent_before_sending_is_network_deadline),
        cmocka_unit_test(attempts_are_traced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
