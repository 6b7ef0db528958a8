/* AK/SK signing: docs/api.md section 5 vectors, canonicalisation, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto_mbedtls.h"
#include "deploystop.h"
#include "ds_sign.h"

#define STOP_PATH                                                              \
    "/v2/tasks/e700f15965694253940502911220d76b/records/"                      \
    "2c82ffe8d00d4968a4e5f7a36d87ae17/stop"

static char g_scratch[2048];
static char g_auth[DS_SIGN_AUTH_MAX];

static ds_sign_input_t vector1(void)
{
    ds_sign_input_t in;
    memset(&in, 0, sizeof in);
    in.method = "GET";
    in.path = "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs";
    in.query = "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0";
    in.content_type = "application/json";
    in.host = "service.region.example.com";
    in.sdk_date = "20191115T033655Z";
    return in;
}

static ds_sign_input_t vector2(const char *method, const char *body)
{
    ds_sign_input_t in;
    memset(&in, 0, sizeof in);
    in.method = method;
    in.path = "/resources";
    in.query = "size=1";
    in.host = "service.endpoint.myhuaweicloud.com";
    in.sdk_date = "20200608T023900Z";
    in.body = (const uint8_t *)body;
    in.body_len = body ? strlen(body) : 0;
    return in;
}

static ds_sign_input_t vector3(void)
{
    ds_sign_input_t in;
    memset(&in, 0, sizeof in);
    in.method = "PUT";
    in.path = STOP_PATH;
    in.content_type = "application/json";
    in.host = "codearts-deploy.cn-north-4.myhuaweicloud.com";
    in.sdk_date = "20250709T033628Z";
    in.body = (const uint8_t *)"{}";
    in.body_len = 2;
    return in;
}

/* Canonical request of `in` as a NUL-terminated string in g_scratch. */
static const char *canonical(const ds_sign_input_t *in)
{
    size_t len = 0;
    assert_int_equal(ds_sign_canonical(in, &test_crypto_mbedtls, g_scratch,
                                       sizeof g_scratch - 1, &len),
                     DS_SIGN_OK);
    g_scratch[len] = '\0';
    return g_scratch;
}

static const char *canonical_hash(const ds_sign_input_t *in)
{
    static char hex[65];
    const char *c = canonical(in);
    test_sha256_hex(c, strlen(c), hex);
    return hex;
}

static const char *signature(const ds_sign_input_t *in, const char *ak,
                             const char *sk)
{
    const char *p;
    assert_int_equal(ds_sign_authorization(in, ak, sk, &test_crypto_mbedtls,
                                           g_scratch, sizeof g_scratch, g_auth,
                                           sizeof g_auth),
                     DS_SIGN_OK);
    p = strstr(g_auth, ", Signature=");
    assert_non_null(p);
    return p + strlen(", Signature=");
}

static void vector1_canonical_request_is_exact(void **state)
{
    ds_sign_input_t in = vector1();
    (void)state;
    assert_string_equal(
        canonical(&in),
        "GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\n"
        "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n"
        "content-type:application/json\nhost:service.region.example.com\n"
        "x-sdk-date:20191115T033655Z\n\ncontent-type;host;x-sdk-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void vector1_hash_and_signature_match_signing_guide(void **state)
{
    ds_sign_input_t in = vector1();
    (void)state;
    assert_string_equal(
        canonical_hash(&in),
        "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a");
    assert_string_equal(
        signature(&in, "QTWAOYTTINDUT2QVKYUC",
                  "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"),
        "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe");
}

static void vector1_authorization_header_is_exact(void **state)
{
    ds_sign_input_t in = vector1();
    (void)state;
    assert_int_equal(
        ds_sign_authorization(&in, "QTWAOYTTINDUT2QVKYUC",
                              "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
                              &test_crypto_mbedtls, g_scratch, sizeof g_scratch,
                              g_auth, sizeof g_auth),
        DS_SIGN_OK);
    assert_string_equal(
        g_auth,
        "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, "
        "SignedHeaders=content-type;host;x-sdk-date, "
        "Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe");
}

static void vector2_get_without_content_type_matches_python_sdk(void **state)
{
    ds_sign_input_t in = vector2("GET", NULL);
    (void)state;
    assert_string_equal(
        signature(&in, "AccessKey", "SecretKey"),
        "cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842");
    assert_non_null(strstr(g_auth, "SignedHeaders=host;x-sdk-date, "));
}

static void vector2_post_with_body_matches_python_sdk(void **state)
{
    ds_sign_input_t in = vector2("POST", "{\"name\":\"test\",\"id\":1}");
    (void)state;
    assert_string_equal(
        signature(&in, "AccessKey", "SecretKey"),
        "436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f");
}

static void vector3_stop_call_signature_matches(void **state)
{
    ds_sign_input_t in = vector3();
    (void)state;
    assert_string_equal(
        signature(&in, "AccessKey", "SecretKey"),
        "b5c93d7624d15468f220aeee64d312dc9ba06053e5411f4487f2d5872574cee0");
}

static void stop_path_is_slash_terminated_only_for_signing(void **state)
{
    ds_sign_input_t in = vector3();
    (void)state;
    assert_non_null(strstr(canonical(&in), "\n" STOP_PATH "/\n\n"));
    assert_string_equal(in.path, STOP_PATH);
}

/* Expected values from an independent Python re-implementation of the
 * official Python SDK signer (urllib quote/unquote, sorted, hmac). */
static void reserved_unicode_duplicates_and_optional_headers(void **state)
{
    ds_sign_input_t in;
    (void)state;
    memset(&in, 0, sizeof in);
    in.method = "GET";
    in.path = "/v1/caf\xc3\xa9/x y";
    in.query = "q=a%2Bb&p=%7e&r=1+2&s=a/b&a=2&a=1&b=&a=1&=x&&c";
    in.content_type = "application/json";
    in.host = "h.example.com:8443";
    in.sdk_date = "20251128T101500Z";
    in.project_id = "0123456789abcdef";
    in.security_token = "  tok/+= ";
    in.body = (const uint8_t *)"hello";
    in.body_len = 5;
    assert_string_equal(
        canonical(&in),
        "GET\n/v1/caf%C3%A9/x%20y/\n"
        "a=1&a=1&a=2&b=&c=&p=~&q=a%2Bb&r=1%2B2&s=a%2Fb\n"
        "content-type:application/json\nhost:h.example.com:8443\n"
        "x-project-id:0123456789abcdef\nx-sdk-date:20251128T101500Z\n"
        "x-security-token:tok/+=\n\n"
        "content-type;host;x-project-id;x-sdk-date;x-security-token\n"
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    assert_string_equal(
        signature(&in, "AccessKey", "SecretKey"),
        "73889547398f2c3027dce5bf48a7f05977ef8022f171fdd23880b084ef005921");
    assert_non_null(strstr(g_auth,
                           "SignedHeaders=content-type;host;"
                           "x-project-id;x-sdk-date;x-security-token, "));
}

static void query_values_of_one_key_sort_by_value(void **state)
{
    ds_sign_input_t in = vector2("GET", NULL);
    (void)state;
    in.query = "b=2&a=z&b=10&a=&b=1";
    assert_non_null(strstr(canonical(&in), "\na=&a=z&b=1&b=10&b=2\n"));
}

static void query_sorts_by_decoded_bytes(void **state)
{
    ds_sign_input_t in = vector2("GET", NULL);
    (void)state;
    /* %41 is 'A' (0x41), sorting before 'B' although '%' sorts after. */
    in.query = "B=1&%41=2";
    assert_non_null(strstr(canonical(&in), "\nA=2&B=1\n"));
}

static void query_lowercase_escapes_become_uppercase(void **state)
{
    ds_sign_input_t in = vector2("GET", NULL);
    (void)state;
    in.query = "k=%2f%3a%e4%b8%ad";
    assert_non_null(strstr(canonical(&in), "\nk=%2F%3A%E4%B8%AD\n"));
}

static void query_broken_escape_is_a_literal_percent(void **state)
{
    ds_sign_input_t in = vector2("GET", NULL);
    (void)state;
    in.query = "k=100%&z=%zz%4";
    assert_non_null(strstr(canonical(&in), "\nk=100%25&z=%25zz%254\n"));
}

static void empty_query_leaves_an_empty_line(void **state)
{
    ds_sign_input_t in = vector2("GET", NULL);
    (void)state;
    in.query = "";
    assert_non_null(strstr(canonical(&in), "GET\n/resources/\n\nhost:"));
    in.query = NULL;
    assert_non_null(strstr(canonical(&in), "GET\n/resources/\n\nhost:"));
    in.query = "&&=only-value";
    assert_non_null(strstr(canonical(&in), "GET\n/resources/\n\nhost:"));
}

static void empty_path_signs_as_root(void **state)
{
    ds_sign_input_t in = vector2("GET", NULL);
    (void)state;
    in.path = "";
    assert_non_null(strstr(canonical(&in), "GET\n/\n"));
    in.path = "/";
    assert_non_null(strstr(canonical(&in), "GET\n/\n"));
}

static void path_already_ending_in_slash_gets_no_second_one(void **state)
{
    ds_sign_input_t in = vector2("GET", NULL);
    (void)state;
    in.path = "/a/b/";
    assert_non_null(strstr(canonical(&in), "GET\n/a/b/\n"));
}

static void path_escapes_are_normalised_and_reserved_bytes_encoded(void **state)
{
    ds_sign_input_t in = vector2("GET", NULL);
    (void)state;
    in.path = "/a%3ab/c:d@e!f(g)*'h,i;j=k+l$m&n/%7Eo~p";
    assert_non_null(strstr(
        canonical(&in),
        "\n/a%3Ab/c%3Ad%40e%21f%28g%29%2A%27h%2Ci%3Bj%3Dk%2Bl%24m%26n/~o~p/\n"));
}

static void header_values_are_trimmed(void **state)
{
    ds_sign_input_t in = vector1();
    (void)state;
    in.content_type = " \tapplication/json \t";
    in.host = "  service.region.example.com ";
    assert_string_equal(
        canonical_hash(&in),
        "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a");
}

static void stop_with_longest_host_fits_stop_scratch(void **state)
{
    char host[254 + 6];
    char scratch[DS_SIGN_STOP_SCRATCH];
    size_t len = 0;
    ds_sign_input_t in = vector3();
    (void)state;
    memset(host, 'a', 253);
    memcpy(host + 253, ":65535", 7);
    in.host = host;
    assert_int_equal(ds_sign_canonical(&in, &test_crypto_mbedtls, scratch,
                                       sizeof scratch, &len),
                     DS_SIGN_OK);
    assert_true(len <= DS_SIGN_STOP_SCRATCH);
    assert_int_equal(len, 512);
}

static void scratch_too_small_is_a_clean_error_at_every_size(void **state)
{
    ds_sign_input_t in = vector1();
    size_t need = 0, cap;
    (void)state;
    assert_int_equal(ds_sign_canonical(&in, &test_crypto_mbedtls, g_scratch,
                                       sizeof g_scratch, &need),
                     DS_SIGN_OK);
    for (cap = 0; cap < need; cap++) {
        char buf[512];
        size_t len = 7;
        memset(buf, 'x', sizeof buf);
        assert_int_equal(
            ds_sign_canonical(&in, &test_crypto_mbedtls, buf, cap, &len),
            DS_SIGN_E_SCRATCH);
        assert_int_equal(len, 7);
        assert_int_equal(buf[cap], 'x'); /* nothing past the capacity */
        assert_int_equal(ds_sign_authorization(&in, "AK", "SK",
                                               &test_crypto_mbedtls, buf, cap,
                                               g_auth, sizeof g_auth),
                         DS_SIGN_E_SCRATCH);
        assert_string_equal(g_auth, "");
    }
    assert_int_equal(
        ds_sign_canonical(&in, &test_crypto_mbedtls, g_scratch, need, &cap),
        DS_SIGN_OK);
}

static void output_too_small_is_a_clean_error_at_every_size(void **state)
{
    ds_sign_input_t in = vector3();
    char out[256];
    size_t need, cap;
    (void)state;
    signature(&in, "AccessKey", "SecretKey");
    need = strlen(g_auth) + 1;
    for (cap = 0; cap < need; cap++) {
        memset(out, 'x', sizeof out);
        assert_int_equal(ds_sign_authorization(&in, "AccessKey", "SecretKey",
                                               &test_crypto_mbedtls, g_scratch,
                                               sizeof g_scratch, out, cap),
                         DS_SIGN_E_OUTPUT);
        if (cap)
            assert_int_equal(out[0], '\0');
        assert_int_equal(out[cap], 'x');
    }
    assert_int_equal(ds_sign_authorization(&in, "AccessKey", "SecretKey",
                                           &test_crypto_mbedtls, g_scratch,
                                           sizeof g_scratch, out, need),
                     DS_SIGN_OK);
    assert_string_equal(out, g_auth);
}

static void longest_credentials_fit_auth_max(void **state)
{
    char ak[DS_SIGN_AK_MAX + 2], sk[DS_SIGN_SK_MAX + 2];
    ds_sign_input_t in = vector3();
    (void)state;
    in.project_id = "p";
    in.security_token = "t";
    memset(ak, 'A', sizeof ak);
    memset(sk, 's', sizeof sk);
    ak[DS_SIGN_AK_MAX] = sk[DS_SIGN_SK_MAX] = '\0';
    assert_int_equal(ds_sign_authorization(&in, ak, sk, &test_crypto_mbedtls,
                                           g_scratch, sizeof g_scratch, g_auth,
                                           sizeof g_auth),
                     DS_SIGN_OK);
    assert_int_equal(strlen(g_auth) + 1, DS_SIGN_AUTH_MAX);
    ak[DS_SIGN_AK_MAX] = 'A';
    ak[DS_SIGN_AK_MAX + 1] = '\0';
    assert_int_equal(ds_sign_authorization(&in, ak, sk, &test_crypto_mbedtls,
                                           g_scratch, sizeof g_scratch, g_auth,
                                           sizeof g_auth),
                     DS_SIGN_E_CREDENTIALS);
}

static void scratch_is_wiped_after_signing(void **state)
{
    ds_sign_input_t in = vector3();
    size_t i;
    (void)state;
    memset(g_scratch, 'x', sizeof g_scratch);
    signature(&in, "AccessKey", "SecretKey");
    for (i = 0; i < DS_SIGN_STOP_SCRATCH; i++)
        if (g_scratch[i] == 'x')
            break;
    for (; i > 0; i--)
        assert_int_equal(g_scratch[i - 1], 0);
}

static void malformed_credentials_are_refused(void **state)
{
    ds_sign_input_t in = vector3();
    static const char *const bad[][2] = {
        {"", "SecretKey"},    {"Access Key", "SecretKey"}, {"Access,Key", "S"},
        {"AccessKey", ""},    {"AccessKey", "Secret Key"}, {"AccessKey", "S\n"},
        {"Acc\xc3\xa9", "S"},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(ds_sign_valid_credentials(bad[i][0], bad[i][1]));
        assert_int_equal(ds_sign_authorization(&in, bad[i][0], bad[i][1],
                                               &test_crypto_mbedtls, g_scratch,
                                               sizeof g_scratch, g_auth,
                                               sizeof g_auth),
                         DS_SIGN_E_CREDENTIALS);
    }
    assert_false(ds_sign_valid_credentials(NULL, "S"));
    assert_false(ds_sign_valid_credentials("A", NULL));
    assert_true(ds_sign_valid_credentials(
        "QTWAOYTTINDUT2QVKYUC", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"));
}

static void each_half_of_the_credentials_is_checked_alone(void **state)
{
    char longest[DS_SIGN_AK_MAX + 2];
    (void)state;
    memset(longest, 'A', sizeof longest - 1);
    longest[DS_SIGN_AK_MAX] = '\0';
    assert_true(ds_sign_valid_ak(longest));
    assert_true(ds_sign_valid_sk(longest));
    longest[DS_SIGN_AK_MAX] = 'A';
    longest[DS_SIGN_AK_MAX + 1] = '\0';
    assert_false(ds_sign_valid_ak(longest));
    assert_false(ds_sign_valid_sk(longest));
    assert_true(ds_sign_valid_ak("QTWAOYTTINDUT2QVKYUC"));
    assert_false(ds_sign_valid_ak("QTWAOYTT+NDUT2QVKYUC"));
    assert_true(ds_sign_valid_sk("fw+Secret/Key~!"));
    assert_false(ds_sign_valid_sk("fw Secret"));
    assert_false(ds_sign_valid_ak(""));
    assert_false(ds_sign_valid_sk(""));
    assert_false(ds_sign_valid_ak(NULL));
    assert_false(ds_sign_valid_sk(NULL));
}

static void bad_inputs_are_argument_errors(void **state)
{
    ds_sign_input_t in;
    ds_crypto_t no_hmac = test_crypto_mbedtls;
    size_t len;
    (void)state;
    no_hmac.hmac_sha256 = NULL;
#define EXPECT_ARG(mutation)                                                   \
    do {                                                                       \
        in = vector3();                                                        \
        mutation;                                                              \
        assert_int_equal(ds_sign_canonical(&in, &test_crypto_mbedtls,          \
                                           g_scratch, sizeof g_scratch, &len), \
                         DS_SIGN_E_ARG);                                       \
    } while (0)
    EXPECT_ARG(in.method = "put");
    EXPECT_ARG(in.method = "");
    EXPECT_ARG(in.method = NULL);
    EXPECT_ARG(in.path = "v2/tasks");
    EXPECT_ARG(in.path = NULL);
    EXPECT_ARG(in.host = NULL);
    EXPECT_ARG(in.host = "evil.example\r\nX-Injected: 1");
    EXPECT_ARG(in.content_type = "application/json\n");
    EXPECT_ARG(in.sdk_date = "20250709T033628");
    EXPECT_ARG(in.sdk_date = NULL);
    EXPECT_ARG(in.body = NULL);
    in = vector3();
    assert_int_equal(ds_sign_canonical(NULL, &test_crypto_mbedtls, g_scratch,
                                       sizeof g_scratch, &len),
                     DS_SIGN_E_ARG);
    assert_int_equal(
        ds_sign_canonical(&in, NULL, g_scratch, sizeof g_scratch, &len),
        DS_SIGN_E_ARG);
    assert_int_equal(
        ds_sign_canonical(&in, &test_crypto_mbedtls, NULL, 100, &len),
        DS_SIGN_E_ARG);
    assert_int_equal(ds_sign_authorization(
                         &in, "AccessKey", "SecretKey", &no_hmac, g_scratch,
                         sizeof g_scratch, g_auth, sizeof g_auth),
                     DS_SIGN_E_ARG);
    assert_int_equal(ds_sign_authorization(&in, "AccessKey", "SecretKey",
                                           &test_crypto_mbedtls, g_scratch,
                                           sizeof g_scratch, NULL, 10),
                     DS_SIGN_E_ARG);
#undef EXPECT_ARG
}

static int g_fail_call; /* 1: sha256 fails on call 1, 2: on call 2, 3: hmac */
static int g_calls;

static int failing_sha256(void *ctx, const uint8_t *m, size_t n, uint8_t o[32])
{
    (void)ctx;
    if (++g_calls == g_fail_call)
        return -1;
    return test_crypto_mbedtls.sha256(NULL, m, n, o);
}

static int failing_hmac(void *ctx, const uint8_t *k, size_t kn,
                        const uint8_t *m, size_t n, uint8_t o[32])
{
    (void)ctx;
    if (++g_calls == g_fail_call)
        return -1;
    return test_crypto_mbedtls.hmac_sha256(NULL, k, kn, m, n, o);
}

static void crypto_failure_at_each_step_is_reported(void **state)
{
    const ds_crypto_t c = {NULL, failing_sha256, failing_hmac};
    ds_sign_input_t in = vector3();
    (void)state;
    for (g_fail_call = 1; g_fail_call <= 3; g_fail_call++) {
        g_calls = 0;
        assert_int_equal(ds_sign_authorization(&in, "AccessKey", "SecretKey",
                                               &c, g_scratch, sizeof g_scratch,
                                               g_auth, sizeof g_auth),
                         DS_SIGN_E_CRYPTO);
        assert_string_equal(g_auth, "");
    }
    g_fail_call = 4;
    g_calls = 0;
    assert_string_equal(
        signature(&in, "AccessKey", "SecretKey"),
        "b5c93d7624d15468f220aeee64d312dc9ba06053e5411f4487f2d5872574cee0");
}

static const char k_skew_msg[] =
    "Incorrect IAM authentication information: calc aksk signature "
    "fail:signature expired, signature time:20211217T064303Z,server "
    "time:20211217T065804Z";

static void skew_refusal_takes_server_time_from_date_header(void **state)
{
    int64_t t = 0;
    (void)state;
    assert_int_equal(ds_sign_skew_refused(401, k_skew_msg,
                                          "Sat, 28 Nov 2026 10:00:00 GMT", &t),
                     1);
    assert_true(t == INT64_C(1795860000));
}

static void skew_refusal_falls_back_to_server_time_in_message(void **state)
{
    int64_t t = 0;
    (void)state;
    assert_int_equal(ds_sign_skew_refused(401, k_skew_msg, NULL, &t), 1);
    assert_true(t == INT64_C(1639724284)); /* 2021-12-17T06:58:04Z */
    t = 0;
    assert_int_equal(ds_sign_skew_refused(401, k_skew_msg, "garbage", &t), 1);
    assert_true(t == INT64_C(1639724284));
}

static void other_auth_failures_are_not_skew(void **state)
{
    int64_t t = 0;
    const char *date = "Sat, 28 Nov 2026 10:00:00 GMT";
    (void)state;
    assert_int_equal(
        ds_sign_skew_refused(401, "verify aksk signature fail", date, &t), 0);
    assert_int_equal(ds_sign_skew_refused(403, k_skew_msg, date, &t), 0);
    assert_int_equal(ds_sign_skew_refused(401, "Signature Expired", NULL, &t),
                     0); /* no server time at all: nothing to correct with */
    assert_int_equal(ds_sign_skew_refused(401,
                                          "signature expired, server "
                                          "time:2021121",
                                          NULL, &t),
                     0);
    assert_int_equal(ds_sign_skew_refused(401, NULL, date, &t), 0);
    assert_int_equal(ds_sign_skew_refused(401, "signature expire", date, &t),
                     0);
    assert_true(t == 0);
    assert_int_equal(ds_sign_skew_refused(401, "SIGNATURE EXPIRED", date, &t),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vector1_canonical_request_is_exact),
        cmocka_unit_test(vector1_hash_and_signature_match_signing_guide),
        cmocka_unit_test(vector1_authorization_header_is_exact),
        cmocka_unit_test(vector2_get_without_content_type_matches_python_sdk),
        cmocka_unit_test(vector2_post_with_body_matches_python_sdk),
        cmocka_unit_test(vector3_stop_call_signature_matches),
        cmocka_unit_test(stop_path_is_slash_terminated_only_for_signing),
        cmocka_unit_test(reserved_unicode_duplicates_and_optional_headers),
        cmocka_unit_test(query_values_of_one_key_sort_by_value),
        cmocka_unit_test(query_sorts_by_decoded_bytes),
        cmocka_unit_test(query_lowercase_escapes_become_uppercase),
        cmocka_unit_test(query_broken_escape_is_a_literal_percent),
        cmocka_unit_test(empty_query_leaves_an_empty_line),
        cmocka_unit_test(empty_path_signs_as_root),
        cmocka_unit_test(path_already_ending_in_slash_gets_no_second_one),
        cmocka_unit_test(
            path_escapes_are_normalised_and_reserved_bytes_encoded),
        cmocka_unit_test(header_values_are_trimmed),
        cmocka_unit_test(stop_with_longest_host_fits_stop_scratch),
        cmocka_unit_test(scratch_too_small_is_a_clean_error_at_every_size),
        cmocka_unit_test(output_too_small_is_a_clean_error_at_every_size),
        cmocka_unit_test(longest_credentials_fit_auth_max),
        cmocka_unit_test(scratch_is_wiped_after_signing),
        cmocka_unit_test(malformed_credentials_are_refused),
        cmocka_unit_test(each_half_of_the_credentials_is_checked_alone),
        cmocka_unit_test(bad_inputs_are_argument_errors),
        cmocka_unit_test(crypto_failure_at_each_step_is_reported),
        cmocka_unit_test(skew_refusal_takes_server_time_from_date_header),
        cmocka_unit_test(skew_refusal_falls_back_to_server_time_in_message),
        cmocka_unit_test(other_auth_failures_are_not_skew),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
