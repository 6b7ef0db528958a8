/*
 * TLS session resumption for the ports that run Mbed TLS 3.6 (port/lwip,
 * port/posix): the caller's ds_tls_session_t slot (ds_transport.h) filled
 * from and offered to an Mbed TLS client context. Internal to the ports.
 */
#ifndef DS_TLS_SESSION_PORT_H
#define DS_TLS_SESSION_PORT_H

#include <stdint.h>

#include "ds_transport.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

/* The slot key of a connection: SHA-256 over a label, the host name, the
 * port and the DER of every trusted CA. 0, or an Mbed TLS error. */
int ds_tls_session_key(uint8_t key[32], const char *host, uint16_t port,
                       const mbedtls_x509_crt *ca);

/* On a set-up context before its handshake: offer the slot's session when
 * the slot holds one under `key`. 1 offered, 0 not (empty slot, other key,
 * or a session Mbed TLS would not load: the slot is emptied then). Never
 * fails the connection. */
int ds_tls_session_offer(ds_tls_session_t *slot, mbedtls_ssl_context *ssl,
                         const uint8_t key[32]);

/* After a completed handshake (or a TLS 1.3 NewSessionTicket): keep the
 * connection's session in the slot under `key`. 0 kept; otherwise the slot
 * is emptied (a session too big for it, or none to export). */
int ds_tls_session_keep(ds_tls_session_t *slot, const mbedtls_ssl_context *ssl,
                        const uint8_t key[32]);

#endif /* DS_TLS_SESSION_PORT_H */
