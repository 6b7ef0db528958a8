/*
 * The caller's TLS session slot (ds_transport.h) over Mbed TLS 3.6's
 * session export: mbedtls_ssl_get_session + mbedtls_ssl_session_save after
 * a handshake, mbedtls_ssl_session_load + mbedtls_ssl_set_session before the
 * next one. The session structure used on the way lives on the stack; Mbed
 * TLS copies the ticket it holds into its own memory (the arena on the
 * firmware) and frees it with the connection.
 */
#include <string.h>

#include "ds_tls_session_port.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/sha256.h"

static const char label[] = "deploystop tls session v1";

void ds_tls_session_clear(ds_tls_session_t *slot)
{
    if (slot != NULL) {
        mbedtls_platform_zeroize(slot, sizeof *slot);
    }
}

int ds_tls_session_key(uint8_t key[32], const char *host, uint16_t port,
                       const mbedtls_x509_crt *ca)
{
    mbedtls_sha256_context sha;
    const unsigned char sep[3] = {0u, (unsigned char)(port >> 8),
                                  (unsigned char)(port & 0xffu)};
    int ret;
    mbedtls_sha256_init(&sha);
    ret = mbedtls_sha256_starts(&sha, 0);
    if (ret == 0) {
        ret = mbedtls_sha256_update(&sha, (const unsigned char *)label,
                                    sizeof label);
    }
    if (ret == 0) {
        ret = mbedtls_sha256_update(&sha, (const unsigned char *)host,
                                    strlen(host));
    }
    if (ret == 0) {
        ret = mbedtls_sha256_update(&sha, sep, sizeof sep);
    }
    for (; ret == 0 && ca != NULL && ca->raw.p != NULL; ca = ca->next) {
        ret = mbedtls_sha256_update(&sha, ca->raw.p, ca->raw.len);
    }
    if (ret == 0) {
        ret = mbedtls_sha256_finish(&sha, key);
    }
    mbedtls_sha256_free(&sha);
    return ret;
}

static int key_equal(const uint8_t a[32], const uint8_t b[32])
{
    uint8_t diff = 0;
    size_t i;
    for (i = 0; i < 32u; i++) {
        diff |= (uint8_t)(a[i] ^ b[i]);
    }
    return diff == 0u;
}

int ds_tls_session_offer(ds_tls_session_t *slot, mbedtls_ssl_context *ssl,
                         const uint8_t key[32])
{
    mbedtls_ssl_session s;
    int ret;
    if (slot == NULL || slot->len == 0u || slot->len > sizeof slot->data ||
        !key_equal(slot->key, key)) {
        return 0;
    }
    mbedtls_ssl_session_init(&s);
    ret = mbedtls_ssl_session_load(&s, slot->data, slot->len);
    if (ret == 0) {
        ret = mbedtls_ssl_set_session(ssl, &s);
    }
    mbedtls_ssl_session_free(&s); /* zeroizes the master secret copy */
    if (ret != 0) {
        ds_tls_session_clear(slot);
        return 0;
    }
    return 1;
}

int ds_tls_session_keep(ds_tls_session_t *slot, const mbedtls_ssl_context *ssl,
                        const uint8_t key[32])
{
    mbedtls_ssl_session s;
    size_t olen = 0;
    int ret;
    if (slot == NULL) {
        return -1;
    }
    mbedtls_ssl_session_init(&s);
    ret = mbedtls_ssl_get_session(ssl, &s);
    if (ret == 0) {
        ret =
            mbedtls_ssl_session_save(&s, slot->data, sizeof slot->data, &olen);
    }
    mbedtls_ssl_session_free(&s);
    if (ret != 0 || olen == 0u || olen > 0xffffu) {
        ds_tls_session_clear(slot);
        return ret != 0 ? ret : -1;
    }
    memcpy(slot->key, key, 32u);
    slot->len = (uint16_t)olen;
    return 0;
}
