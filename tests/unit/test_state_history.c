/* ds_state and ds_history: mapping, judging, the bytes on the wire, the
 * date window and its time probe, paging, and the same answer whatever
 * the fragmentation. */
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

#define UA "User-Agent: deploystop/" DS_VERSION "\r\n"

static ds_outcome_t state_call(void)
{
    F.req.record_id = FX_RECORD;
    return ds_state(&S, &F.req, &ST, &F.res);
}

static void clean_end(void)
{
    hx_end();
    assert_int_equal(F.ft.connected, 0);
    assert_int_equal(F.ft.misuse, 0);
    assert_int_equal(F.ft.closes, F.ft.connects);
}

/* ---- state ------------------------------------------------------------ */

static void state_running_answer_maps_status_step_and_start_time(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0,
              hx_http(200, "X-Request-Id: rid-s\r\n", HX_STATE("running")));
    assert_int_equal(state_call(), DS_OK);
    assert_int_equal(F.res.reason, DS_R_NONE);
    assert_int_equal(F.res.http_status, 200);
    assert_string_equal(F.res.status, "success");
    assert_string_equal(F.res.request_id, "rid-s");
    assert_string_equal(ST.status, "running");
    assert_string_equal(ST.step, "running");
    assert_string_equal(ST.start_time, "2026-11-28 10:00:00");
    assert_int_equal(F.res.attempts, 1);
    clean_end();
}

static void state_echoing_another_record_id_is_unknown_id_mismatch(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0,
              hx_http(200, NULL, HX_STATE_BODY("running", HX_REC_B, FX_TASK)));
    assert_int_equal(state_call(), DS_UNKNOWN);
    assert_int_equal(F.res.outcome, DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_ID_MISMATCH);
    assert_int_equal(F.res.attempts, 1);
    clean_end();
}

static void state_echoing_another_task_id_is_unknown_id_mismatch(void **state)
{
    (void)state;
    hx_init();
    ft_answer(
        &F.ft, 0,
        hx_http(200, NULL, HX_STATE_BODY("running", FX_RECORD, HX_OTHER_TASK)));
    assert_int_equal(state_call(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_ID_MISMATCH);
    clean_end();
}

static void state_200_with_status_error_is_rejected(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0,
              hx_http(200, NULL,
                      "{\"status\":\"error\",\"error_code\":\"DEV.CH.10001\","
                      "\"error_msg\":\"Param invalid\"}"));
    assert_int_equal(state_call(), DS_REJECTED);
    assert_int_equal(F.res.reason, DS_R_STATUS_NOT_SUCCESS);
    assert_string_equal(F.res.status, "error");
    assert_string_equal(F.res.error_code, "DEV.CH.10001");
    assert_string_equal(F.res.error_msg, "Param invalid");
    clean_end();
}

static void state_404_nested_error_maps_error_code(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0,
              hx_http(404, NULL,
                      "{\"error\":{\"code\":\"Deploy.00011303\",\"message\":"
                      "\"The execution record does not exist.\"},"
                      "\"status\":\"failed\"}"));
    assert_int_equal(state_call(), DS_NOT_FOUND);
    assert_int_equal(F.res.reason, DS_R_HTTP_STATUS);
    assert_int_equal(F.res.http_status, 404);
    assert_string_equal(F.res.error_code, "Deploy.00011303");
    assert_string_equal(F.res.error_msg,
                        "The execution record does not exist.");
    assert_int_equal(F.res.attempts, 1);
    clean_end();
}

static void state_request_bytes_are_exact_and_have_no_body(void **state)
{
    static const char want[] =
        "GET /v2/tasks/" FX_TASK "/state?record_id=" FX_RECORD
        "&step_state=false HTTP/1.1\r\n"
        "Host: localhost\r\n"
        "Accept: application/json\r\n" UA "X-Auth-Token: " FX_TOKEN "\r\n"
        "\r\n";
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_http(200, NULL, HX_STATE("running")));
    assert_int_equal(state_call(), DS_OK);
    assert_int_equal(F.ft.nreq, 1);
    assert_int_equal(F.ft.sent_len, sizeof want - 1);
    assert_memory_equal(F.ft.sent, want, sizeof want - 1);
    clean_end();
}

static void state_same_result_whole_bytewise_and_in_random_splits(void **state)
{
    ds_record_state_t ref;
    ds_result_t rref;
    int round;
    (void)state;
    for (round = 0; round < 12; round++) {
        hx_init();
        F.ft.split = round == 0 ? FT_WHOLE : round == 1 ? FT_BYTES : FT_RANDOM;
        F.ft.seed = (uint32_t)round * 2654435761u;
        ft_answer(
            &F.ft, 0,
            hx_http(200, "X-Request-Id: rid-split\r\n", HX_STATE("abort")));
        assert_int_equal(state_call(), DS_OK);
        if (round == 0) {
            ref = ST;
            rref = F.res;
            assert_string_equal(ref.status, "abort");
        } else {
            assert_memory_equal(&ST, &ref, sizeof ST);
            assert_int_equal(F.res.outcome, rref.outcome);
            assert_int_equal(F.res.reason, rref.reason);
            assert_int_equal(F.res.http_status, rref.http_status);
            assert_string_equal(F.res.request_id, rref.request_id);
            assert_string_equal(F.res.status, rref.status);
        }
        if (round == 1)
            assert_true(F.ft.recvs > 300);
        clean_end();
    }
}

/* ---- history: rows ---------------------------------------------------- */

static ds_outcome_t history(void)
{
    return ds_history(&S, &F.req, &RUN, &F.res);
}

static void expect_one_running(const char *id, const char *st, unsigned rows)
{
    assert_int_equal(F.res.outcome, DS_OK);
    assert_int_equal(RUN.count, 1);
    assert_int_equal(RUN.running, 1);
    assert_int_equal(RUN.rows, rows);
    assert_string_equal(RUN.id[0], id);
    assert_string_equal(RUN.state[0], st);
}

static void history_finds_the_running_row_newest_first(void **state)
{
    static const hrow_t rows[] = {{FX_RECORD, "running"},
                                  {HX_REC_B, "succeeded"},
                                  {HX_REC_C, "failed"},
                                  {HX_REC_D, "abort"},
                                  {HX_REC_E, "succeeded"}};
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(5, rows, 5));
    assert_int_equal(history(), DS_OK);
    expect_one_running(FX_RECORD, "running", 5);
    assert_string_equal(RUN.start_time[0], "2026-11-28 00:00:00");
    assert_int_equal(RUN.pages, 1);
    clean_end();
}

static void history_finds_the_running_row_oldest_first(void **state)
{
    static const hrow_t rows[] = {{HX_REC_E, "succeeded"},
                                  {HX_REC_D, "abort"},
                                  {HX_REC_C, "failed"},
                                  {HX_REC_B, "succeeded"},
                                  {FX_RECORD, "running"}};
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(5, rows, 5));
    assert_int_equal(history(), DS_OK);
    expect_one_running(FX_RECORD, "running", 5);
    assert_string_equal(RUN.start_time[0], "2026-11-28 04:00:00");
    clean_end();
}

static void history_finds_the_running_row_shuffled(void **state)
{
    static const hrow_t rows[] = {{HX_REC_C, "failed"},
                                  {HX_REC_E, "succeeded"},
                                  {FX_RECORD, "running"},
                                  {HX_REC_B, "succeeded"},
                                  {HX_REC_D, "abort"}};
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(5, rows, 5));
    assert_int_equal(history(), DS_OK);
    expect_one_running(FX_RECORD, "running", 5);
    clean_end();
}

static void history_counts_pending_as_running(void **state)
{
    static const hrow_t rows[] = {{HX_REC_B, "succeeded"},
                                  {FX_RECORD, "pending"}};
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(2, rows, 2));
    assert_int_equal(history(), DS_OK);
    expect_one_running(FX_RECORD, "pending", 2);
    assert_true(ds_state_running("pending"));
    clean_end();
}

static void
history_abort_initial_and_unknown_states_are_not_running(void **state)
{
    static const hrow_t rows[] = {{FX_RECORD, "abort"},
                                  {HX_REC_B, "initial"},
                                  {HX_REC_C, "queued"},
                                  {HX_REC_D, "RUNNING"},
                                  {HX_REC_E, ""}};
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(5, rows, 5));
    assert_int_equal(history(), DS_OK);
    assert_int_equal(RUN.count, 0);
    assert_int_equal(RUN.running, 0);
    assert_int_equal(RUN.rows, 5);
    assert_false(ds_state_running("abort"));
    assert_false(ds_state_running("initial"));
    assert_false(ds_state_running("succeeded"));
    clean_end();
}

static void history_keeps_every_running_row_of_a_page(void **state)
{
    static const hrow_t rows[] = {
        {HX_REC_B, "running"}, {HX_REC_C, "succeeded"}, {FX_RECORD, "pending"}};
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(3, rows, 3));
    assert_int_equal(history(), DS_OK);
    assert_int_equal(RUN.count, 2);
    assert_int_equal(RUN.running, 2);
    assert_string_equal(RUN.id[0], HX_REC_B);
    assert_string_equal(RUN.id[1], FX_RECORD);
    clean_end();
}

/* ---- history: paging -------------------------------------------------- */

/* Either member order: "total_num" after "result" (the documented one)
 * or before it. */
typedef const char *(*page_fn)(unsigned long total, const hrow_t *rows, int n);

static void asks_for_page_2(page_fn page)
{
    static const hrow_t p1[] = {
        {HX_REC_B, "succeeded"}, {HX_REC_C, "succeeded"}, {HX_REC_D, "failed"}};
    static const hrow_t p2[] = {{HX_REC_E, "abort"}, {FX_RECORD, "running"}};
    hx_init();
    ft_answer(&F.ft, 0, page(5, p1, 3));
    ft_answer(&F.ft, 1, page(5, p2, 2));
    assert_int_equal(history(), DS_OK);
    expect_one_running(FX_RECORD, "running", 5);
    assert_int_equal(RUN.pages, 2);
    assert_int_equal(RUN.total, 5);
    assert_int_equal(F.ft.nreq, 2);
    assert_non_null(strstr(hx_req(0), "?page=1&size="));
    assert_non_null(strstr(hx_req(1), "?page=2&size="));
    clean_end();
}

static void stops_when_rows_stop_coming(page_fn page)
{
    static const hrow_t p1[] = {{HX_REC_B, "succeeded"},
                                {HX_REC_C, "succeeded"}};
    hx_init();
    ft_answer(&F.ft, 0, page(50, p1, 2));
    ft_answer(&F.ft, 1, page(50, NULL, 0));
    ft_answer(&F.ft, 2, page(50, p1, 2)); /* never asked for */
    assert_int_equal(history(), DS_OK);
    assert_int_equal(RUN.count, 0);
    assert_int_equal(RUN.rows, 2);
    assert_int_equal(RUN.pages, 2);
    assert_int_equal(F.ft.nreq, 2);
    clean_end();
}

static void history_total_first_beyond_the_page_asks_for_page_2(void **state)
{
    (void)state;
    asks_for_page_2(hx_page_total_first);
}

static void history_total_first_stops_paging_when_rows_stop_coming(void **state)
{
    (void)state;
    stops_when_rows_stop_coming(hx_page_total_first);
}

/* The documented shape ends with "total_num": a number as the last
 * member of the object (ds_json_skip once refused it, and paging stopped
 * after page 1). */
static void history_reads_total_num_as_the_last_member(void **state)
{
    static const hrow_t rows[] = {{FX_RECORD, "running"}};
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(1, rows, 1));
    assert_int_equal(history(), DS_OK);
    assert_int_equal(RUN.total, 1);
    clean_end();
}

static void history_total_beyond_the_page_asks_for_page_2(void **state)
{
    (void)state;
    asks_for_page_2(hx_page);
}

static void history_stops_paging_when_rows_stop_coming(void **state)
{
    (void)state;
    stops_when_rows_stop_coming(hx_page);
}

static void history_stops_paging_when_the_total_is_reached(void **state)
{
    static const hrow_t p1[] = {{HX_REC_B, "succeeded"},
                                {HX_REC_C, "succeeded"}};
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(2, p1, 2));
    ft_answer(&F.ft, 1, hx_page(2, p1, 2)); /* never asked for */
    assert_int_equal(history(), DS_OK);
    assert_int_equal(RUN.pages, 1);
    assert_int_equal(F.ft.nreq, 1);
    clean_end();
}

/* ---- history: refusals ------------------------------------------------ */

static void
history_running_row_with_malformed_id_is_unknown_bad_row(void **state)
{
    static const hrow_t rows[] = {{HX_REC_B, "succeeded"},
                                  {"2c82ffe8-d00d-4968", "running"}};
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(2, rows, 2));
    assert_int_equal(history(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_BAD_ROW);
    assert_int_equal(RUN.count, 0);
    clean_end();
}

static void history_running_row_with_33_char_id_is_unknown_bad_row(void **state)
{
    static const hrow_t rows[] = {{FX_RECORD "0", "running"}};
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_page(1, rows, 1));
    assert_int_equal(history(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_BAD_ROW);
    clean_end();
}

static char big_body[DS_HTTP_BODY_MAX + 2048];

static void history_body_over_the_buffer_is_unknown_too_large(void **state)
{
    hrow_t rows[100];
    int i, n = 0;
    const char *page;
    (void)state;
    hx_init();
    for (i = 0; i < 100; i++) {
        rows[i].id = i == 0 ? FX_RECORD : HX_REC_B;
        rows[i].state = i == 0 ? "running" : "succeeded";
    }
    /* grow the row count until the body is just over the buffer */
    do {
        n++;
        page = hx_history_total_first(100, rows, n);
    } while (strlen(page) <= DS_HTTP_BODY_MAX && n < 100);
    assert_true(strlen(page) > DS_HTTP_BODY_MAX);
    snprintf(big_body, sizeof big_body, "%s", page);
    ft_answer(&F.ft, 0, hx_http(200, NULL, big_body));
    assert_int_equal(history(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_HTTP_TOO_LARGE);
    assert_int_equal(RUN.count, 0);
    clean_end();
}

static void history_truncated_json_is_unknown_json_malformed(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0,
              hx_http(200, NULL,
                      "{\"result\":[{\"execution_id\":\"" FX_RECORD
                      "\",\"state\":\"running\"},"));
    assert_int_equal(history(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_JSON_MALFORMED);
    assert_int_equal(RUN.count, 0);
    clean_end();
}

static void history_malformed_row_is_unknown_json_malformed(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0,
              hx_http(200, NULL,
                      "{\"result\":[{\"execution_id\":,\"state\":"
                      "\"running\"}],\"total_num\":1}"));
    assert_int_equal(history(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_JSON_MALFORMED);
    clean_end();
}

static void history_result_not_an_array_is_unknown_json_malformed(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0, hx_http(200, NULL, "{\"result\":{},\"total_num\":0}"));
    assert_int_equal(history(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_JSON_MALFORMED);
    clean_end();
}

static void history_400_nested_error_is_rejected_with_its_code(void **state)
{
    (void)state;
    hx_init();
    ft_answer(&F.ft, 0,
              hx_http(400, NULL,
                      "{\"error\":{\"code\":\"DEV.CH.10001\",\"message\":"
                      "\"Param invalid\"},\"status\":\"failed\"}"));
    assert_int_equal(history(), DS_REJECTED);
    assert_int_equal(F.res.reason, DS_R_HTTP_STATUS);
    assert_string_equal(F.res.error_code, "DEV.CH.10001");
    clean_end();
}

/* ---- history: the request and its date window ------------------------- */

static void history_query_has_page_size_and_the_date_window(void **state)
{
    char want[512];
    (void)state;
    hx_init(); /* wall clock 2023-11-14 22:13:20 UTC */
    snprintf(want, sizeof want,
             "GET /v2/" HX_PROJECT "/task/" FX_TASK "/history?page=1&size=%u"
             "&start_date=2023-11-07&end_date=2023-11-15 HTTP/1.1\r\n"
             "Host: localhost\r\n"
             "Accept: application/json\r\n" UA "X-Auth-Token: " FX_TOKEN "\r\n"
             "\r\n",
             (unsigned)DS_HISTORY_PAGE);
    ft_answer(&F.ft, 0, hx_page(0, NULL, 0));
    assert_int_equal(history(), DS_OK);
    assert_int_equal(F.ft.nreq, 1);
    assert_string_equal(hx_req(0), want);
    assert_true(F.fp.unix_calls >= 1);
    clean_end();
}

static void history_window_is_seven_days_back_and_one_ahead_in_utc(void **state)
{
    (void)state;
    hx_init();
    /* 2024-03-01 00:00:00 UTC: back across 29 Feb of a leap year */
    fake_platform_unix(&F.fp, &F.pf, 1709251200);
    ft_answer(&F.ft, 0, hx_page(0, NULL, 0));
    assert_int_equal(history(), DS_OK);
    assert_non_null(
        strstr(hx_req(0), "&start_date=2024-02-23&end_date=2024-03-02 "));
    clean_end();
}

static void history_window_uses_the_clock_offset(void **state)
{
    int64_t offset = 2 * 86400;
    (void)state;
    hx_init();
    F.req.auth.clock_offset_s = &offset;
    ft_answer(&F.ft, 0, hx_page(0, NULL, 0));
    assert_int_equal(history(), DS_OK);
    assert_non_null(
        strstr(hx_req(0), "&start_date=2023-11-09&end_date=2023-11-17 "));
    clean_end();
}

static void
history_without_clock_probes_get_slash_and_uses_its_date(void **state)
{
    static const char probe[] = "GET / HTTP/1.1\r\n"
                                "Host: localhost\r\n"
                                "Accept: application/json\r\n" UA "\r\n";
    static const hrow_t rows[] = {{FX_RECORD, "running"}};
    (void)state;
    hx_init();
    F.pf.unix_time = NULL;
    ft_answer(&F.ft, 0, hx_http(404, "Date: " HX_DATE "\r\n", "{}"));
    ft_answer(&F.ft, 1, hx_page(1, rows, 1));
    assert_int_equal(history(), DS_OK);
    expect_one_running(FX_RECORD, "running", 1);
    assert_int_equal(F.ft.nreq, 2);
    assert_string_equal(hx_req(0), probe);
    assert_null(strstr(hx_req(0), "X-Auth-Token"));
    assert_null(strstr(hx_req(0), FX_TOKEN));
    /* Sat 28 Nov 2026 10:00 UTC: 25 Nov .. 29 Nov */
    assert_non_null(strstr(hx_req(1), "/history?page=1&size="));
    assert_non_null(
        strstr(hx_req(1), "&start_date=2026-11-21&end_date=2026-11-29 "));
    assert_non_null(strstr(hx_req(1), "X-Auth-Token: " FX_TOKEN "\r\n"));
    clean_end();
}

static int broken_clock(void *ctx, int64_t *s)
{
    (void)ctx;
    *s = 0;
    return -1;
}

static void history_with_untrusted_clock_probes_get_slash(void **state)
{
    (void)state;
    hx_init();
    F.pf.unix_time = broken_clock;
    ft_answer(&F.ft, 0, hx_http(401, "Date: " HX_DATE "\r\n", "{}"));
    ft_answer(&F.ft, 1, hx_page(0, NULL, 0));
    assert_int_equal(history(), DS_OK);
    assert_int_equal(F.ft.nreq, 2);
    assert_memory_equal(hx_req(0), "GET / HTTP/1.1\r\n", 16);
    assert_non_null(
        strstr(hx_req(1), "&start_date=2026-11-21&end_date=2026-11-29 "));
    clean_end();
}

static void history_without_clock_and_dateless_probe_is_no_clock(void **state)
{
    (void)state;
    hx_init();
    F.pf.unix_time = NULL;
    ft_answer(&F.ft, 0, hx_http(404, NULL, "{}"));
    assert_int_equal(history(), DS_UNKNOWN);
    assert_int_equal(F.res.reason, DS_R_NO_CLOCK);
    assert_int_equal(F.ft.nreq, 1); /* no history sent without dates */
    clean_end();
}

static void
history_same_result_whole_bytewise_and_in_random_splits(void **state)
{
    static const hrow_t rows[] = {{HX_REC_B, "succeeded"},
                                  {FX_RECORD, "running"},
                                  {HX_REC_C, "pending"},
                                  {HX_REC_D, "abort"}};
    ds_running_t ref;
    int round;
    (void)state;
    for (round = 0; round < 12; round++) {
        hx_init();
        F.ft.split = round == 0 ? FT_WHOLE : round == 1 ? FT_BYTES : FT_RANDOM;
        F.ft.seed = 0x1234567u + (uint32_t)round * 7919u;
        ft_answer(&F.ft, 0, hx_page(4, rows, 4));
        assert_int_equal(history(), DS_OK);
        if (round == 0) {
            ref = RUN;
            assert_int_equal(ref.count, 2);
            assert_int_equal(ref.rows, 4);
        } else {
            assert_memory_equal(&RUN, &ref, sizeof RUN);
        }
        clean_end();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_running_answer_maps_status_step_and_start_time),
        cmocka_unit_test(
            state_echoing_another_record_id_is_unknown_id_mismatch),
        cmocka_unit_test(state_echoing_another_task_id_is_unknown_id_mismatch),
        cmocka_unit_test(state_200_with_status_error_is_rejected),
        cmocka_unit_test(state_404_nested_error_maps_error_code),
        cmocka_unit_test(state_request_bytes_are_exact_and_have_no_body),
        cmocka_unit_test(state_same_result_whole_bytewise_and_in_random_splits),
        cmocka_unit_test(history_finds_the_running_row_newest_first),
        cmocka_unit_test(history_finds_the_running_row_oldest_first),
        cmocka_unit_test(history_finds_the_running_row_shuffled),
        cmocka_unit_test(history_counts_pending_as_running),
        cmocka_unit_test(
            history_abort_initial_and_unknown_states_are_not_running),
        cmocka_unit_test(history_keeps_every_running_row_of_a_page),
        cmocka_unit_test(history_total_first_beyond_the_page_asks_for_page_2),
        cmocka_unit_test(
            history_total_first_stops_paging_when_rows_stop_coming),
        cmocka_unit_test(history_stops_paging_when_the_total_is_reached),
        cmocka_unit_test(
            history_running_row_with_malformed_id_is_unknown_bad_row),
        cmocka_unit_test(
            history_running_row_with_33_char_id_is_unknown_bad_row),
        cmocka_unit_test(history_body_over_the_buffer_is_unknown_too_large),
        cmocka_unit_test(history_truncated_json_is_unknown_json_malformed),
        cmocka_unit_test(history_malformed_row_is_unknown_json_malformed),
        cmocka_unit_test(history_result_not_an_array_is_unknown_json_malformed),
        cmocka_unit_test(history_400_nested_error_is_rejected_with_its_code),
        cmocka_unit_test(history_query_has_page_size_and_the_date_window),
        cmocka_unit_test(
            history_window_is_seven_days_back_and_one_ahead_in_utc),
        cmocka_unit_test(history_window_uses_the_clock_offset),
        cmocka_unit_test(
            history_without_clock_probes_get_slash_and_uses_its_date),
        cmocka_unit_test(history_with_untrusted_clock_probes_get_slash),
        cmocka_unit_test(history_without_clock_and_dateless_probe_is_no_clock),
        cmocka_unit_test(
            history_same_result_whole_bytewise_and_in_random_splits),
        cmocka_unit_test(history_reads_total_num_as_the_last_member),
        cmocka_unit_test(history_total_beyond_the_page_asks_for_page_2),
        cmocka_unit_test(history_stops_paging_when_rows_stop_coming),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
