/*
 * The ports' TLS session slot (port/tls/tls_session.c): the key binds a
 * session to host, port and CA; a session is offered only under its own key;
 * a slot that cannot be used is emptied and wiped. (Resumption itself is
 * tested end to end: tests/e2e/test_tls_e2e.py, tests/firmware.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../port/tls/tls_session.c"

/* Two self-signed certificates' worth of DER is not needed: the key hashes
 * each CA's raw DER, so fake chains with raw bytes set are enough. */
static void fake_ca(mbedtls_x509_crt *crt, unsigned char *der, size_t len)
{
    mbedtls_x509_crt_init(crt);
    crt->raw.p = der;
    crt->raw.len = len;
}

static void key_depends_on_host_port_and_ca(void **state)
{
    unsigned char der_a[] = {0x30, 0x03, 0x01, 0x02, 0x03};
    unsigned char der_b[] = {0x30, 0x03, 0x01, 0x02, 0x04};
    mbedtls_x509_crt ca_a, ca_b;
    uint8_t k[6][32];
    int i, j;
    (void)state;
    fake_ca(&ca_a, der_a, sizeof der_a);
    fake_ca(&ca_b, der_b, sizeof der_b);
    assert_int_equal(ds_tls_session_key(k[0], "api.example", 443, &ca_a), 0);
    assert_int_equal(ds_tls_session_key(k[1], "api.example", 443, &ca_a), 0);
    assert_int_equal(ds_tls_session_key(k[2], "api.example.", 443, &ca_a), 0);
    assert_int_equal(ds_tls_session_key(k[3], "api.example", 8443, &ca_a), 0);
    assert_int_equal(ds_tls_session_key(k[4], "api.example", 443, &ca_b), 0);
    assert_int_equal(ds_tls_session_key(k[5], "127.0.0.1", 443, &ca_a), 0);
    assert_memory_equal(k[0], k[1], 32);
    for (i = 1; i < 6; i++) {
        for (j = i + 1; j < 6; j++) {
            assert_memory_not_equal(k[i], k[j], 32);
        }
    }
}

static void other_key_is_never_offered_and_slot_kept(void **state)
{
    static ds_tls_session_t slot;
    uint8_t other[32];
    (void)state;
    memset(slot.key, 0x11, sizeof slot.key);
    memset(slot.data, 0x5a, 100);
    slot.len = 100;
    memset(other, 0x22, sizeof other);
    /* The key is checked before the context is touched: NULL is safe. */
    assert_int_equal(ds_tls_session_offer(&slot, NULL, other), 0);
    assert_int_equal(slot.len, 100);
    memset(other, 0x11, 31);
    other[31] = 0x12; /* differs in the last byte only */
    assert_int_equal(ds_tls_session_offer(&slot, NULL, other), 0);
    assert_int_equal(slot.len, 100);
}

static void empty_or_missing_slot_offers_nothing(void **state)
{
    static ds_tls_session_t slot;
    uint8_t key[32] = {0};
    (void)state;
    assert_int_equal(ds_tls_session_offer(NULL, NULL, key), 0);
    assert_int_equal(ds_tls_session_offer(&slot, NULL, key),
                     0); /* zeroed: empty */
}

static void unloadable_session_is_dropped_and_wiped(void **state)
{
    static ds_tls_session_t slot;
    static const uint8_t zero[DS_TLS_SESSION_MAX];
    (void)state;
    memset(slot.key, 0x33, sizeof slot.key);
    memset(slot.data, 0xa5, 64);
    slot.len = 64; /* not Mbed TLS's serialization */
    assert_int_equal(ds_tls_session_offer(&slot, NULL, slot.key), 0);
    assert_int_equal(slot.len, 0);
    assert_memory_equal(slot.data, zero, sizeof zero);
}

static void nothing_to_keep_empties_the_slot(void **state)
{
    static ds_tls_session_t slot;
    mbedtls_ssl_context ssl;
    uint8_t key[32];
    (void)state;
    memset(key, 0x44, sizeof key);
    memset(slot.data, 0x77, 10);
    slot.len = 10;
    mbedtls_ssl_init(&ssl); /* no handshake, no session */
    assert_true(ds_tls_session_keep(&slot, &ssl, key) != 0);
    assert_int_equal(slot.len, 0);
    assert_int_equal(slot.data[0], 0);
    mbedtls_ssl_free(&ssl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_depends_on_host_port_and_ca),
        cmocka_unit_test(other_key_is_never_offered_and_slot_kept),
        cmocka_unit_test(empty_or_missing_slot_offers_nothing),
        cmocka_unit_test(unloadable_session_is_dropped_and_wiped),
        cmocka_unit_test(nothing_to_keep_empties_the_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
