/*
 * deploystop transport and platform interfaces.
 *
 * The core never touches a socket, a TLS library, a clock or a random
 * source directly: a port fills these structs. Modelled on coreHTTP's
 * TransportInterface: function pointers plus an opaque context the port owns.
 *
 * Threading: one stop at a time per transport context; the core calls these
 * functions only from the thread (or main loop) that called ds_stop().
 */
#ifndef DS_TRANSPORT_H
#define DS_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ds_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Transport error codes: every transport function returns one of these (or,
 * for send/recv, a positive byte count). */
#define DS_TR_OK 0
#define DS_TR_ERR_RESOLVE (-1)    /* host name did not resolve */
#define DS_TR_ERR_CONNECT (-2)    /* TCP connect refused, unreachable, reset */
#define DS_TR_ERR_TLS (-3)        /* TLS handshake or record-layer failure */
#define DS_TR_ERR_TLS_VERIFY (-4) /* certificate chain or host name rejected */
#define DS_TR_ERR_TIMEOUT (-5)    /* nothing happened before timeout_ms */
#define DS_TR_ERR_IO (-6)         /* connection reset or broken after connect */
#define DS_TR_ERR_NOMEM (-7)      /* port ran out of its static pools */
#define DS_TR_ERR_ARG (-8)        /* bad argument or call out of order */

typedef struct ds_transport {
    /* Opaque port state, owned by the caller; passed back to every call. */
    void *ctx;

    /*
     * Resolve `host` (NUL-terminated DNS name or IP literal, IPv6 without
     * brackets), connect TCP to `port`, and when `use_tls` is non-zero run
     * the TLS handshake with SNI = host, verifying the chain and the host
     * name. Must give up after `timeout_ms`.
     * Returns DS_TR_OK or DS_TR_ERR_{RESOLVE,CONNECT,TLS,TLS_VERIFY,TIMEOUT,
     * NOMEM,ARG}. On failure nothing application-level has been sent, and
     * the port has released what it opened (close is still allowed).
     */
    int (*connect)(void *ctx, const char *host, uint16_t port, int use_tls,
                   uint32_t timeout_ms);

    /*
     * Send up to `len` bytes of `buf` (borrowed for the call only).
     * Returns the number of bytes accepted (> 0; may be fewer than len, the
     * core loops), or DS_TR_ERR_{TIMEOUT,IO,TLS}. Never returns 0.
     * The port must not keep a copy of the bytes after they are sent: the
     * core passes secrets through here.
     */
    int32_t (*send)(void *ctx, const uint8_t *buf, size_t len,
                    uint32_t timeout_ms);

    /*
     * Receive up to `len` bytes into `buf` (caller's), waiting at most
     * `timeout_ms` for the first byte.
     * Returns the number of bytes received (> 0); 0 when the peer closed the
     * stream in order (TCP FIN or TLS close_notify); DS_TR_ERR_TIMEOUT when
     * nothing arrived in time; DS_TR_ERR_{IO,TLS} on failure.
     */
    int32_t (*recv)(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms);

    /* Close the connection and release everything connect() took. Safe to
     * call after a failed connect and more than once. */
    void (*close)(void *ctx);

    /*
     * Optional (NULL: the core never reuses a connection). Without
     * blocking: 1 when the connection is still open and the peer has sent
     * nothing since the last answer (no FIN, close_notify, reset or stray
     * byte pending); 0 otherwise. A kept-alive connection is reused only
     * when this says 1, so a request is never sent on a connection known
     * to be closed.
     */
    int (*alive)(void *ctx);
} ds_transport_t;

typedef struct ds_platform {
    /* Opaque platform state, owned by the caller. */
    void *ctx;

    /* Monotonic milliseconds; wraps at 2^32 (the core only subtracts). */
    uint32_t (*now_ms)(void *ctx);

    /* Wait `ms` milliseconds (backoff between attempts). A firmware port
     * keeps its network stack running while it waits. */
    void (*sleep_ms)(void *ctx, uint32_t ms);

    /* Uniform random 32 bits for retry jitter. May be NULL: no jitter. */
    uint32_t (*random_u32)(void *ctx);

    /* Wall clock, seconds since 1970-01-01 UTC. Returns 0 on success, < 0
     * when the platform has no trustworthy time. May be NULL (no clock). */
    int (*unix_time)(void *ctx, int64_t *seconds);
} ds_platform_t;

/*
 * Crypto hooks for AK/SK signing (SDK-HMAC-SHA256). A port implements them
 * (with mbedTLS on both ports). Each returns 0 on success, < 0 on failure.
 * Inputs are borrowed for the call; implementations must wipe their own
 * copies of `key`.
 */
typedef struct ds_crypto {
    void *ctx;
    int (*sha256)(void *ctx, const uint8_t *msg, size_t len, uint8_t out[32]);
    int (*hmac_sha256)(void *ctx, const uint8_t *key, size_t key_len,
                       const uint8_t *msg, size_t len, uint8_t out[32]);
} ds_crypto_t;

/*
 * TLS session resumption (optional; the TLS ports: port/lwip, port/posix).
 *
 * A slot the CALLER owns and hands to a port (ds_lwip_conn_t.session,
 * ds_posix_set_session). After each full handshake (and each TLS 1.3
 * ticket) the port writes the session into the slot; the next connect
 * offers it, and a resumed TLS 1.2 handshake does no public-key operation
 * (no certificate, no key exchange, no signature). A server that has
 * forgotten the ticket or the session id just answers with a full
 * handshake: nothing to do for the caller.
 *
 * `key` binds the session to the host name, the port and the trusted CAs it
 * was verified against (SHA-256 over the three); the port offers a session
 * only when the key of the new connection is equal, so a session is never
 * offered to another host, another port, or after the trust anchors
 * changed. `len` is 0 when the slot is empty: a zeroed slot is an empty one.
 *
 * Ownership: the storage is the caller's for the slot's whole life (keep it
 * static); the port reads and writes it only inside connect (and recv, for
 * TLS 1.3 tickets) and keeps no pointer into `data` after the call. `data`
 * is Mbed TLS's mbedtls_ssl_session_save() output and holds the session's
 * master secret (TLS 1.2) or resumption key (TLS 1.3) UNPROTECTED: keep it
 * in RAM, never log or persist it, and wipe the slot when it is given up
 * (ds_tls_session_clear). Not shareable between threads or connections in
 * flight.
 */
typedef struct ds_tls_session {
    uint8_t key[32]; /* the port's: host, port, trust anchors */
    uint16_t len;    /* bytes of data in use; 0: empty */
    uint8_t data[DS_TLS_SESSION_MAX]; /* the serialized session */
} ds_tls_session_t;

/* Empty the slot and wipe what it held (also declared in the ports'
 * libraries: it needs no TLS library). */
void ds_tls_session_clear(ds_tls_session_t *slot);

#ifdef __cplusplus
}
#endif

#endif /* DS_TRANSPORT_H */
