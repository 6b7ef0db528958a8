/* The AK/SK signer at its edges: percent escapes that are not escapes,
 * trailing blanks of header values, every refused input, credentials
 * with a byte out of their alphabet, no scratch, and the skew check
 * without its inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto_mbedtls.h"
#include "ds_sign.h"

static char g_scratch[2048];
static char g_auth[DS_SIGN_AUTH_MAX];

static ds_sign_input_t input(void)
{
    ds_sign_input_t in;
    memset(&in, 0, sizeof in);
    in.method = "GET";
    in.path = "/v2/x";
    in.host = "example.com";
    in.sdk_date = "20261128T100000Z";
    return in;
}

static const char *canonical(const ds_sign_input_t *in)
{
    size_t len = 0;
    assert_int_equal(ds_sign_canonical(in, &test_crypto_mbedtls, g_scratch,
                                       sizeof g_scratch - 1, &len),
                     DS_SIGN_OK);
    g_scratch[len] = '\0';
    return g_scratch;
}

static void broken_percent_escapes_are_encoded_as_literal_percent(void **state)
{
    ds_sign_input_t in = input();
    (void)state;
    /* %2f decodes (a kept slash); %2G, %!1 and a final % are no escapes */
    in.path = "/a%2fb%2Gc%!1~x-_.y%";
    assert_memory_equal(canonical(&in), "GET\n/a/b%252Gc%25%211~x-_.y%25/\n",
                        32);
    in.path = "/%4A%4a%3";
    assert_memory_equal(canonical(&in), "GET\n/JJ%253/\n", 13);
}

static void header_value_blanks_are_trimmed_both_sides(void **state)
{
    ds_sign_input_t in = input();
    const char *c;
    (void)state;
    in.host = " \texample.com \t ";
    c = canonical(&in);
    assert_non_null(strstr(c, "\nhost:example.com\n"));
}

static void every_refused_input_is_an_argument_error(void **state)
{
    static const ds_crypto_t no_sha = {NULL, NULL, NULL};
    ds_sign_input_t in;
    size_t len = 0;
    int i;
    (void)state;
    for (i = 0; i < 10; i++) {
        const ds_crypto_t *c = &test_crypto_mbedtls;
        char *buf = g_scratch;
        size_t *lenp = &len;
        in = input();
        switch (i) {
        case 0: c = NULL; break;
        case 1: c = &no_sha; break;
        case 2: in.method = ""; break;
        case 3: in.method = "Get"; break;
        case 4: in.method = "G3T"; break;
        case 5: in.path = "v2/x"; break;
        case 6: in.sdk_date = "20261128T100000"; break;
        case 7: in.body_len = 2; break; /* no body */
        case 8: buf = NULL; break;
        default: lenp = NULL; break;
        }
        if (ds_sign_canonical(&in, c, buf, sizeof g_scratch, lenp) !=
            DS_SIGN_E_ARG)
            fail_msg("case %d accepted", i);
    }
    assert_int_equal(ds_sign_canonical(NULL, &test_crypto_mbedtls, g_scratch,
                                       sizeof g_scratch, &len),
                     DS_SIGN_E_ARG);
}

static void credentials_out_of_their_alphabet_are_refused(void **state)
{
    static const char *const bad_ak[] = {"AK-1", "AK 1", "AK_", "AK/", "A\x7f",
                                         "AK:",  "AK@",  "AK[", "AK`", "AK{"};
    static const char *const bad_sk[] = {"SK 1", "SK\t1", "SK\x7f", "SK\x80"};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad_ak / sizeof bad_ak[0]; i++)
        if (ds_sign_valid_ak(bad_ak[i]))
            fail_msg("AK \"%s\" accepted", bad_ak[i]);
    for (i = 0; i < sizeof bad_sk / sizeof bad_sk[0]; i++)
        if (ds_sign_valid_sk(bad_sk[i]))
            fail_msg("SK %zu accepted", i);
    assert_true(ds_sign_valid_ak("azAZ09"));
    assert_true(ds_sign_valid_sk("!~ok"));
    assert_int_equal(ds_sign_authorization(
                         NULL, "AK-1", "SK", &test_crypto_mbedtls, g_scratch,
                         sizeof g_scratch, g_auth, sizeof g_auth),
                     DS_SIGN_E_CREDENTIALS);
}

static void authorization_without_scratch_is_an_argument_error(void **state)
{
    ds_sign_input_t in = input();
    (void)state;
    memset(g_auth, 'x', sizeof g_auth);
    assert_int_equal(ds_sign_authorization(&in, "AK", "SK",
                                           &test_crypto_mbedtls, NULL, 0,
                                           g_auth, sizeof g_auth),
                     DS_SIGN_E_ARG);
    assert_string_equal(g_auth, "");
}

static void authorization_without_output_or_its_room_is_refused(void **state)
{
    ds_sign_input_t in = input();
    (void)state;
    assert_int_equal(ds_sign_authorization(&in, "AK", "SK",
                                           &test_crypto_mbedtls, g_scratch,
                                           sizeof g_scratch, NULL, 0),
                     DS_SIGN_E_ARG);
    memset(g_auth, 'x', sizeof g_auth);
    assert_int_equal(ds_sign_authorization(&in, "AK", "SK",
                                           &test_crypto_mbedtls, g_scratch,
                                           sizeof g_scratch, g_auth, 0),
                     DS_SIGN_E_OUTPUT);
    assert_int_equal(g_auth[0], 'x'); /* no room: not even the NUL */
}

static void skew_check_without_message_or_output_is_no_skew(void **state)
{
    int64_t t = 5;
    (void)state;
    assert_int_equal(ds_sign_skew_refused(401, NULL, NULL, &t), 0);
    assert_int_equal(
        ds_sign_skew_refused(
            401, "signature expired, server time:20261128T100000Z", NULL, NULL),
        0);
    assert_true(t == 5);
    assert_int_equal(
        ds_sign_skew_refused(
            401, "signature expired, server time:20261128T100000Z", NULL, &t),
        1);
    assert_true(t == INT64_C(1795860000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(broken_percent_escapes_are_encoded_as_literal_percent),
        cmocka_unit_test(header_value_blanks_are_trimmed_both_sides),
        cmocka_unit_test(every_refused_input_is_an_argument_error),
        cmocka_unit_test(credentials_out_of_their_alphabet_are_refused),
        cmocka_unit_test(authorization_without_scratch_is_an_argument_error),
        cmocka_unit_test(authorization_without_output_or_its_room_is_refused),
        cmocka_unit_test(skew_check_without_message_or_output_is_no_skew),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
