/* Shared between the files of port/lwip; not for users of the port. */
#ifndef DS_LWIP_INTERNAL_H
#define DS_LWIP_INTERNAL_H

#include <stddef.h>

#include "ds_lwip.h"
#include "mbedtls/ssl.h"

extern ds_lwip_hooks_t ds_lwip_hooks;

/* tls_platform.c: the board's entropy as Mbed TLS's CTR-DRBG source. */
int ds_tls_entropy(void *ctx, unsigned char *out, size_t len);

/* tls_guard.c: the verification policy. On the config: chain required,
 * dates only with a wall clock, IP literals matched against the
 * certificate's iPAddress entries. */
void ds_tls_policy(mbedtls_ssl_config *conf, ds_lwip_conn_t *conn);
/* On the connection: SNI + name check for DNS names, none for IP literals
 * (matched by the policy's callback). 0 or an Mbed TLS error. */
int ds_tls_set_host(mbedtls_ssl_context *ssl, ds_lwip_conn_t *conn,
                    const char *host);

#endif /* DS_LWIP_INTERNAL_H */
