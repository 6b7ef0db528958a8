/* Answer bodies -> ds_result_t: every documented shape, escapes, and the
 * invalid JSON jsmn alone would accept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "deploystop.h"
#include "json_map.h"

#define TASK "e700f15965694253940502911220d76b"
#define RECORD "2c82ffe8d00d4968a4e5f7a36d87ae17"
#define ALL_OK (DS_JSON_VALID | DS_JSON_ID_OK | DS_JSON_TASK_OK)

static ds_json_slot_t tok[DS_JSON_TOKENS];
static ds_result_t res;

static unsigned map(const char *js)
{
    memset(&res, 0, sizeof res);
    return ds_json_map(js, strlen(js), tok, DS_JSON_TOKENS, TASK, RECORD, &res);
}

static void success_body_matches_both_ids(void **state)
{
    (void)state;
    assert_int_equal(map("{\"status\":\"success\",\"result\":{\"id\":\"" RECORD
                         "\",\"task_id\":\"" TASK "\"}}"),
                     ALL_OK);
    assert_string_equal(res.status, "success");
    assert_string_equal(res.error_code, "");
}

static void success_body_with_whitespace_and_extra_fields(void **state)
{
    (void)state;
    assert_int_equal(
        map(" \r\n\t{ \"result\" : { \"task_id\" : \"" TASK "\" ,"
            " \"extra\": [1, {\"a\": [true, null, -1.5e3]}, \"s\"],"
            " \"id\":\"" RECORD "\" } , \"status\" : \"success\","
            " \"n\": 0 } \n"),
        ALL_OK);
    assert_string_equal(res.status, "success");
}

static void swapped_ids_are_a_mismatch(void **state)
{
    (void)state;
    assert_int_equal(map("{\"status\":\"success\",\"result\":{\"id\":\"" TASK
                         "\",\"task_id\":\"" RECORD "\"}}"),
                     DS_JSON_VALID | DS_JSON_ID_BAD);
}

static void
one_differing_id_is_a_mismatch_even_with_a_matching_duplicate(void **state)
{
    (void)state;
    assert_int_equal(map("{\"result\":{\"id\":\"" RECORD
                         "\",\"task_id\":\"" TASK "\",\"id\":\"x\"}}"),
                     ALL_OK | DS_JSON_ID_BAD);
    assert_int_equal(
        map("{\"result\":{\"id\":\"" RECORD "\",\"task_id\":\"" TASK "0\"}}"),
        DS_JSON_VALID | DS_JSON_ID_OK | DS_JSON_ID_BAD);
}

static void ids_outside_result_do_not_count(void **state)
{
    (void)state;
    assert_int_equal(map("{\"status\":\"success\",\"id\":\"" RECORD
                         "\",\"task_id\":\"" TASK "\"}"),
                     DS_JSON_VALID);
    assert_int_equal(map("{\"status\":\"success\",\"other\":{\"id\":\"" RECORD
                         "\",\"task_id\":\"" TASK "\"}}"),
                     DS_JSON_VALID);
    assert_int_equal(map("{\"status\":\"success\",\"result\":\"" RECORD "\"}"),
                     DS_JSON_VALID);
}

static void escaped_id_is_compared_decoded(void **state)
{
    (void)state;
    assert_int_equal(
        map("{\"result\":{\"id\":\"\\u0032c82ffe8d00d4968a4e5f7a36d87ae17"
            "\",\"task_id\":\"" TASK "\"}}"),
        ALL_OK);
}

static void escaped_keys_are_recognised(void **state)
{
    (void)state;
    assert_int_equal(
        map("{\"\\u0073tatus\":\"success\",\"res\\u0075lt\":{\"\\u0069d\":\"" RECORD
            "\",\"task_\\u0069d\":\"" TASK "\"}}"),
        ALL_OK);
    assert_string_equal(res.status, "success");
}

static void id_with_one_more_character_is_a_mismatch(void **state)
{
    (void)state;
    /* 32 matching bytes then a 2-byte character that does not fit the
     * comparison buffer: cut, and a cut id never matches. */
    assert_int_equal(map("{\"result\":{\"id\":\"" RECORD
                         "\\u00e9\",\"task_id\":\"" TASK "\"}}"),
                     DS_JSON_VALID | DS_JSON_TASK_OK | DS_JSON_ID_BAD);
    assert_int_equal(map("{\"result\":{\"id\":\"" RECORD
                         "\",\"task_id\":\"" TASK "\xc3\xa9\"}}"),
                     DS_JSON_VALID | DS_JSON_ID_OK | DS_JSON_ID_BAD);
}

static void escaped_nul_does_not_end_a_field(void **state)
{
    (void)state;
    map("{\"status\":\"success\\u0000x\"}");
    assert_string_equal(res.status, "success\xef\xbf\xbdx");
}

static void key_longer_than_any_known_key_matches_none(void **state)
{
    (void)state;
    map("{\"request_id\\u00e9\":\"abc\",\"error_code\\u0000\":\"E\"}");
    assert_string_equal(res.request_id, "");
    assert_string_equal(res.error_code, "");
}

static void top_level_error_code_and_msg(void **state)
{
    (void)state;
    assert_int_equal(map("{\"error_msg\":\"token expires\",\"error_code\":"
                         "\"APIGW.0301\",\"request_id\":\"abc123\"}"),
                     DS_JSON_VALID);
    assert_string_equal(res.error_code, "APIGW.0301");
    assert_string_equal(res.error_msg, "token expires");
    assert_string_equal(res.request_id, "abc123");
}

static void code_and_message_when_no_error_code(void **state)
{
    (void)state;
    map("{\"code\":\"Deploy.00011020\",\"message\":\"no such app\"}");
    assert_string_equal(res.error_code, "Deploy.00011020");
    assert_string_equal(res.error_msg, "no such app");
}

static void nested_error_object(void **state)
{
    (void)state;
    assert_int_equal(map("{\"error\":{\"code\":\"DEV.CH.10001\",\"message\":"
                         "\"Param invalid\"},\"status\":\"failed\"}"),
                     DS_JSON_VALID);
    assert_string_equal(res.error_code, "DEV.CH.10001");
    assert_string_equal(res.error_msg, "Param invalid");
    assert_string_equal(res.status, "failed");
}

static void top_level_wins_over_nested_and_error_code_over_code(void **state)
{
    (void)state;
    map("{\"error\":{\"error_code\":\"N1\",\"error_msg\":\"nested\"},"
        "\"code\":\"T2\",\"message\":\"top code\","
        "\"error_code\":\"T1\",\"error_msg\":\"top error\"}");
    assert_string_equal(res.error_code, "T1");
    assert_string_equal(res.error_msg, "top error");
    map("{\"error\":{\"code\":\"N2\",\"message\":\"m2\"},"
        "\"detail\":{\"error_code\":\"N1\",\"error_msg\":\"m1\"}}");
    assert_string_equal(res.error_code, "N1");
    assert_string_equal(res.error_msg, "m1");
    map("{\"a\":{\"code\":\"first\"},\"b\":{\"code\":\"second\"}}");
    assert_string_equal(res.error_code, "first");
}

static void request_id_from_header_is_kept(void **state)
{
    (void)state;
    memset(&res, 0, sizeof res);
    strcpy(res.request_id, "from-header");
    ds_json_map("{\"request_id\":\"from-body\"}", 26, tok, DS_JSON_TOKENS, TASK,
                RECORD, &res);
    assert_string_equal(res.request_id, "from-header");
}

static void non_string_values_are_ignored(void **state)
{
    (void)state;
    assert_int_equal(map("{\"status\":1,\"error_msg\":null,"
                         "\"result\":{\"id\":[\"" RECORD "\"]}}"),
                     DS_JSON_VALID);
    assert_string_equal(res.status, "");
    assert_string_equal(res.error_msg, "");
}

/* IAM (Keystone) answers "code":401: an error code may be a number. */
static void numeric_error_code_is_copied_as_written(void **state)
{
    (void)state;
    assert_int_equal(map("{\"error_code\":404,\"error_msg\":null}"),
                     DS_JSON_VALID);
    assert_string_equal(res.error_code, "404");
}

static void simple_escapes_are_decoded(void **state)
{
    (void)state;
    map("{\"error_msg\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t.\"}");
    assert_string_equal(res.error_msg, "q\" b\\ s/ \b\f\n\r\t.");
}

static void unicode_escapes_become_utf8(void **state)
{
    (void)state;
    map("{\"error_msg\":\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\\u4e2d\"}");
    assert_string_equal(res.error_msg,
                        "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe4\xb8\xad");
}

static void raw_utf8_is_copied(void **state)
{
    (void)state;
    map("{\"error_msg\":\"\xe5\x8f\x82\xe6\x95\xb0 ok\"}");
    assert_string_equal(res.error_msg, "\xe5\x8f\x82\xe6\x95\xb0 ok");
}

static void unpaired_surrogates_become_replacement_chars(void **state)
{
    (void)state;
    map("{\"error_msg\":\"a\\ud83db\\ude00c\\ud83d\\u0041\\ud83d\"}");
    assert_string_equal(res.error_msg, "a\xef\xbf\xbd"
                                       "b\xef\xbf\xbd"
                                       "c\xef\xbf\xbd"
                                       "A\xef\xbf\xbd");
}

static void long_message_is_truncated_on_a_character_boundary(void **state)
{
    char js[1024], want[DS_ERROR_MSG_MAX];
    size_t i, n;
    (void)state;
    /* 'x' then 3-byte characters: a cut must not split one. */
    strcpy(js, "{\"error_msg\":\"x");
    for (i = 0; i < 100; i++)
        strcat(js, "\\u20ac");
    strcat(js, "\"}");
    map(js);
    n = strlen(res.error_msg);
    assert_true(n <= DS_ERROR_MSG_MAX - 1);
    assert_true(n > DS_ERROR_MSG_MAX - 4);
    assert_int_equal((n - 1) % 3, 0);
    want[0] = 'x';
    for (i = 1; i < n; i += 3)
        memcpy(want + i, "\xe2\x82\xac", 3);
    want[n] = 0;
    assert_string_equal(res.error_msg, want);
}

static void long_raw_utf8_is_cut_before_the_character(void **state)
{
    char js[600];
    size_t i, n;
    (void)state;
    strcpy(js, "{\"status\":\"");
    for (i = 0; i < 10; i++)
        strcat(js, "\xe4\xb8\xad");
    strcat(js, "\"}");
    map(js);
    n = strlen(res.status);
    assert_int_equal(n, 15); /* DS_STATUS_MAX 16: five 3-byte characters */
    assert_int_equal(n % 3, 0);
}

static void invalid_json_is_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "   ",
        "{",
        "}",
        "[]",
        "\"status\"",
        "42",
        "{\"a\"}",
        "{\"a\":1,}",
        "{,\"a\":1}",
        "{\"a\":1,,\"b\":2}",
        "{\"a\"::1}",
        "{:\"a\":1}",
        "{\"a\" 1}",
        "{\"a\":1 \"b\":2}",
        "{\"a\":\"b\" \"c\":\"d\"}",
        "{\"a\":\"b\":\"c\"}",
        "{\"a\":[\"b\":1]}",
        "{\"a\":[1 2]}",
        "{\"a\":[1,]}",
        "{\"a\":[,1]}",
        "{\"a\":{\"b\"}}",
        "{\"a\":{\"b\":1,}}",
        "{}{}",
        "{} {\"a\":1}",
        "{}x",
        "{} ,",
        "{\"a\":\"x\ty\"}",
        "{\"a\":\"x\ny\"}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":1]",
        "{\"a\":[1}",
        "{'a':1}",
        "{a:1}",
        "{\"a\":1}\"",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (map(bad[i]) != 0)
            fail_msg("accepted: %s", bad[i]);
    }
}

static void primitive_must_start_like_a_number_or_literal(void **state)
{
    static const char *const bad[] = {
        "{\"a\":x}",
        "{\"a\":/}",
        "{\"a\":_1}",
        "{\"a\":[true,@]}",
        "{\"a\":\"s\",\"b\":?}",
        "{\"a\":1:2}",
        "{\"a\":true:false}",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (map(bad[i]) != 0)
            fail_msg("accepted: %s", bad[i]);
    }
    assert_int_equal(map("{\"a\":-1,\"b\":true,\"c\":false,\"d\":null,"
                         "\"e\":[0.5e+3,7]}"),
                     DS_JSON_VALID);
}

static void nul_inside_the_body_is_refused(void **state)
{
    static const char js[] = "{\"status\":\"success\"}\0{}";
    (void)state;
    memset(&res, 0, sizeof res);
    assert_int_equal(
        ds_json_map(js, sizeof js - 1, tok, DS_JSON_TOKENS, TASK, RECORD, &res),
        0);
}

static void body_need_not_be_nul_terminated(void **state)
{
    static const char js[] = "{\"status\":\"success\"}garbage";
    (void)state;
    memset(&res, 0, sizeof res);
    assert_int_equal(
        ds_json_map(js, 20, tok, DS_JSON_TOKENS, TASK, RECORD, &res),
        DS_JSON_VALID);
    assert_string_equal(res.status, "success");
}

static void too_many_tokens_is_refused(void **state)
{
    char js[1024];
    size_t i;
    (void)state;
    /* 1 object + 2 tokens per pair: 32 pairs = 65 tokens */
    strcpy(js, "{");
    for (i = 0; i < 32; i++)
        sprintf(js + strlen(js), "%s\"k%u\":%u", i ? "," : "", (unsigned)i,
                (unsigned)i);
    strcat(js, "}");
    assert_int_equal(map(js), 0);
    /* 31 pairs = 63 tokens fit */
    strcpy(js, "{");
    for (i = 0; i < 31; i++)
        sprintf(js + strlen(js), "%s\"k%u\":%u", i ? "," : "", (unsigned)i,
                (unsigned)i);
    strcat(js, "}");
    assert_int_equal(map(js), DS_JSON_VALID);
}

static void deep_nesting_needs_no_recursion(void **state)
{
    char js[256];
    size_t i, n = 0;
    (void)state;
    js[n++] = '{';
    js[n++] = '"';
    js[n++] = 'a';
    js[n++] = '"';
    js[n++] = ':';
    for (i = 0; i < 60; i++)
        js[n++] = '[';
    for (i = 0; i < 60; i++)
        js[n++] = ']';
    js[n++] = '}';
    js[n] = 0;
    assert_int_equal(map(js), DS_JSON_VALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(success_body_matches_both_ids),
        cmocka_unit_test(success_body_with_whitespace_and_extra_fields),
        cmocka_unit_test(swapped_ids_are_a_mismatch),
        cmocka_unit_test(
            one_differing_id_is_a_mismatch_even_with_a_matching_duplicate),
        cmocka_unit_test(ids_outside_result_do_not_count),
        cmocka_unit_test(escaped_id_is_compared_decoded),
        cmocka_unit_test(escaped_keys_are_recognised),
        cmocka_unit_test(id_with_one_more_character_is_a_mismatch),
        cmocka_unit_test(escaped_nul_does_not_end_a_field),
        cmocka_unit_test(key_longer_than_any_known_key_matches_none),
        cmocka_unit_test(top_level_error_code_and_msg),
        cmocka_unit_test(code_and_message_when_no_error_code),
        cmocka_unit_test(nested_error_object),
        cmocka_unit_test(top_level_wins_over_nested_and_error_code_over_code),
        cmocka_unit_test(request_id_from_header_is_kept),
        cmocka_unit_test(non_string_values_are_ignored),
        cmocka_unit_test(numeric_error_code_is_copied_as_written),
        cmocka_unit_test(simple_escapes_are_decoded),
        cmocka_unit_test(unicode_escapes_become_utf8),
        cmocka_unit_test(raw_utf8_is_copied),
        cmocka_unit_test(unpaired_surrogates_become_replacement_chars),
        cmocka_unit_test(long_message_is_truncated_on_a_character_boundary),
        cmocka_unit_test(long_raw_utf8_is_cut_before_the_character),
        cmocka_unit_test(invalid_json_is_refused),
        cmocka_unit_test(primitive_must_start_like_a_number_or_literal),
        cmocka_unit_test(nul_inside_the_body_is_refused),
        cmocka_unit_test(body_need_not_be_nul_terminated),
        cmocka_unit_test(too_many_tokens_is_refused),
        cmocka_unit_test(deep_nesting_needs_no_recursion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
