/* ds_state and ds_history at their edges: the argument checks, every way a
 * 200 state answer can fail its judge, the window when the wall clock is
 * out of the calendar, the time probe failing, rows beyond
 * DS_RUNNING_MAX, and the shapes of "result" and "total_num" a page can
 * be refused or read for. */
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

static ds_record_state_t ST;
static ds_running_t RUN;

/* 9999-12-31 00:00:00 UTC, the last day ds_date_sdk writes. */
#define LAST_DAY_UNIX 253402214400LL

static ds_outcome_t state_call(void)
{
    F.req.record_id = FX_RECORD;
    return ds_state(&S, &F.req, &ST, &F.res);
}

static ds_outcome_t history(void)
{
    return ds_history(&S, &F.req, &RUN, &F.res);
}

static void clean_end(void)
{
    hx_end();
    assert_int_equal(F.ft.connected, 0);
    assert_int_equal(F.ft.misuse, 0);
    assert_int_equal(F.ft.closes, F.ft.connects);
}

/* ---- state: arguments -------------------------------------------------- */

static void state_without_result_is_invalid_input(void **state)
{
    (void)state;
    hx_init();
    F.req.record_id = FX_RECORD;
    assert_int_equal(ds_state(&S, &F.req, &ST, NULL), DS_INVALID_INPUT);
    assert_int_equal(F.ft.connects, 0);
    clean_end();
}

static void
state_without_session_request_or_output_is_bad_argument(void **state)
{
    (void)state;
    hx_init();
    F.req.record_id = FX_RECORD;
    assert_int_equal(ds_state(NULL, &F.req, &ST, &F.res), DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_BAD_ARGUMENT);
    assert_int_equal(ds_state(&S, NULL, &ST, &F.res), DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_BAD_ARGUMENT);
    assert_int_equal(ds_state(&S, &F.req, NULL, &F.res), DS_INVALID_INPUT);
    assert_int_equal(F.res.outcome, DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_BAD_ARGUMENT);
    assert_int_equal(F.ft.connects, 0);
    clean_end();
}

static void state_without_record_id_is_invalid_input(void **state)
{
    (void)state;
    hx_init();
    F.req.record_id = NULL;
    assert_int_equal(ds_state(&S, &F.req, &ST, &F.res), DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_BAD_RECORD_ID);
    assert_int_equal(F.ft.connects, 0);
    clean_end();
}

/* ---- state: the judge -------------------------------------------------- */

static void state_202_is_unknown_http_status(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_http(202, NULL, HX_STATE("running")));
    assert_int_equal(state_call(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_HTTP_STATUS);
    assert_int_equal(F.res.http_status, 202);
    clean_end();
}

static void state_200_with_only_an_error_code_is_rejected(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0,
              hx_http(200, NULL,
                      "{\"error_code\":\"Deploy.00011004\","
                      "\"error_msg\":\"no such record\"}"));
    assert_int_equal(state_call(), DS_REJECTED);
    assert_int_equal(F.res.reason, DS_R_STATUS_NOT_SUCCESS);
    assert_string_equal(F.res.error_code, "Deploy.00011004");
    clean_end();
}

static void state_200_without_status_or_error_is_json_malformed(void **state)
{
    (void)state;
    hx_init();
    ft_answer(
        &F.ft, 0,
        hx_http(200, NULL,
                "{\"result\":{\"status\":\"running\",\"record_id\":\"" FX_RECORD
                "\",\"task_id\":\"" FX_TASK "\"}}"));
    assert_int_equal(state_call(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_JSON_MALFORMED);
    clean_end();
}

static void state_200_that_is_not_json_is_json_malformed(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_http(200, NULL, "<html>running</html>"));
    assert_int_equal(state_call(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_JSON_MALFORMED);
    clean_end();
}

static void state_200_without_the_task_echo_is_json_malformed(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0,
              hx_http(200, NULL,
                      "{\"status\":\"success\",\"result\":{\"status\":"
                      "\"running\",\"record_id\":\"" FX_RECORD "\"}}"));
    assert_int_equal(state_call(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_JSON_MALFORMED);
    clean_end();
}

static void state_200_without_a_record_status_is_json_malformed(void **state)
{
    (void)state;
    hx_init();
    ft_answer(
        &F.ft, 0,
        hx_http(200, NULL,
                "{\"status\":\"success\",\"result\":{\"record_id\":\"" FX_RECORD
                "\",\"task_id\":\"" FX_TASK "\"}}"));
    assert_int_equal(state_call(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_JSON_MALFORMED);
    assert_string_equal(ST.status, "");
    clean_end();
}

/* ---- history: arguments ------------------------------------------------ */

static void history_without_result_is_invalid_input(void **state)
{
    (void)state;
    hx_init();
    assert_int_equal(ds_history(&S, &F.req, &RUN, NULL), DS_INVALID_INPUT);
    assert_int_equal(F.ft.connects, 0);
    clean_end();
}

static void
history_without_session_request_or_output_is_bad_argument(void **state)
{
    (void)state;
    hx_init();
    assert_int_equal(ds_history(NULL, &F.req, &RUN, &F.res), DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_BAD_ARGUMENT);
    assert_int_equal(ds_history(&S, NULL, &RUN, &F.res), DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_BAD_ARGUMENT);
    assert_int_equal(ds_history(&S, &F.req, NULL, &F.res), DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_BAD_ARGUMENT);
    assert_int_equal(F.ft.connects, 0);
    clean_end();
}

static void history_without_project_is_invalid_input(void **state)
{
    (void)state;
    hx_init();
    F.req.project_id = NULL;
    assert_int_equal(history(), DS_INVALID_INPUT);
    assert_int_equal(F.res.outcome, DS_INVALID_INPUT);
    assert_int_not_equal(F.res.reason, DS_R_NONE);
    assert_int_equal(F.ft.connects, 0);
    clean_end();
}

/* ---- history: the window ----------------------------------------------- */

/* A board without a wall clock reports its uptime as a 1970 date (for
 * AK/SK signing, which the server's Date corrects): that is no clock for
 * the history's dates, which then come from the server. */
static void
history_with_a_1970_uptime_clock_takes_its_dates_from_the_server(void **state)
{
    (void)state;
    hx_init();
    fake_platform_unix(&F.fp, &F.pf, 3 * 86400);
    ft_answer(&F.ft, 0, hx_http(404, "Date: " HX_DATE "\r\n", "{}"));
    ft_answer(&F.ft, 1, hx_page(0, NULL, 0));
    assert_int_equal(history(), DS_OK);
    assert_int_equal(F.ft.nreq, 2);
    assert_memory_equal(hx_req(0), "GET / HTTP/1.1\r\n", 16);
    assert_non_null(
        strstr(hx_req(1), "&start_date=2026-11-21&end_date=2026-11-29 "));
    clean_end();
}

static void history_with_a_clock_past_year_9999_is_no_clock(void **state)
{
    (void)state;
    hx_init();
    fake_platform_unix(&F.fp, &F.pf, LAST_DAY_UNIX + 30 * 86400LL);
    assert_int_equal(history(), DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_NO_CLOCK);
    assert_int_equal(F.ft.connects, 0);
    clean_end();
}

static void history_whose_window_ends_past_year_9999_is_no_clock(void **state)
{
    (void)state;
    hx_init();
    /* 9999-12-31 12:00: the start (9999-12-24) is a date, the end is not. */
    fake_platform_unix(&F.fp, &F.pf, LAST_DAY_UNIX + 43200);
    assert_int_equal(history(), DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_NO_CLOCK);
    assert_int_equal(F.ft.connects, 0);
    clean_end();
}

static void history_probe_with_an_unparsable_date_is_no_clock(void **state)
{
    (void)state;
    hx_init();
    F.pf.unix_time = NULL;
    ft_answer(&F.ft, 0, hx_http(404, "Date: yesterday at noon\r\n", "{}"));
    assert_int_equal(history(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_NO_CLOCK);
    assert_int_equal(F.ft.nreq, 1); /* no history sent without dates */
    clean_end();
}

static void
history_probe_that_cannot_connect_keeps_the_connect_failure(void **state)
{
    (void)state;
    hx_init();
    F.pf.unix_time = NULL;
    F.req.retries = 0;
    ft_connect_fails(&F.ft, 0, DS_TR_ERR_CONNECT);
    assert_int_equal(history(), DS_NETWORK);
    assert_int_equal(F.res.reason, DS_R_CONNECT);
    assert_int_equal(F.res.http_status, 0);
    assert_int_equal(F.ft.nreq, 0);
    clean_end();
}

/* ---- history: rows and pages ------------------------------------------- */

static void
history_keeps_the_first_running_max_and_counts_the_rest(void **state)
{
    static const char *ids[DS_RUNNING_MAX + 2];
    static char idbuf[DS_RUNNING_MAX + 2][DS_ID_LEN + 1];
    hrow_t rows[DS_RUNNING_MAX + 2];
    unsigned i, n = DS_RUNNING_MAX + 2;
    (void)state;
    hx_init();
    for (i = 0; i < n; i++) {
        snprintf(idbuf[i], sizeof idbuf[i], "%032x", i + 1);
        ids[i] = idbuf[i];
        rows[i].id = ids[i];
        rows[i].state = "running";
    }
    ft_answer(&F.ft, 0, hx_page(n, rows, (int)n));
    assert_int_equal(history(), DS_OK);
    assert_int_equal(RUN.running, n);
    assert_int_equal(RUN.count, DS_RUNNING_MAX);
    assert_int_equal(RUN.rows, n);
    assert_string_equal(RUN.id[0], idbuf[0]);
    assert_string_equal(RUN.id[DS_RUNNING_MAX - 1], idbuf[DS_RUNNING_MAX - 1]);
    clean_end();
}

static void history_rows_spaced_with_whitespace_are_read(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0,
              hx_http(200, NULL,
                      "{\"result\":[ \r\n{\"execution_id\":\"" FX_RECORD
                      "\",\"state\":\"running\",\"start_time\":\"t\"}\t ,\n"
                      " {\"execution_id\":\"" HX_REC_B
                      "\",\"state\":\"succeeded\","
                      "\"start_time\":\"t\"} \n],\"total_num\":2}"));
    assert_int_equal(history(), DS_OK);
    assert_int_equal(RUN.rows, 2);
    assert_int_equal(RUN.count, 1);
    assert_string_equal(RUN.id[0], FX_RECORD);
    clean_end();
}

static void history_row_that_is_not_an_object_is_json_malformed(void **state)
{
    (void)state;
    hx_init();
    ft_answer(
        &F.ft, 0,
        hx_http(200, NULL, "{\"result\":[\"" FX_RECORD "\"],\"total_num\":1}"));
    assert_int_equal(history(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_JSON_MALFORMED);
    assert_int_equal(RUN.rows, 0);
    clean_end();
}

static void history_200_without_result_is_json_malformed(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_http(200, NULL, "{\"total_num\":0}"));
    assert_int_equal(history(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_JSON_MALFORMED);
    clean_end();
}

static void
history_200_with_an_error_code_and_no_result_is_rejected(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0,
              hx_http(200, NULL,
                      "{\"error_code\":\"Deploy.00011001\","
                      "\"error_msg\":\"no such task\"}"));
    assert_int_equal(history(), DS_REJECTED);
    assert_int_equal(F.res.reason, DS_R_STATUS_NOT_SUCCESS);
    assert_string_equal(F.res.error_code, "Deploy.00011001");
    clean_end();
}

static void history_total_num_that_is_no_number_is_read_as_zero(void **state)
{
    static const hrow_t rows[] = {{FX_RECORD, "running"}};
    static const char *const totals[] = {"{}", "1e3", "-5", "123456789012345"};
    unsigned i;
    (void)state;
    for (i = 0; i < sizeof totals / sizeof totals[0]; i++) {
        char body[1024];
        hx_init();
        snprintf(body, sizeof body,
                 "{\"result\":[{\"execution_id\":\"%s\",\"state\":\"%s\","
                 "\"start_time\":\"t\"}],\"total_num\":%s}",
                 rows[0].id, rows[0].state, totals[i]);
        ft_answer(&F.ft, 0, hx_http(200, NULL, body));
        assert_int_equal(history(), DS_OK);
        assert_int_equal(RUN.total, 0);
        assert_int_equal(RUN.pages, 1); /* no second page asked for */
        assert_int_equal(RUN.count, 1);
        clean_end();
    }
}

#define ROW(id, st)                                                            \
    "{\"execution_id\":\"" id "\",\"state\":\"" st "\",\"start_time\":\"t\"}"

static void
history_rows_without_a_comma_between_are_json_malformed(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0,
              hx_http(200, NULL,
                      "{\"result\":[" ROW(FX_RECORD, "running") " " ROW(
                          HX_REC_B, "running") "],\"total_num\":2}"));
    assert_int_equal(history(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_JSON_MALFORMED);
    assert_int_equal(RUN.rows, 1);
    clean_end();
}

static void history_trailing_comma_in_result_is_json_malformed(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0,
              hx_http(200, NULL,
                      "{\"result\":[" ROW(FX_RECORD,
                                          "running") ", ],\"total_num\":1}"));
    assert_int_equal(history(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_JSON_MALFORMED);
    clean_end();
}

static void history_nul_byte_before_a_row_is_json_malformed(void **state)
{
    static const char body[] =
        "{\"result\":[\0" ROW(FX_RECORD, "running") "],\"total_num\":1}";
    static char answer[512];
    ft_attempt_t *a;
    int n;
    (void)state;
    hx_init();
    n = snprintf(answer, sizeof answer,
                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Content-Length: %u\r\n\r\n",
                 (unsigned)(sizeof body - 1));
    memcpy(answer + n, body, sizeof body - 1);
    a = ft_answer(&F.ft, 0, answer);
    a->answer_len = (size_t)n + sizeof body - 1;
    assert_int_equal(history(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_JSON_MALFORMED);
    assert_int_equal(RUN.rows, 0);
    clean_end();
}

static void history_page_without_total_num_asks_for_no_more_pages(void **state)
{
    (void)state;
    hx_init();
    ft_answer(
        &F.ft, 0,
        hx_http(200, NULL, "{\"result\":[" ROW(FX_RECORD, "running") "]}"));
    assert_int_equal(history(), DS_OK);
    assert_int_equal(RUN.total, 0);
    assert_int_equal(RUN.pages, 1);
    assert_int_equal(RUN.count, 1);
    assert_int_equal(F.ft.nreq, 1);
    clean_end();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_without_result_is_invalid_input),
        cmocka_unit_test(
            state_without_session_request_or_output_is_bad_argument),
        cmocka_unit_test(state_without_record_id_is_invalid_input),
        cmocka_unit_test(state_202_is_unknown_http_status),
        cmocka_unit_test(state_200_with_only_an_error_code_is_rejected),
        cmocka_unit_test(state_200_without_status_or_error_is_json_malformed),
        cmocka_unit_test(state_200_that_is_not_json_is_json_malformed),
        cmocka_unit_test(state_200_without_the_task_echo_is_json_malformed),
        cmocka_unit_test(state_200_without_a_record_status_is_json_malformed),
        cmocka_unit_test(history_without_result_is_invalid_input),
        cmocka_unit_test(
            history_without_session_request_or_output_is_bad_argument),
        cmocka_unit_test(history_without_project_is_invalid_input),
        cmocka_unit_test(
            history_with_a_1970_uptime_clock_takes_its_dates_from_the_server),
        cmocka_unit_test(history_with_a_clock_past_year_9999_is_no_clock),
        cmocka_unit_test(history_whose_window_ends_past_year_9999_is_no_clock),
        cmocka_unit_test(history_probe_with_an_unparsable_date_is_no_clock),
        cmocka_unit_test(
            history_probe_that_cannot_connect_keeps_the_connect_failure),
        cmocka_unit_test(
            history_keeps_the_first_running_max_and_counts_the_rest),
        cmocka_unit_test(history_rows_spaced_with_whitespace_are_read),
        cmocka_unit_test(history_row_that_is_not_an_object_is_json_malformed),
        cmocka_unit_test(history_200_without_result_is_json_malformed),
        cmocka_unit_test(
            history_200_with_an_error_code_and_no_result_is_rejected),
        cmocka_unit_test(history_total_num_that_is_no_number_is_read_as_zero),
        cmocka_unit_test(
            history_rows_without_a_comma_between_are_json_malformed),
        cmocka_unit_test(history_trailing_comma_in_result_is_json_malformed),
        cmocka_unit_test(history_nul_byte_before_a_row_is_json_malformed),
        cmocka_unit_test(history_page_without_total_num_asks_for_no_more_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
