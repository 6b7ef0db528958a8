/*
 * SHA-256 and HMAC-SHA256 for ds_crypto_t (see ds_lwip_crypto.h).
 *
 * HMAC is built here from two SHA-256 passes (RFC 2104) instead of
 * mbedtls_md_hmac, which callocs its key pads: the firmware's stop path
 * allocates nothing, and the pads (a function of the secret key) live on
 * this frame only and are wiped before it returns.
 */
#include "ds_lwip_crypto.h"

#include <string.h>

#include "mbedtls/platform_util.h"
#include "mbedtls/sha256.h"

#define BLOCK 64u

static int sha256(void *ctx, const uint8_t *msg, size_t len, uint8_t out[32])
{
    (void)ctx;
    return mbedtls_sha256(msg, len, out, 0) == 0 ? 0 : -1;
}

/* One SHA-256 of pad (a block) followed by msg. */
static int padded_hash(mbedtls_sha256_context *c, const uint8_t pad[BLOCK],
                       const uint8_t *msg, size_t len, uint8_t out[32])
{
    return mbedtls_sha256_starts(c, 0) != 0 ||
                   mbedtls_sha256_update(c, pad, BLOCK) != 0 ||
                   mbedtls_sha256_update(c, msg, len) != 0 ||
                   mbedtls_sha256_finish(c, out) != 0
               ? -1
               : 0;
}

static int hmac_sha256(void *ctx, const uint8_t *key, size_t key_len,
                       const uint8_t *msg, size_t len, uint8_t out[32])
{
    mbedtls_sha256_context c;
    uint8_t pad[BLOCK];
    uint8_t inner[32];
    size_t i;
    int rc = 0;
    (void)ctx;

    /* A key longer than a block is replaced by its hash (RFC 2104). */
    memset(pad, 0, sizeof pad);
    if (key_len > BLOCK)
        rc = mbedtls_sha256(key, key_len, pad, 0);
    else if (key_len)
        memcpy(pad, key, key_len);
    mbedtls_sha256_init(&c);
    for (i = 0; i < BLOCK; i++)
        pad[i] ^= 0x36u;
    if (rc == 0)
        rc = padded_hash(&c, pad, msg, len, inner);
    for (i = 0; i < BLOCK; i++)
        pad[i] ^= 0x36u ^ 0x5cu;
    if (rc == 0)
        rc = padded_hash(&c, pad, inner, sizeof inner, out);
    mbedtls_sha256_free(&c);
    mbedtls_platform_zeroize(pad, sizeof pad);
    mbedtls_platform_zeroize(inner, sizeof inner);
    return rc == 0 ? 0 : -1;
}

void ds_lwip_crypto(ds_crypto_t *crypto)
{
    crypto->ctx = NULL;
    crypto->sha256 = sha256;
    crypto->hmac_sha256 = hmac_sha256;
}
