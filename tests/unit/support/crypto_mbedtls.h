/* ds_crypto_t for unit tests, backed by mbedTLS (libmbedcrypto). */
#ifndef CRYPTO_MBEDTLS_H
#define CRYPTO_MBEDTLS_H

#include "ds_transport.h"

/* The hooks; ctx is unused. */
extern const ds_crypto_t test_crypto_mbedtls;

/* Lower-case hex SHA-256 of `len` bytes into out (65 bytes with NUL). */
void test_sha256_hex(const void *data, size_t len, char out[65]);

#endif /* CRYPTO_MBEDTLS_H */
