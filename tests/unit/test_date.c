/* UTC date conversions: X-Sdk-Date, HTTP Date, ISO 8601 (ds_date.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ds_date.h"

static const char *sdk(int64_t t)
{
    static char out[DS_SDK_DATE_LEN + 1];
    assert_int_equal(ds_date_sdk(t, out, sizeof out), 0);
    return out;
}

static int64_t parse_http(const char *s)
{
    int64_t t = -7;
    assert_int_equal(ds_date_parse_http(s, &t), 0);
    return t;
}

static int64_t parse_iso(const char *s)
{
    int64_t t = -7;
    assert_int_equal(ds_date_parse_iso8601(s, &t), 0);
    return t;
}

static void sdk_date_formats_known_instants(void **state)
{
    (void)state;
    assert_string_equal(sdk(0), "19700101T000000Z");
    assert_string_equal(sdk(1573789015), "20191115T033655Z");
    assert_string_equal(sdk(1795860000), "20261128T100000Z");
    assert_string_equal(sdk(86399), "19700101T235959Z");
    assert_string_equal(sdk(86400), "19700102T000000Z");
}

static void sdk_date_handles_leap_days_and_centuries(void **state)
{
    (void)state;
    assert_string_equal(sdk(1709208000), "20240229T120000Z");
    assert_string_equal(sdk(951868799), "20000229T235959Z");
    assert_string_equal(sdk(4107542400), "21000301T000000Z");
    assert_string_equal(sdk(4107542400 - 1), "21000228T235959Z");
}

static void sdk_date_survives_2038_and_beyond(void **state)
{
    (void)state;
    assert_string_equal(sdk(INT64_C(2147483647)), "20380119T031407Z");
    assert_string_equal(sdk(INT64_C(2147483648)), "20380119T031408Z");
    assert_string_equal(sdk(INT64_C(4294967296)), "21060207T062816Z");
    assert_string_equal(sdk(INT64_C(253402300799)), "99991231T235959Z");
}

static void sdk_date_rejects_out_of_range_and_small_buffers(void **state)
{
    char out[DS_SDK_DATE_LEN + 1];
    (void)state;
    memset(out, 'x', sizeof out);
    assert_int_equal(ds_date_sdk(-1, out, sizeof out), -1);
    assert_string_equal(out, "");
    assert_int_equal(ds_date_sdk(INT64_C(253402300800), out, sizeof out), -1);
    assert_int_equal(ds_date_sdk(INT64_MIN, out, sizeof out), -1);
    assert_int_equal(ds_date_sdk(INT64_MAX, out, sizeof out), -1);
    memset(out, 'x', sizeof out);
    assert_int_equal(ds_date_sdk(0, out, DS_SDK_DATE_LEN), -1);
    assert_int_equal(out[0], 'x'); /* too small: not even the NUL is written */
    assert_int_equal(ds_date_sdk(0, NULL, 17), -1);
}

/* Every day from 1970 to 2200 at a varying second, against the C library
 * (64-bit time_t on the test hosts), then parsed back. */
static void sdk_date_agrees_with_gmtime_and_round_trips(void **state)
{
    int64_t day;
    (void)state;
    if (sizeof(time_t) < 8)
        skip();
    for (day = 0; day < 84000; day++) {
        int64_t t = day * 86400 + (day * 7919) % 86400, back = -1;
        time_t tt = (time_t)t;
        char want[32];
        const char *got = sdk(t);
        assert_true(strftime(want, sizeof want, "%Y%m%dT%H%M%SZ",
                             gmtime(&tt)) == DS_SDK_DATE_LEN);
        assert_string_equal(got, want);
        assert_int_equal(ds_date_parse_sdk(got, &back), 0);
        assert_true(back == t);
    }
}

static void sdk_date_parse_rejects_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "20191115T033655",
        "20191115T033655Z ",
        "20191115 033655Z",
        "2019111T0336550Z",
        "20191315T033655Z",
        "20190229T000000Z",
        "20191115T243655Z",
        "20191115T036055Z",
        "19691231T235959Z",
        "2019-11-15T03:36:55Z",
        "2019111aT033655Z",
    };
    size_t i;
    int64_t t = 5;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ds_date_parse_sdk(bad[i], &t), -1);
    assert_int_equal(ds_date_parse_sdk(NULL, &t), -1);
    assert_int_equal(ds_date_parse_sdk("20191115T033655Z", NULL), -1);
    assert_true(t == 5);
}

static void http_date_parses_imf_fixdate(void **state)
{
    (void)state;
    assert_true(parse_http("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
    assert_true(parse_http("Sat, 28 Nov 2026 10:00:00 GMT") == 1795860000);
    assert_true(parse_http("Thu, 01 Jan 1970 00:00:00 GMT") == 0);
}

static void http_date_handles_leap_years_and_2038(void **state)
{
    int64_t t;
    (void)state;
    assert_true(parse_http("Thu, 29 Feb 2024 12:00:00 GMT") == 1709208000);
    assert_true(parse_http("Tue, 29 Feb 2000 23:59:59 GMT") == 951868799);
    assert_int_equal(ds_date_parse_http("Mon, 29 Feb 2100 00:00:00 GMT", &t),
                     -1);
    assert_int_equal(ds_date_parse_http("Wed, 29 Feb 2023 00:00:00 GMT", &t),
                     -1);
    assert_true(parse_http("Tue, 19 Jan 2038 03:14:08 GMT") ==
                INT64_C(2147483648));
    assert_true(parse_http("Fri, 31 Dec 9999 23:59:59 GMT") ==
                INT64_C(253402300799));
}

static void http_date_leap_second_counts_as_next_second(void **state)
{
    (void)state;
    assert_true(parse_http("Sat, 31 Dec 2016 23:59:60 GMT") ==
                parse_http("Sun, 01 Jan 2017 00:00:00 GMT"));
}

static void http_date_rejects_other_forms_and_garbage(void **state)
{
    static const char *const bad[] = {
        "",
        "Sunday, 06-Nov-94 08:49:37 GMT", /* RFC 850: obsolete */
        "Sun Nov  6 08:49:37 1994",       /* asctime: obsolete */
        "Mon, 06 Nov 1994 08:49:37 GMT",  /* wrong weekday */
        "Sun, 06 nov 1994 08:49:37 GMT",  /* names are case-sensitive */
        "sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sun, 06 Nov 1994 08:49:37",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08:49:61 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Wed, 31 Dec 1969 23:59:59 GMT",
        "Sun, 06 Xyz 1994 08:49:37 GMT",
        "Sun,06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08-49-37 GMT",
        "Sun, 06 Nov 1994 08:49:3",
        "Su",
    };
    size_t i;
    int64_t t = 3;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (ds_date_parse_http(bad[i], &t) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_int_equal(ds_date_parse_http(NULL, &t), -1);
    assert_int_equal(ds_date_parse_http("Sun, 06 Nov 1994 08:49:37 GMT", NULL),
                     -1);
}

static void iso8601_parses_iam_expires_at(void **state)
{
    (void)state;
    assert_true(parse_iso("2026-11-29T10:00:00.000000Z") == 1795946400);
    assert_true(parse_iso("2026-11-29T10:00:00Z") == 1795946400);
    assert_true(parse_iso("2026-11-29T10:00:00.999Z") == 1795946400);
}

static void iso8601_applies_numeric_offsets(void **state)
{
    (void)state;
    assert_true(parse_iso("2026-11-29T18:00:00+08:00") == 1795946400);
    assert_true(parse_iso("2026-11-29T04:30:00.5-05:30") == 1795946400);
    assert_true(parse_iso("2026-11-29T10:00:00+00:00") == 1795946400);
}

static void iso8601_handles_leap_years_and_2038(void **state)
{
    int64_t t;
    (void)state;
    assert_true(parse_iso("2024-02-29T12:00:00Z") == 1709208000);
    assert_true(parse_iso("2038-01-19T03:14:08.000000Z") ==
                INT64_C(2147483648));
    assert_int_equal(ds_date_parse_iso8601("2100-02-29T00:00:00Z", &t), -1);
}

static void iso8601_rejects_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "2026-11-29",
        "2026-11-29T10:00:00",
        "2026-11-29 10:00:00Z",
        "2026-11-29T10:00:00.Z",
        "2026-11-29T10:00:00ZZ",
        "2026-11-29T10:00:00+0800",
        "2026-11-29T10:00:00+24:00",
        "2026-11-29T10:00:00+08:60",
        "2026-13-29T10:00:00Z",
        "2026-11-31T10:00:00Z",
        "26-11-29T10:00:00Z",
        "2026/11/29T10:00:00Z",
        "2026-11-29T10:00Z",
        "\"2026-11-29T10:00:00Z\"",
    };
    size_t i;
    int64_t t = 9;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (ds_date_parse_iso8601(bad[i], &t) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_int_equal(ds_date_parse_iso8601(NULL, &t), -1);
    assert_int_equal(ds_date_parse_iso8601("2026-11-29T10:00:00Z", NULL), -1);
    assert_true(t == 9);
}

static void civil_splits_a_leap_day_and_the_last_second_of_9999(void **state)
{
    unsigned v[6];
    (void)state;
    assert_int_equal(ds_date_civil(951782400 + 86399, v), 0); /* 2000-02-29 */
    assert_int_equal(v[0], 2000);
    assert_int_equal(v[1], 2);
    assert_int_equal(v[2], 29);
    assert_int_equal(v[3], 23);
    assert_int_equal(v[4], 59);
    assert_int_equal(v[5], 59);
    assert_int_equal(ds_date_civil(0, v), 0);
    assert_int_equal(v[0] * 10000 + v[1] * 100 + v[2], 19700101);
    assert_int_equal(ds_date_civil(253402300799, v), 0);
    assert_int_equal(v[0] * 10000 + v[1] * 100 + v[2], 99991231);
    assert_int_equal(ds_date_civil(253402300800, v), -1);
    assert_int_equal(ds_date_civil(-1, v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(civil_splits_a_leap_day_and_the_last_second_of_9999),
        cmocka_unit_test(sdk_date_formats_known_instants),
        cmocka_unit_test(sdk_date_handles_leap_days_and_centuries),
        cmocka_unit_test(sdk_date_survives_2038_and_beyond),
        cmocka_unit_test(sdk_date_rejects_out_of_range_and_small_buffers),
        cmocka_unit_test(sdk_date_agrees_with_gmtime_and_round_trips),
        cmocka_unit_test(sdk_date_parse_rejects_malformed),
        cmocka_unit_test(http_date_parses_imf_fixdate),
        cmocka_unit_test(http_date_handles_leap_years_and_2038),
        cmocka_unit_test(http_date_leap_second_counts_as_next_second),
        cmocka_unit_test(http_date_rejects_other_forms_and_garbage),
        cmocka_unit_test(iso8601_parses_iam_expires_at),
        cmocka_unit_test(iso8601_applies_numeric_offsets),
        cmocka_unit_test(iso8601_handles_leap_years_and_2038),
        cmocka_unit_test(iso8601_rejects_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
