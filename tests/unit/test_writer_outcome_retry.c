/* The byte writer's flush errors and edges, the outcome tables' fallbacks
 * for codes beyond them, and the backoff's 8 s cap. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "deploystop.h"
#include "exchange.h"
#include "fake_platform.h"
#include "retry.h"
#include "writer.h"

/* ---- writer ------------------------------------------------------------ */

static char g_out[256];
static size_t g_out_len;
static int g_flushes;
static int g_fail_at; /* flush number that fails (1-based; 0: none) */

static int sink(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    g_flushes++;
    if (g_fail_at && g_flushes >= g_fail_at)
        return -7;
    memcpy(g_out + g_out_len, data, len);
    g_out_len += len;
    return 0;
}

static void sink_reset(int fail_at)
{
    g_out_len = 0;
    g_flushes = 0;
    g_fail_at = fail_at;
}

static void flush_error_is_sticky_and_stops_every_later_put(void **state)
{
    char buf[4];
    ds_wr_t w;
    (void)state;
    sink_reset(2);
    ds_wr_init(&w, buf, sizeof buf);
    w.flush = sink;
    ds_wr_str(&w, "abcdefghij"); /* abcd flushed, efgh refused */
    assert_int_equal(w.err, -7);
    assert_int_equal(g_flushes, 2);
    assert_int_equal(g_out_len, 4);
    assert_memory_equal(g_out, "abcd", 4);
    ds_wr_str(&w, "xyz");
    assert_int_equal(g_flushes, 2); /* nothing more handed on */
    assert_int_equal(ds_wr_flush(&w), -7);
    assert_int_equal(g_flushes, 2);
    assert_int_equal(w.len, 0);
}

static void flush_error_on_the_final_flush_is_returned(void **state)
{
    char buf[8];
    ds_wr_t w;
    (void)state;
    sink_reset(1);
    ds_wr_init(&w, buf, sizeof buf);
    w.flush = sink;
    ds_wr_str(&w, "abc");
    assert_int_equal(w.err, 0);
    assert_int_equal(ds_wr_flush(&w), -7);
    assert_int_equal(g_out_len, 0);
    assert_int_equal(ds_wr_flush(&w), -7); /* sticky, not called again */
    assert_int_equal(g_flushes, 1);
}

static void flush_of_an_empty_buffer_hands_nothing_on(void **state)
{
    char buf[8];
    ds_wr_t w;
    (void)state;
    sink_reset(0);
    ds_wr_init(&w, buf, sizeof buf);
    w.flush = sink;
    assert_int_equal(ds_wr_flush(&w), 0);
    assert_int_equal(g_flushes, 0);
}

static void
flush_without_a_flush_function_drops_nothing_but_the_count(void **state)
{
    char buf[8];
    ds_wr_t w;
    (void)state;
    ds_wr_init(&w, buf, sizeof buf);
    ds_wr_str(&w, "abc");
    assert_int_equal(ds_wr_flush(&w), 0);
    assert_int_equal(w.len, 0);
    assert_int_equal(w.total, 3);
    assert_memory_equal(buf, "abc", 3);
}

static void zero_capacity_buffer_with_a_flush_is_full(void **state)
{
    char buf[1];
    ds_wr_t w;
    (void)state;
    sink_reset(0);
    ds_wr_init(&w, buf, 0);
    w.flush = sink;
    ds_wr_byte(&w, 'a');
    assert_int_equal(w.err, DS_WR_E_FULL);
    assert_int_equal(g_flushes, 0);
    assert_int_equal(w.total, 0);
}

/* ---- outcome tables ---------------------------------------------------- */

static void codes_beyond_the_tables_fall_back(void **state)
{
    (void)state;
    assert_int_equal(ds_connect_reason(-1000), DS_R_CONNECT);
    assert_int_equal(ds_connect_reason(5), DS_R_CONNECT);
    assert_int_equal(ds_http_reason(-1000), DS_R_HTTP_MALFORMED);
    assert_int_equal(ds_http_reason(3), DS_R_HTTP_MALFORMED);
    assert_int_equal(ds_status_outcome(600), DS_UNAVAILABLE);
    assert_int_equal(ds_status_outcome(999), DS_UNAVAILABLE);
    assert_int_equal(ds_status_outcome(599), DS_UNAVAILABLE);
    assert_int_equal(ds_status_outcome(302), DS_UNKNOWN);
}

/* ---- backoff ----------------------------------------------------------- */

static void backoff_doubles_from_half_a_second_up_to_eight(void **state)
{
    fake_platform_t fp;
    ds_platform_t pf;
    static const uint32_t want[] = {500, 1000, 2000, 4000, 8000, 8000, 8000};
    int i;
    (void)state;
    fake_platform_init(&fp, &pf, 0, 0); /* no random source: no jitter */
    assert_null(pf.random_u32);
    for (i = 0; i < 7; i++)
        assert_int_equal(ds_backoff_ms(&pf, i + 1, 0, 60000), want[i]);
    assert_int_equal(ds_backoff_ms(&pf, 40, 0, 60000), 8000);
    assert_int_equal(ds_backoff_ms(&pf, INT_MAX, 0, 60000), 8000);
}

static void
backoff_with_jitter_stays_within_half_and_whole_of_the_cap(void **state)
{
    fake_platform_t fp;
    ds_platform_t pf;
    int i;
    (void)state;
    fake_platform_init(&fp, &pf, 0, 12345);
    assert_non_null(pf.random_u32);
    for (i = 0; i < 64; i++) {
        uint32_t d = ds_backoff_ms(&pf, 9, 0, 60000);
        assert_true(d >= 4000 && d <= 8000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flush_error_is_sticky_and_stops_every_later_put),
        cmocka_unit_test(flush_error_on_the_final_flush_is_returned),
        cmocka_unit_test(flush_of_an_empty_buffer_hands_nothing_on),
        cmocka_unit_test(
            flush_without_a_flush_function_drops_nothing_but_the_count),
        cmocka_unit_test(zero_capacity_buffer_with_a_flush_is_full),
        cmocka_unit_test(codes_beyond_the_tables_fall_back),
        cmocka_unit_test(backoff_doubles_from_half_a_second_up_to_eight),
        cmocka_unit_test(
            backoff_with_jitter_stays_within_half_and_whole_of_the_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
