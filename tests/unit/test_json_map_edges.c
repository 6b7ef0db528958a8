/* The JSON mapping and scanner at their edges: escapes decoded by the
 * scanner (cut \u escapes, surrogates, U+E000 and up), long UTF-8 runs,
 * nesting beyond 32 levels, mismatched brackets, values ended by a
 * bracket, keys of the same length, members without a colon, non-string
 * values where strings are wanted, and copies that do not fit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "deploystop.h"
#include "json_map.h"

static ds_json_slot_t tok[DS_JSON_TOKENS];

static int scalar(const char *js, char *out, size_t cap)
{
    return ds_json_scalar(js, strlen(js), 0, out, cap);
}

static long skip_value(const char *js)
{
    return ds_json_skip(js, strlen(js), 0);
}

static long find(const char *js, const char *key)
{
    return ds_json_find(js, strlen(js), NULL, key);
}

/* ---- scanner: strings ------------------------------------------------- */

static void cut_unicode_escape_decodes_as_replacement_character(void **state)
{
    char out[16];
    (void)state;
    assert_int_equal(scalar("\"\\u12\"", out, sizeof out), 0);
    assert_string_equal(out, "\xEF\xBF\xBD");
    assert_int_equal(scalar("\"a\\u\"", out, sizeof out), 0);
    assert_string_equal(out, "a\xEF\xBF\xBD");
}

static void surrogates_pair_or_become_replacement_characters(void **state)
{
    char out[16];
    (void)state;
    assert_int_equal(scalar("\"\\uD83D\\uDE00\"", out, sizeof out), 0);
    assert_string_equal(out, "\xF0\x9F\x98\x80");
    /* a high surrogate at the end, before another escape, or before a
     * \u that is no low surrogate */
    assert_int_equal(scalar("\"\\uD83D\"", out, sizeof out), 0);
    assert_string_equal(out, "\xEF\xBF\xBD");
    assert_int_equal(scalar("\"\\uD83D\\n12345\"", out, sizeof out), 0);
    assert_string_equal(out, "\xEF\xBF\xBD\n12345");
    assert_int_equal(scalar("\"\\uD83D\\u0041\"", out, sizeof out), 0);
    assert_string_equal(out, "\xEF\xBF\xBD"
                             "A");
    assert_int_equal(scalar("\"\\uDC00\"", out, sizeof out), 0);
    assert_string_equal(out, "\xEF\xBF\xBD");
}

static void code_points_from_e000_up_are_kept(void **state)
{
    char out[16];
    (void)state;
    assert_int_equal(scalar("\"\\uE000\\uFFFF\"", out, sizeof out), 0);
    assert_string_equal(out, "\xEE\x80\x80\xEF\xBF\xBF");
}

static void stray_continuation_bytes_start_a_new_unit(void **state)
{
    char out[16];
    (void)state;
    /* a 4-byte character and one more continuation byte: the fifth is a
     * unit of its own, so a cut can never split the character */
    assert_int_equal(scalar("\"\xF0\x9F\x98\x80\x80\"", out, sizeof out), 0);
    assert_string_equal(out, "\xF0\x9F\x98\x80\x80");
    assert_int_equal(scalar("\"\xF0\x9F\x98\x80\x80\"", out, 5), -1);
    assert_string_equal(out, "\xF0\x9F\x98\x80");
}

static void scalar_refuses_containers_and_what_does_not_fit(void **state)
{
    char out[4];
    (void)state;
    assert_int_equal(scalar("[1]", out, sizeof out), -1);
    assert_int_equal(scalar("{\"a\":1}", out, sizeof out), -1);
    assert_int_equal(scalar("\"abcd\"", out, sizeof out), -1);
    assert_int_equal(scalar("\"abc\"", out, sizeof out), 0);
    assert_string_equal(out, "abc");
}

/* ---- scanner: structure ----------------------------------------------- */

static void nesting_beyond_32_levels_is_refused(void **state)
{
    char js[80];
    (void)state;
    memset(js, '[', 32);
    memset(js + 32, ']', 32);
    js[64] = 0;
    assert_int_equal(skip_value(js), 64);
    memset(js, '[', 33);
    memset(js + 33, ']', 33);
    js[66] = 0;
    assert_int_equal(skip_value(js), -1);
}

static void mismatched_or_unopened_brackets_are_refused(void **state)
{
    (void)state;
    assert_int_equal(skip_value("[}"), -1);
    assert_int_equal(skip_value("{]"), -1);
    assert_int_equal(skip_value("{\"a\":[1}}"), -1);
    assert_int_equal(skip_value("]"), -1);
    assert_int_equal(skip_value("[1,2"), -1);
    assert_int_equal(skip_value(""), -1);
    assert_int_equal(skip_value("   "), -1);
}

static void numbers_end_at_a_closing_bracket_or_blank(void **state)
{
    (void)state;
    assert_int_equal(skip_value("12}"), 2);
    assert_int_equal(skip_value("12]"), 2);
    assert_int_equal(skip_value("12 "), 2);
    assert_int_equal(skip_value("12,"), 2);
    assert_int_equal(skip_value("12"), 2);
}

static void find_compares_keys_of_the_same_length_bytewise(void **state)
{
    static const char js[] = "{\"ab\":1,\"ac\":2}";
    (void)state;
    assert_int_equal(find(js, "ac"), 13);
    assert_int_equal(find(js, "ab"), 6);
    assert_int_equal(find(js, "ad"), -1);
}

static void find_stops_at_a_member_without_colon_or_end(void **state)
{
    (void)state;
    assert_int_equal(find("{\"a\" 1,\"b\":2}", "b"), -1);
    assert_int_equal(find("{\"a\"", "b"), -1);
    assert_int_equal(find("{\"a\":[1,\"b\":2}", "b"), -1);
    assert_int_equal(find("{\"a\":1", "b"), -1);
    assert_int_equal(find("{\"a\":1 \"b\":2}", "b"), -1);
}

/* ---- mapping ----------------------------------------------------------- */

static void code_that_is_an_object_or_too_long_is_not_copied(void **state)
{
    static const char obj[] = "{\"error_code\":{\"x\":1},\"error_msg\":\"m\"}";
    char big[512];
    ds_result_t res;
    (void)state;
    memset(&res, 0, sizeof res);
    assert_int_equal(
        ds_json_map(obj, strlen(obj), tok, DS_JSON_TOKENS, NULL, NULL, &res),
        DS_JSON_VALID);
    assert_string_equal(res.error_code, "");
    assert_string_equal(res.error_msg, "m");
    memset(&res, 0, sizeof res);
    strcpy(big, "{\"code\":");
    memset(big + 8, '7', sizeof res.error_code);
    strcpy(big + 8 + sizeof res.error_code, "}");
    assert_int_equal(
        ds_json_map(big, strlen(big), tok, DS_JSON_TOKENS, NULL, NULL, &res),
        DS_JSON_VALID);
    assert_string_equal(res.error_code, "");
    memset(&res, 0, sizeof res);
    big[8 + sizeof res.error_code - 1] = '}';
    big[8 + sizeof res.error_code] = 0;
    assert_int_equal(
        ds_json_map(big, strlen(big), tok, DS_JSON_TOKENS, NULL, NULL, &res),
        DS_JSON_VALID);
    assert_int_equal(strlen(res.error_code), sizeof res.error_code - 1);
}

static void result_id_that_is_a_number_is_not_compared(void **state)
{
    static const char js[] =
        "{\"status\":\"success\",\"result\":{\"id\":12,\"task_id\":\"t\"}}";
    ds_result_t res;
    (void)state;
    memset(&res, 0, sizeof res);
    assert_int_equal(
        ds_json_map(js, strlen(js), tok, DS_JSON_TOKENS, "t", "12", &res),
        DS_JSON_VALID | DS_JSON_TASK_OK);
}

static void fields_without_take_copy_nothing(void **state)
{
    static const char js[] =
        "{\"status\":\"success\",\"result\":{\"status\":\"running\",\"step\":5}}";
    char st[16] = "x", step[16] = "y";
    ds_json_fields_t f;
    ds_result_t res;
    (void)state;
    memset(&f, 0, sizeof f);
    f.status = st;
    f.status_cap = sizeof st;
    f.step = step;
    f.step_cap = sizeof step;
    memset(&res, 0, sizeof res);
    assert_int_equal(ds_json_map_fields(js, strlen(js), tok, DS_JSON_TOKENS,
                                        NULL, NULL, &res, &f),
                     DS_JSON_VALID);
    assert_string_equal(st, "x");
    f.take = ds_json_take_fields;
    assert_int_equal(ds_json_map_fields(js, strlen(js), tok, DS_JSON_TOKENS,
                                        NULL, NULL, &res, &f),
                     DS_JSON_VALID);
    assert_string_equal(st, "running");
    assert_string_equal(step, "y"); /* a number is no step */
}

static void mapping_without_token_slots_is_not_valid(void **state)
{
    static const char js[] = "{\"status\":\"success\"}";
    static const char *const keys[1] = {"status"};
    char a[16] = "?";
    char *const out[1] = {a};
    const size_t caps[1] = {sizeof a};
    ds_result_t res;
    (void)state;
    memset(&res, 0, sizeof res);
    assert_int_equal(ds_json_map(js, strlen(js), NULL, 0, NULL, NULL, &res), 0);
    assert_string_equal(res.status, "");
    assert_int_equal(ds_json_pick(js, strlen(js), NULL, 0, keys, out, caps, 1),
                     0);
    assert_string_equal(a, "");
    assert_int_equal(
        ds_json_map(js, strlen(js), tok, DS_JSON_TOKENS, NULL, NULL, &res),
        DS_JSON_VALID);
    assert_string_equal(res.status, "success");
}

static void pick_skips_nested_keys_non_strings_and_cut_copies(void **state)
{
    static const char js[] =
        "{\"n\":{\"state\":\"running\"},\"state\":5,\"id\":\"0123456789\","
        "\"start\":\"t\"}";
    static const char *const keys[3] = {"state", "id", "start"};
    char a[16] = "?", b[8] = "?", c[8] = "?";
    char *const out[3] = {a, b, c};
    const size_t caps[3] = {sizeof a, sizeof b, sizeof c};
    (void)state;
    assert_int_equal(
        ds_json_pick(js, strlen(js), tok, DS_JSON_TOKENS, keys, out, caps, 3),
        1);
    assert_string_equal(a, ""); /* nested "state" and a number: absent */
    assert_string_equal(b, ""); /* cut: never a partial id */
    assert_string_equal(c, "t");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cut_unicode_escape_decodes_as_replacement_character),
        cmocka_unit_test(surrogates_pair_or_become_replacement_characters),
        cmocka_unit_test(code_points_from_e000_up_are_kept),
        cmocka_unit_test(stray_continuation_bytes_start_a_new_unit),
        cmocka_unit_test(scalar_refuses_containers_and_what_does_not_fit),
        cmocka_unit_test(nesting_beyond_32_levels_is_refused),
        cmocka_unit_test(mismatched_or_unopened_brackets_are_refused),
        cmocka_unit_test(numbers_end_at_a_closing_bracket_or_blank),
        cmocka_unit_test(find_compares_keys_of_the_same_length_bytewise),
        cmocka_unit_test(find_stops_at_a_member_without_colon_or_end),
        cmocka_unit_test(code_that_is_an_object_or_too_long_is_not_copied),
        cmocka_unit_test(result_id_that_is_a_number_is_not_compared),
        cmocka_unit_test(fields_without_take_copy_nothing),
        cmocka_unit_test(mapping_without_token_slots_is_not_valid),
        cmocka_unit_test(pick_skips_nested_keys_non_strings_and_cut_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
