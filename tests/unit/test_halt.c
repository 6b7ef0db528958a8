/* ds_halt: discover, stop, confirm on one session; and the session's
 * kept-alive connection (reuse, close, alive() and the one resend of a GET
 * on a connection found dead). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "deploystop.h"
#include "ds_halt.h"
#include "halt_fixture.h"

static ds_halt_t H;

static const hrow_t one_running[] = {{HX_REC_B, "succeeded"},
                                     {FX_RECORD, "running"}};
static const hrow_t none_running[] = {
    {HX_REC_B, "succeeded"}, {FX_RECORD, "abort"}, {HX_REC_C, "failed"}};

#define STOP_LINE                                                              \
    "PUT /v2/tasks/" FX_TASK "/records/" FX_RECORD "/stop HTTP/1.1\r\n"
#define STATE_LINE                                                             \
    "GET /v2/tasks/" FX_TASK "/state?record_id=" FX_RECORD                     \
    "&step_state=false HTTP/1.1\r\n"
#define CLOSE_HDR "Connection: close\r\n"

static ds_outcome_t halt(void)
{
    return ds_halt(&S, &F.req, &H);
}

static void clean_end(void)
{
    hx_end();
    assert_int_equal(F.ft.connected, 0);
    assert_int_equal(F.ft.misuse, 0);
    assert_int_equal(F.ft.closes, F.ft.connects);
}

static int starts(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

/* ---- outcomes --------------------------------------------------------- */

static void nothing_running_is_nothing_running_and_sends_no_stop(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(3, none_running, 3));
    assert_int_equal(halt(), DS_NOTHING_RUNNING);
    assert_int_equal(H.outcome, DS_NOTHING_RUNNING);
    assert_int_equal(H.count, 0);
    assert_int_equal(F.ft.nreq, 1);
    assert_int_equal(hx_count_method("PUT"), 0);
    clean_end();
}

static void one_running_is_stopped_with_one_history_and_one_stop(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(2, one_running, 2));
    ft_answer(&F.ft, 1, hx_http(200, "X-Request-Id: rid-stop\r\n", FX_OK_BODY));
    assert_int_equal(halt(), DS_STOPPED);
    assert_int_equal(H.count, 1);
    assert_string_equal(H.rec[0].id, FX_RECORD);
    assert_int_equal(H.rec[0].outcome, DS_STOPPED);
    assert_int_equal(H.rec[0].accepted, 1);
    assert_int_equal(H.rec[0].confirmed, -1); /* not waited for */
    assert_string_equal(H.rec[0].request_id, "rid-stop");
    assert_int_equal(F.ft.nreq, 2);
    assert_true(
        starts(hx_req(0), "GET /v2/" HX_PROJECT "/task/" FX_TASK "/history?"));
    assert_true(starts(hx_req(1), STOP_LINE));
    assert_int_equal(hx_count_method("PUT"), 1);
    assert_int_equal(F.fp.nsleeps, 0);
    clean_end();
}

static void two_running_are_both_stopped(void **state)
{
    static const hrow_t rows[] = {{HX_REC_B, "running"},
                                  {FX_RECORD, "pending"}};
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(2, rows, 2));
    ft_answer(&F.ft, 1,
              hx_http(200, NULL,
                      "{\"status\":\"success\",\"result\":{\"id\":\"" HX_REC_B
                      "\",\"task_id\":\"" FX_TASK "\"}}"));
    ft_answer(&F.ft, 2, hx_http(200, NULL, FX_OK_BODY));
    assert_int_equal(halt(), DS_STOPPED);
    assert_int_equal(H.count, 2);
    assert_int_equal(H.rec[0].outcome, DS_STOPPED);
    assert_int_equal(H.rec[1].outcome, DS_STOPPED);
    assert_int_equal(hx_count_method("PUT"), 2);
    assert_non_null(strstr(hx_req(1), "/records/" HX_REC_B "/stop"));
    assert_non_null(strstr(hx_req(2), "/records/" FX_RECORD "/stop"));
    clean_end();
}

static void wait_polls_state_once_a_second_until_abort(void **state)
{
    int i;
    (void)state;
    hx_init();
    F.req.wait_ms = 10000;
    ft_answer(&F.ft, 0, hx_page(2, one_running, 2));
    ft_answer(&F.ft, 1, hx_http(200, NULL, FX_OK_BODY));
    ft_answer(&F.ft, 2, hx_http(200, NULL, HX_STATE("running")));
    ft_answer(&F.ft, 3, hx_http(200, NULL, HX_STATE("running")));
    ft_answer(&F.ft, 4, hx_http(200, NULL, HX_STATE("abort")));
    assert_int_equal(halt(), DS_STOPPED);
    assert_int_equal(H.rec[0].outcome, DS_STOPPED);
    assert_int_equal(H.rec[0].confirmed, 1);
    assert_string_equal(H.rec[0].state, "abort");
    assert_int_equal(H.rec[0].ended_ms, 2000);
    assert_int_equal(F.ft.nreq, 5);
    for (i = 2; i < 5; i++)
        assert_true(starts(hx_req(i), STATE_LINE));
    assert_int_equal(F.fp.nsleeps, 2);
    assert_int_equal(F.fp.sleeps[0], 1000);
    assert_int_equal(F.fp.sleeps[1], 1000);
    clean_end();
}

static void wait_stopped_record_seen_ended_at_once_needs_no_sleep(void **state)
{
    (void)state;
    hx_init();
    F.req.wait_ms = 5000;
    ft_answer(&F.ft, 0, hx_page(2, one_running, 2));
    ft_answer(&F.ft, 1, hx_http(200, NULL, FX_OK_BODY));
    ft_answer(&F.ft, 2, hx_http(200, NULL, HX_STATE("abort")));
    assert_int_equal(halt(), DS_STOPPED);
    assert_int_equal(H.rec[0].confirmed, 1);
    assert_int_equal(H.rec[0].ended_ms, 0);
    assert_int_equal(F.fp.nsleeps, 0);
    clean_end();
}

static void
record_that_never_ends_is_still_running_within_the_wait(void **state)
{
    int i;
    (void)state;
    hx_init();
    F.req.wait_ms = 3000;
    ft_answer(&F.ft, 0, hx_page(2, one_running, 2));
    ft_answer(&F.ft, 1, hx_http(200, NULL, FX_OK_BODY));
    for (i = 2; i < 12; i++)
        ft_answer(&F.ft, i, hx_http(200, NULL, HX_STATE("running")));
    assert_int_equal(halt(), DS_STILL_RUNNING);
    assert_int_equal(H.rec[0].outcome, DS_STILL_RUNNING);
    assert_int_equal(H.rec[0].reason, DS_R_WAIT_OVER);
    assert_int_equal(H.rec[0].accepted, 1);
    assert_int_equal(H.rec[0].confirmed, 0);
    assert_string_equal(H.rec[0].state, "running");
    assert_true(F.fp.slept_ms <= F.req.wait_ms);
    assert_true(F.fp.nsleeps >= 2);
    for (i = 0; i < F.fp.nsleeps; i++)
        assert_int_equal(F.fp.sleeps[i], 1000);
    assert_int_equal(F.ft.nreq, 2 + F.fp.nsleeps + 1);
    clean_end();
}

static void wait_is_cut_by_the_run_deadline(void **state)
{
    int i;
    (void)state;
    hx_init();
    hx_end();
    F.req.deadline_ms = 4000;
    F.req.wait_ms = 60000;
    ds_session_begin(&S, &F.tr, &F.pf, &F.ws, F.req.deadline_ms);
    ft_answer(&F.ft, 0, hx_page(2, one_running, 2));
    ft_answer(&F.ft, 1, hx_http(200, NULL, FX_OK_BODY));
    for (i = 2; i < 12; i++)
        ft_answer(&F.ft, i, hx_http(200, NULL, HX_STATE("running")));
    assert_int_equal(halt(), DS_STILL_RUNNING);
    assert_int_equal(H.rec[0].reason, DS_R_WAIT_OVER);
    assert_true(F.fp.slept_ms < F.req.deadline_ms);
    clean_end();
}

static void stop_400_not_running_then_state_succeeded_is_ended(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(2, one_running, 2));
    ft_answer(&F.ft, 1, hx_http(400, NULL, HX_NOT_RUNNING_BODY));
    ft_answer(&F.ft, 2, hx_http(200, NULL, HX_STATE("succeeded")));
    assert_int_equal(halt(), DS_NOTHING_RUNNING);
    assert_int_equal(H.rec[0].outcome, DS_NOTHING_RUNNING);
    assert_int_equal(H.rec[0].reason, DS_R_ENDED);
    assert_int_equal(H.rec[0].accepted, 0);
    assert_string_equal(H.rec[0].state, "succeeded");
    assert_int_equal(F.ft.nreq, 3);
    assert_true(starts(hx_req(2), STATE_LINE));
    clean_end();
}

static void stop_200_status_error_then_state_succeeded_is_ended(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(2, one_running, 2));
    ft_answer(
        &F.ft, 1,
        hx_http(200, NULL,
                "{\"status\":\"error\",\"error_code\":\"Deploy.00011304\"}"));
    ft_answer(&F.ft, 2, hx_http(200, NULL, HX_STATE("succeeded")));
    assert_int_equal(halt(), DS_NOTHING_RUNNING);
    assert_int_equal(H.rec[0].reason, DS_R_ENDED);
    clean_end();
}

static void
stop_400_not_running_with_state_still_running_stays_rejected(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(2, one_running, 2));
    ft_answer(&F.ft, 1, hx_http(400, NULL, HX_NOT_RUNNING_BODY));
    ft_answer(&F.ft, 2, hx_http(200, NULL, HX_STATE("running")));
    assert_int_equal(halt(), DS_REJECTED);
    assert_int_equal(H.rec[0].outcome, DS_REJECTED);
    assert_int_equal(H.rec[0].reason, DS_R_HTTP_STATUS);
    /* the stop's own details stand */
    assert_int_equal(H.res.http_status, 400);
    assert_string_equal(H.res.error_code, "Deploy.00011304");
    assert_int_equal(F.ft.nreq, 3);
    clean_end();
}

static void pinned_record_skips_discovery(void **state)
{
    (void)state;
    hx_init();
    F.req.record_id = FX_RECORD;
    F.req.project_id = NULL;
    ft_answer(&F.ft, 0, hx_http(200, NULL, FX_OK_BODY));
    assert_int_equal(halt(), DS_STOPPED);
    assert_int_equal(H.count, 1);
    assert_string_equal(H.rec[0].id, FX_RECORD);
    assert_int_equal(F.ft.nreq, 1);
    assert_true(starts(hx_req(0), STOP_LINE));
    clean_end();
}

static void
pinned_record_answered_not_running_is_rejected_without_state(void **state)
{
    (void)state;
    hx_init();
    F.req.record_id = FX_RECORD;
    ft_answer(&F.ft, 0, hx_http(400, NULL, HX_NOT_RUNNING_BODY));
    ft_answer(&F.ft, 1, hx_http(200, NULL, HX_STATE("succeeded")));
    assert_int_equal(halt(), DS_REJECTED);
    assert_int_equal(F.ft.nreq, 1);
    clean_end();
}

static void malformed_running_row_is_unknown_and_sends_no_stop(void **state)
{
    static const hrow_t rows[] = {{"not-a-record-id", "running"}};
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(1, rows, 1));
    ft_answer(&F.ft, 1, hx_http(200, NULL, FX_OK_BODY));
    assert_int_equal(halt(), DS_UNKNOWN);
    assert_int_equal(H.res.reason, DS_R_BAD_ROW);
    assert_int_equal(H.count, 0);
    assert_int_equal(F.ft.nreq, 1);
    assert_int_equal(hx_count_method("PUT"), 0);
    clean_end();
}

static void missing_project_id_is_invalid_input_and_sends_nothing(void **state)
{
    (void)state;
    hx_init();
    F.req.project_id = NULL;
    assert_int_equal(halt(), DS_INVALID_INPUT);
    assert_int_equal(H.res.reason, DS_R_BAD_PROJECT_ID);
    assert_int_equal(F.ft.connects, 0);
    clean_end();
}

/* ---- the kept-alive connection ---------------------------------------- */

static void keep_alive_discover_stop_confirm_make_one_connect(void **state)
{
    ft_attempt_t *a;
    (void)state;
    hx_init();
    fake_transport_alive(&F.ft, &F.tr, 1);
    F.req.wait_ms = 5000;
    a = ft_answer(&F.ft, 0, hx_page(2, one_running, 2));
    a->then[0] = hx_http(200, NULL, FX_OK_BODY);
    a->then[1] = hx_http(200, NULL, HX_STATE("abort"));
    assert_int_equal(halt(), DS_STOPPED);
    assert_int_equal(H.rec[0].confirmed, 1);
    assert_int_equal(F.ft.connects, 1);
    assert_int_equal(S.connects, 1);
    assert_int_equal(S.requests, 3);
    assert_int_equal(F.ft.nreq, 3);
    assert_int_equal(F.ft.req_conn[2], 0);
    assert_int_equal(F.ft.closes, 0);
    assert_int_equal(F.ft.alives, 2);
    clean_end();
    assert_int_equal(F.ft.closes, 1);
}

static void connection_close_answers_reconnect_for_every_call(void **state)
{
    (void)state;
    hx_init();
    fake_transport_alive(&F.ft, &F.tr, 1);
    F.req.wait_ms = 5000;
    ft_answer(&F.ft, 0, hx_http(200, CLOSE_HDR, hx_history(2, one_running, 2)));
    ft_answer(&F.ft, 1, hx_http(200, CLOSE_HDR, FX_OK_BODY));
    ft_answer(&F.ft, 2, hx_http(200, CLOSE_HDR, HX_STATE("abort")));
    assert_int_equal(halt(), DS_STOPPED);
    assert_int_equal(F.ft.connects, 3);
    assert_int_equal(S.connects, 3);
    assert_int_equal(F.ft.req_conn[0], 0);
    assert_int_equal(F.ft.req_conn[1], 1);
    assert_int_equal(F.ft.req_conn[2], 2);
    assert_int_equal(F.ft.alives, 0); /* nothing held to ask about */
    clean_end();
}

static void without_alive_hook_every_call_reconnects(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(2, one_running, 2));
    ft_answer(&F.ft, 1, hx_http(200, NULL, FX_OK_BODY));
    assert_int_equal(halt(), DS_STOPPED);
    assert_int_equal(F.ft.connects, 2);
    assert_int_equal(F.ft.closes, 2);
    clean_end();
}

static void dead_connection_is_replaced_before_the_stop_is_sent(void **state)
{
    ft_attempt_t *a;
    const char *log;
    (void)state;
    hx_init();
    fake_transport_alive(&F.ft, &F.tr, 0);
    a = ft_answer(&F.ft, 0, hx_page(2, one_running, 2));
    a->then[0] = hx_http(200, NULL, FX_OK_BODY); /* must not be used */
    ft_answer(&F.ft, 1, hx_http(200, NULL, FX_OK_BODY));
    assert_int_equal(halt(), DS_STOPPED);
    assert_int_equal(F.ft.connects, 2);
    assert_int_equal(F.ft.nreq, 2);
    assert_int_equal(F.ft.req_conn[0], 0);
    assert_int_equal(F.ft.req_conn[1], 1);
    assert_true(starts(hx_req(1), STOP_LINE));
    /* asked, closed, connected again, and only then sent */
    log = strchr(F.ft.log, 'a');
    assert_non_null(log);
    assert_true(starts(log, "aXCS"));
    clean_end();
}

static void alive_checked_before_each_reuse(void **state)
{
    ft_attempt_t *a;
    (void)state;
    hx_init();
    fake_transport_alive(&F.ft, &F.tr, 1);
    F.ft.alive_script = "10"; /* stop reuses; the state call does not */
    F.req.wait_ms = 5000;
    a = ft_answer(&F.ft, 0, hx_page(2, one_running, 2));
    a->then[0] = hx_http(200, NULL, FX_OK_BODY);
    a->then[1] = hx_http(200, NULL, HX_STATE("running")); /* not used */
    ft_answer(&F.ft, 1, hx_http(200, NULL, HX_STATE("abort")));
    assert_int_equal(halt(), DS_STOPPED);
    assert_int_equal(H.rec[0].confirmed, 1);
    assert_int_equal(F.ft.connects, 2);
    assert_int_equal(F.ft.req_conn[1], 0);
    assert_int_equal(F.ft.req_conn[2], 1);
    clean_end();
}

static void get_on_reused_connection_closed_before_any_byte_is_sent_again_fresh(
    void **state)
{
    ds_record_state_t st;
    ds_running_t run;
    size_t l1, l2;
    const char *r1, *r2;
    (void)state;
    hx_init();
    fake_transport_alive(&F.ft, &F.tr, 1);
    ft_answer(&F.ft, 0, hx_page(2, one_running, 2)); /* then: EOF */
    ft_answer(&F.ft, 1, hx_http(200, NULL, HX_STATE("running")));
    assert_int_equal(ds_history(&S, &F.req, &run, &F.res), DS_OK);
    F.req.record_id = FX_RECORD;
    assert_int_equal(ds_state(&S, &F.req, &st, &F.res), DS_OK);
    assert_string_equal(st.status, "running");
    assert_int_equal(F.ft.connects, 2);
    assert_int_equal(F.ft.nreq, 3);
    assert_int_equal(F.ft.req_conn[1], 0);
    assert_int_equal(F.ft.req_conn[2], 1);
    r1 = ft_request(&F.ft, 1, &l1);
    r2 = ft_request(&F.ft, 2, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(r1, r2, l1);
    assert_true(starts(hx_req(2), STATE_LINE));
    clean_end();
}

static void
get_resent_only_once_when_the_fresh_connection_also_closes(void **state)
{
    ds_record_state_t st;
    ds_running_t run;
    (void)state;
    hx_init();
    fake_transport_alive(&F.ft, &F.tr, 1);
    F.req.retries = 0;
    ft_answer(&F.ft, 0, hx_page(2, one_running, 2)); /* then: EOF */
    ft_answer(&F.ft, 1, NULL);                       /* EOF at once */
    ft_answer(&F.ft, 2, hx_http(200, NULL, HX_STATE("running")));
    assert_int_equal(ds_history(&S, &F.req, &run, &F.res), DS_OK);
    F.req.record_id = FX_RECORD;
    assert_int_equal(ds_state(&S, &F.req, &st, &F.res), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_CLOSED);
    assert_int_equal(F.ft.connects, 2);
    clean_end();
}

static void
put_on_reused_connection_closed_before_any_byte_is_not_resent(void **state)
{
    (void)state;
    hx_init();
    fake_transport_alive(&F.ft, &F.tr, 1);
    ft_answer(&F.ft, 0, hx_page(2, one_running, 2));     /* then: EOF */
    ft_answer(&F.ft, 1, hx_http(200, NULL, FX_OK_BODY)); /* must not be used */
    assert_int_equal(halt(), DS_UNKNOWN);
    assert_int_equal(H.rec[0].outcome, DS_UNKNOWN);
    assert_int_equal(H.rec[0].reason, DS_R_CLOSED);
    assert_int_equal(H.rec[0].accepted, 0);
    assert_int_equal(F.ft.connects, 1);
    assert_int_equal(hx_count_method("PUT"), 1);
    clean_end();
}


/* ---- a connection opened while the button is held -------------------- */

static void preconnect_then_the_stop_goes_out_on_the_held_connection(void **state)
{
    (void)state;
    hx_init();
    fake_transport_alive(&F.ft, &F.tr, 1);
    F.req.record_id = FX_RECORD;
    ft_answer(&F.ft, 0, hx_http(200, NULL, FX_OK_BODY));
    assert_int_equal(
        ds_session_preconnect(&S, F.req.host, F.req.port, F.req.use_tls), 0);
    assert_int_equal(F.ft.connects, 1);
    assert_int_equal(F.ft.sent_len, 0); /* nothing sent until a call */
    assert_int_equal(halt(), DS_STOPPED);
    assert_int_equal(F.ft.connects, 1);
    assert_int_equal(S.connects, 1);
    assert_int_equal(F.ft.req_conn[0], 0);
    assert_true(starts(hx_req(0), STOP_LINE));
    clean_end();
}

static void preconnect_refused_closes_and_the_call_connects_again(void **state)
{
    (void)state;
    hx_init();
    fake_transport_alive(&F.ft, &F.tr, 1);
    F.req.record_id = FX_RECORD;
    ft_connect_fails(&F.ft, 0, DS_TR_ERR_TLS_VERIFY);
    ft_answer(&F.ft, 1, hx_http(200, NULL, FX_OK_BODY));
    assert_int_equal(
        ds_session_preconnect(&S, F.req.host, F.req.port, F.req.use_tls),
        DS_TR_ERR_TLS_VERIFY);
    assert_int_equal(S.open, 0);
    assert_int_equal(F.ft.closes, 1);
    assert_int_equal(halt(), DS_STOPPED);
    assert_int_equal(F.ft.connects, 2);
    clean_end();
}

static void preconnect_released_early_closes_without_sending_a_byte(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_http(200, NULL, FX_OK_BODY));
    assert_int_equal(
        ds_session_preconnect(&S, F.req.host, F.req.port, F.req.use_tls), 0);
    clean_end(); /* the button came up before the hold */
    assert_int_equal(F.ft.sent_len, 0);
    assert_int_equal(F.ft.closes, 1);
}

static void preconnect_with_a_bad_host_or_no_time_left_connects_nothing(void **state)
{
    (void)state;
    hx_init();
    assert_int_equal(ds_session_preconnect(&S, "bad host", 443, 1),
                     DS_TR_ERR_ARG);
    assert_int_equal(ds_session_preconnect(&S, F.req.host, 0, 1),
                     DS_TR_ERR_ARG);
    F.fp.now += S.deadline_ms; /* the run's deadline is over */
    assert_int_equal(
        ds_session_preconnect(&S, F.req.host, F.req.port, F.req.use_tls),
        DS_TR_ERR_TIMEOUT);
    assert_int_equal(F.ft.connects, 0);
    clean_end();
}

static void preconnect_drops_a_connection_already_held(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_http(200, NULL, FX_OK_BODY));
    ft_answer(&F.ft, 1, hx_http(200, NULL, FX_OK_BODY));
    assert_int_equal(
        ds_session_preconnect(&S, F.req.host, F.req.port, F.req.use_tls), 0);
    assert_int_equal(
        ds_session_preconnect(&S, F.req.host, F.req.port, F.req.use_tls), 0);
    assert_int_equal(F.ft.connects, 2);
    assert_int_equal(F.ft.closes, 1);
    clean_end();
}

static void restart_gives_the_run_its_whole_deadline_again(void **state)
{
    (void)state;
    hx_init();
    F.fp.now += 2500;
    assert_int_equal(ds_session_left(&S), S.deadline_ms - 2500);
    ds_session_restart(&S);
    assert_int_equal(ds_session_left(&S), S.deadline_ms);
    clean_end();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nothing_running_is_nothing_running_and_sends_no_stop),
        cmocka_unit_test(one_running_is_stopped_with_one_history_and_one_stop),
        cmocka_unit_test(two_running_are_both_stopped),
        cmocka_unit_test(wait_polls_state_once_a_second_until_abort),
        cmocka_unit_test(wait_stopped_record_seen_ended_at_once_needs_no_sleep),
        cmocka_unit_test(
            record_that_never_ends_is_still_running_within_the_wait),
        cmocka_unit_test(wait_is_cut_by_the_run_deadline),
        cmocka_unit_test(stop_400_not_running_then_state_succeeded_is_ended),
        cmocka_unit_test(stop_200_status_error_then_state_succeeded_is_ended),
        cmocka_unit_test(
            stop_400_not_running_with_state_still_running_stays_rejected),
        cmocka_unit_test(pinned_record_skips_discovery),
        cmocka_unit_test(
            pinned_record_answered_not_running_is_rejected_without_state),
        cmocka_unit_test(malformed_running_row_is_unknown_and_sends_no_stop),
        cmocka_unit_test(missing_project_id_is_invalid_input_and_sends_nothing),
        cmocka_unit_test(keep_alive_discover_stop_confirm_make_one_connect),
        cmocka_unit_test(preconnect_then_the_stop_goes_out_on_the_held_connection),
        cmocka_unit_test(preconnect_refused_closes_and_the_call_connects_again),
        cmocka_unit_test(preconnect_released_early_closes_without_sending_a_byte),
        cmocka_unit_test(preconnect_with_a_bad_host_or_no_time_left_connects_nothing),
        cmocka_unit_test(preconnect_drops_a_connection_already_held),
        cmocka_unit_test(restart_gives_the_run_its_whole_deadline_again),
        cmocka_unit_test(connection_close_answers_reconnect_for_every_call),
        cmocka_unit_test(without_alive_hook_every_call_reconnects),
        cmocka_unit_test(dead_connection_is_replaced_before_the_stop_is_sent),
        cmocka_unit_test(alive_checked_before_each_reuse),
        cmocka_unit_test(
            get_on_reused_connection_closed_before_any_byte_is_sent_again_fresh),
        cmocka_unit_test(
            get_resent_only_once_when_the_fresh_connection_also_closes),
        cmocka_unit_test(
            put_on_reused_connection_closed_before_any_byte_is_not_resent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
