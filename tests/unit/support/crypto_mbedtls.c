/* Mbed TLS 3.6 implementation of the crypto hooks for the unit tests. */
#include "crypto_mbedtls.h"

#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <stdio.h>

static int sha256(void *ctx, const uint8_t *msg, size_t len, uint8_t out[32])
{
    (void)ctx;
    return mbedtls_sha256(msg, len, out, 0) ? -1 : 0;
}

static int hmac_sha256(void *ctx, const uint8_t *key, size_t key_len,
                       const uint8_t *msg, size_t len, uint8_t out[32])
{
    (void)ctx;
    return mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key,
                           key_len, msg, len, out)
               ? -1
               : 0;
}

const ds_crypto_t test_crypto_mbedtls = {NULL, sha256, hmac_sha256};

void test_sha256_hex(const void *data, size_t len, char out[65])
{
    uint8_t h[32];
    int i;

    mbedtls_sha256((const unsigned char *)data, len, h, 0);
    for (i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}
