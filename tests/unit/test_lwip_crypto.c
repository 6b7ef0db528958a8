/* The firmware's crypto hooks (port/lwip/crypto_sha256.c), built for the
 * host against the same Mbed TLS 3.6 API: RFC 4231 vectors, and agreement
 * with mbedtls_md_hmac for every key length around the block size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <mbedtls/md.h>

#include "../../port/lwip/crypto_sha256.c"

static ds_crypto_t cr;

static int setup(void **state)
{
    (void)state;
    ds_lwip_crypto(&cr);
    return 0;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static void assert_hmac(const uint8_t *key, size_t key_len, const char *msg,
                        const char *want)
{
    uint8_t mac[32];
    char got[65];
    assert_int_equal(cr.hmac_sha256(cr.ctx, key, key_len, (const uint8_t *)msg,
                                    strlen(msg), mac),
                     0);
    hex(mac, sizeof mac, got);
    assert_string_equal(got, want);
}

static void rfc4231_case1_short_key(void **state)
{
    uint8_t key[20];
    (void)state;
    memset(key, 0x0b, sizeof key);
    assert_hmac(
        key, sizeof key, "Hi There",
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

static void rfc4231_case2_text_key(void **state)
{
    (void)state;
    assert_hmac(
        (const uint8_t *)"Jefe", 4, "what do ya want for nothing?",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void rfc4231_case6_key_longer_than_a_block_is_hashed_first(void **state)
{
    uint8_t key[131];
    (void)state;
    memset(key, 0xaa, sizeof key);
    assert_hmac(
        key, sizeof key,
        "Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void sha256_of_abc_matches_fips_180(void **state)
{
    uint8_t h[32];
    char got[65];
    (void)state;
    assert_int_equal(cr.sha256(cr.ctx, (const uint8_t *)"abc", 3, h), 0);
    hex(h, sizeof h, got);
    assert_string_equal(
        got,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
hmac_agrees_with_mbedtls_md_hmac_for_keys_of_0_to_200_bytes(void **state)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    uint8_t key[200], msg[300], ours[32], ref[32];
    size_t k, i;
    (void)state;
    for (i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(i * 37u + 11u);
    for (i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 101u + 3u);
    for (k = 0; k <= sizeof key; k++) {
        size_t mlen = (k * 7u) % sizeof msg;
        assert_int_equal(cr.hmac_sha256(cr.ctx, key, k, msg, mlen, ours), 0);
        assert_int_equal(mbedtls_md_hmac(md, key, k, msg, mlen, ref), 0);
        assert_memory_equal(ours, ref, sizeof ref);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(rfc4231_case1_short_key, setup),
        cmocka_unit_test_setup(rfc4231_case2_text_key, setup),
        cmocka_unit_test_setup(
            rfc4231_case6_key_longer_than_a_block_is_hashed_first, setup),
        cmocka_unit_test_setup(sha256_of_abc_matches_fips_180, setup),
        cmocka_unit_test_setup(
            hmac_agrees_with_mbedtls_md_hmac_for_keys_of_0_to_200_bytes, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
