/* Shared between the files of port/lwip; not for users of the port. */
#ifndef DS_LWIP_INTERNAL_H
#define DS_LWIP_INTERNAL_H

#include "ds_lwip.h"

extern ds_lwip_hooks_t ds_lwip_hooks;

/* tls_guard.c: follow one TLS connection's mbedTLS context. */
void ds_tls_guard_watch(void *ssl, ds_lwip_conn_t *conn);
void ds_tls_guard_forget(void);
/* Verification policy on `ssl`: chain required; host name (DNS names through
 * mbedTLS, IP literals here); dates only with a wall clock. 0 on success. */
int ds_tls_guard_setup(void *ssl, ds_lwip_conn_t *conn, const char *host);

#endif /* DS_LWIP_INTERNAL_H */
