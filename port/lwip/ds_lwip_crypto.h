/*
 * ds_crypto_t for the firmware (AK/SK signing): SHA-256 and HMAC-SHA256
 * over mbedTLS's sha256 module. Depends on nothing of lwIP, so the host's
 * unit tests check it against RFC 4231 and mbedTLS's own HMAC.
 */
#ifndef DS_LWIP_CRYPTO_H
#define DS_LWIP_CRYPTO_H

#include "ds_transport.h"

/* Fill `crypto` (ctx NULL). Both hooks return 0, or -1 when mbedTLS
 * fails; neither allocates. */
void ds_lwip_crypto(ds_crypto_t *crypto);

#endif /* DS_LWIP_CRYPTO_H */
