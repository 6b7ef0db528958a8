/* ds_halt at its edges: the argument checks, more running records than
 * DS_RUNNING_MAX (the overflow makes the task still running), a
 * discovered record whose stop is answered 404, and a state poll failing
 * during the wait. */
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

static void halt_without_output_is_invalid_input(void **state)
{
    (void)state;
    hx_init();
    assert_int_equal(ds_halt(&S, &F.req, NULL), DS_INVALID_INPUT);
    assert_int_equal(F.ft.connects, 0);
    clean_end();
}

static void halt_without_session_or_request_is_bad_argument(void **state)
{
    (void)state;
    hx_init();
    assert_int_equal(ds_halt(NULL, &F.req, &H), DS_INVALID_INPUT);
    assert_int_equal(H.outcome, DS_INVALID_INPUT);
    assert_int_equal(H.res.reason, DS_R_BAD_ARGUMENT);
    assert_int_equal(ds_halt(&S, NULL, &H), DS_INVALID_INPUT);
    assert_int_equal(H.res.outcome, DS_INVALID_INPUT);
    assert_int_equal(H.res.reason, DS_R_BAD_ARGUMENT);
    assert_int_equal(F.ft.connects, 0);
    clean_end();
}

static void more_running_than_running_max_stops_those_kept_and_is_still_running(
    void **state)
{
    static char idbuf[DS_RUNNING_MAX + 1][DS_ID_LEN + 1];
    static char bodies[DS_RUNNING_MAX][512];
    hrow_t rows[DS_RUNNING_MAX + 1];
    unsigned i, n = DS_RUNNING_MAX + 1;
    (void)state;
    hx_init();
    for (i = 0; i < n; i++) {
        snprintf(idbuf[i], sizeof idbuf[i], "%032x", i + 1);
        rows[i].id = idbuf[i];
        rows[i].state = "running";
    }
    ft_answer(&F.ft, 0, hx_page(n, rows, (int)n));
    for (i = 0; i < DS_RUNNING_MAX; i++) {
        snprintf(bodies[i], sizeof bodies[i],
                 "{\"status\":\"success\",\"result\":{\"id\":\"%s\","
                 "\"task_id\":\"" FX_TASK "\"}}",
                 idbuf[i]);
        ft_answer(&F.ft, (int)i + 1, hx_http(200, NULL, bodies[i]));
    }
    assert_int_equal(halt(), DS_STILL_RUNNING);
    assert_int_equal(H.outcome, DS_STILL_RUNNING);
    assert_int_equal(H.count, DS_RUNNING_MAX);
    assert_int_equal(H.found.running, n);
    for (i = 0; i < DS_RUNNING_MAX; i++) {
        assert_int_equal(H.rec[i].outcome, DS_STOPPED);
        assert_string_equal(H.rec[i].id, idbuf[i]);
    }
    assert_int_equal(hx_count_method("PUT"), DS_RUNNING_MAX);
    /* the row beyond the array is never stopped */
    for (i = 0; i < (unsigned)F.ft.nreq; i++)
        assert_null(strstr(hx_req((int)i), idbuf[DS_RUNNING_MAX]));
    clean_end();
}

static void
discovered_record_whose_stop_is_404_and_has_ended_is_nothing_running(
    void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(2, one_running, 2));
    ft_answer(&F.ft, 1,
              hx_http(404, NULL,
                      "{\"error_code\":\"Deploy.00011003\","
                      "\"error_msg\":\"record not found\"}"));
    ft_answer(&F.ft, 2, hx_http(200, NULL, HX_STATE("succeeded")));
    assert_int_equal(halt(), DS_NOTHING_RUNNING);
    assert_int_equal(H.rec[0].outcome, DS_NOTHING_RUNNING);
    assert_int_equal(H.rec[0].reason, DS_R_ENDED);
    assert_string_equal(H.rec[0].state, "succeeded");
    assert_int_equal(F.ft.nreq, 3);
    clean_end();
}

static void
state_poll_failing_during_the_wait_is_that_failure_unconfirmed(void **state)
{
    (void)state;
    hx_init();
    F.req.wait_ms = 10000;
    F.req.retries = 0;
    ft_answer(&F.ft, 0, hx_page(2, one_running, 2));
    ft_answer(&F.ft, 1, hx_http(200, NULL, FX_OK_BODY));
    ft_answer(&F.ft, 2, hx_http(200, NULL, HX_STATE("running")));
    ft_answer(&F.ft, 3, hx_http(503, NULL, "{}"));
    assert_int_equal(halt(), DS_UNAVAILABLE);
    assert_int_equal(H.rec[0].accepted, 1);
    assert_int_equal(H.rec[0].confirmed, 0);
    assert_int_equal(H.rec[0].outcome, DS_UNAVAILABLE);
    assert_int_equal(H.rec[0].reason, DS_R_HTTP_STATUS);
    assert_int_equal(H.rec[0].ended_ms, 1000);
    assert_string_equal(H.rec[0].state, "running");
    assert_int_equal(F.ft.nreq, 4);
    assert_int_equal(F.fp.nsleeps, 1);
    clean_end();
}

static void
state_poll_failing_at_once_after_a_given_records_stop_is_that_failure(
    void **state)
{
    (void)state;
    hx_init();
    F.req.record_id = FX_RECORD;
    F.req.wait_ms = 5000;
    F.req.retries = 0;
    ft_answer(&F.ft, 0, hx_http(200, NULL, FX_OK_BODY));
    ft_answer(&F.ft, 1, hx_http(200, NULL, "{\"status\":\"success\"}"));
    assert_int_equal(halt(), DS_UNKNOWN);
    assert_int_equal(H.rec[0].outcome, DS_UNKNOWN);
    assert_int_equal(H.rec[0].reason, DS_R_JSON_MALFORMED);
    assert_int_equal(H.rec[0].confirmed, 0);
    assert_int_equal(H.rec[0].ended_ms, 0);
    assert_int_equal(F.fp.nsleeps, 0);
    clean_end();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(halt_without_output_is_invalid_input),
        cmocka_unit_test(halt_without_session_or_request_is_bad_argument),
        cmocka_unit_test(
            more_running_than_running_max_stops_those_kept_and_is_still_running),
        cmocka_unit_test(
            discovered_record_whose_stop_is_404_and_has_ended_is_nothing_running),
        cmocka_unit_test(
            state_poll_failing_during_the_wait_is_that_failure_unconfirmed),
        cmocka_unit_test(
            state_poll_failing_at_once_after_a_given_records_stop_is_that_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
