/* The date parsers refuse every single-character corruption and every
 * truncation of a valid date (each digit, separator, name and zone
 * field is checked on its own), and the field ranges hold at both ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ds_date.h"

typedef int (*parse_fn)(const char *s, int64_t *unix_s);

/* 2026-11-28 10:00:00 UTC, a Saturday */
#define T0 INT64_C(1795860000)

/* `good` parses; every position replaced by `bad` (a byte no field
 * accepts), every proper prefix and one trailing byte are refused. */
static void refuse_every_corruption(parse_fn parse, const char *good, char bad)
{
    char s[64];
    size_t i, n = strlen(good);
    int64_t t;
    assert_true(n < sizeof s);
    assert_int_equal(parse(good, &t), 0);
    for (i = 0; i < n; i++) {
        memcpy(s, good, n + 1);
        s[i] = bad;
        if (parse(s, &t) != -1)
            fail_msg("accepted \"%s\"", s);
        memcpy(s, good, n + 1);
        s[i] = '\0';
        if (parse(s, &t) != -1)
            fail_msg("accepted prefix \"%s\"", s);
    }
    memcpy(s, good, n + 1);
    s[n] = 'Z';
    s[n + 1] = '\0';
    assert_int_equal(parse(s, &t), -1); /* trailing byte */
}

static void http_date_refuses_every_corruption_and_truncation(void **state)
{
    (void)state;
    refuse_every_corruption(ds_date_parse_http, "Sat, 28 Nov 2026 10:00:00 GMT",
                            '/');
    refuse_every_corruption(ds_date_parse_http, "Sat, 28 Nov 2026 10:00:00 GMT",
                            'x');
}

static void sdk_date_refuses_every_corruption_and_truncation(void **state)
{
    (void)state;
    refuse_every_corruption(ds_date_parse_sdk, "20261128T100000Z", '/');
    refuse_every_corruption(ds_date_parse_sdk, "20261128T100000Z", 'x');
}

static void iso8601_refuses_every_corruption_and_truncation(void **state)
{
    (void)state;
    refuse_every_corruption(ds_date_parse_iso8601, "2026-11-28T10:00:00Z", '/');
    refuse_every_corruption(ds_date_parse_iso8601,
                            "2026-11-28T10:00:00.5+01:30", 'x');
}

static void field_ranges_hold_at_both_ends(void **state)
{
    static const char *const bad[] = {
        "1969-12-31T23:59:59Z",      "2026-00-10T00:00:00Z",
        "2026-13-10T00:00:00Z",      "2026-02-00T00:00:00Z",
        "2026-02-29T00:00:00Z",      "2026-11-28T24:00:00Z",
        "2026-11-28T10:60:00Z",      "2026-11-28T10:00:61Z",
        "2026-11-28T10:00:00+24:00", "2026-11-28T10:00:00+01:60",
        "2026-11-28T10:00:00.Z",     "2026-11-28T10:00:00",
    };
    size_t i;
    int64_t t;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ds_date_parse_iso8601(bad[i], &t) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(ds_date_parse_iso8601("2024-02-29T00:00:00Z", &t), 0);
    assert_true(t == INT64_C(1709164800));
    assert_int_equal(ds_date_parse_iso8601("2026-11-28T23:59:60Z", &t), 0);
    assert_true(t == T0 + 14 * 3600); /* the leap second is the next second */
    assert_int_equal(ds_date_parse_iso8601("2026-11-28T10:00:00-23:59", &t), 0);
    assert_true(t == T0 + 23 * 3600 + 59 * 60);
    assert_int_equal(ds_date_parse_iso8601("9999-12-31T23:59:59Z", &t), 0);
    assert_true(t == INT64_C(253402300799));
    assert_int_equal(ds_date_parse_http("Sun, 28 Nov 2026 10:00:00 GMT", &t),
                     -1);
    assert_int_equal(ds_date_parse_http("Sat, 28 Nov 2026 10:00:00 GMT", &t),
                     0);
    assert_true(t == T0);
    assert_int_equal(ds_date_parse_sdk("20260000T000000Z", &t), -1);
    assert_int_equal(ds_date_parse_sdk("20261128T100000Z", &t), 0);
    assert_true(t == T0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(http_date_refuses_every_corruption_and_truncation),
        cmocka_unit_test(sdk_date_refuses_every_corruption_and_truncation),
        cmocka_unit_test(iso8601_refuses_every_corruption_and_truncation),
        cmocka_unit_test(field_ranges_hold_at_both_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
