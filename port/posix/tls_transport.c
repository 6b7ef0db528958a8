/*
 * The ds_transport_t of the POSIX port: TCP from tcp_connect.c, TLS 1.2 or
 * 1.3 from Mbed TLS 3.6 with the chain and the host name always verified.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE 1

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <psa/crypto.h>

#include "ds_tls_session_port.h"
#include "posix_net_internal.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* BSDs: SO_NOSIGPIPE is set on the socket instead */
#endif

/* GeneralName iPAddress, RFC 5280 4.2.1.6: context-specific tag 7. */
#define SAN_IP_TAG (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7)

static const char pers[] = "deploystop-posix";

#if !defined(MBEDTLS_SSL_PROTO_TLS1_2) || !defined(MBEDTLS_SSL_PROTO_TLS1_3)
#error "the host build offers TLS 1.2 and TLS 1.3 (mk/mbedtls.mk)"
#endif

/* Our order, not the library's: an OpenSSL server may take the client's
 * order, and X25519 is the fastest exchange Mbed TLS has in a one-shot
 * process (P-256's fixed-point table is rebuilt for every new group). The
 * first entry is also the TLS 1.3 key share sent in the ClientHello.
 * Nothing weak is offered. */
static const uint16_t groups[] = {
    MBEDTLS_SSL_IANA_TLS_GROUP_X25519, MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
    MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1, MBEDTLS_SSL_IANA_TLS_GROUP_SECP521R1,
    MBEDTLS_SSL_IANA_TLS_GROUP_NONE};

/* ---- socket callbacks for mbedTLS ---- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    ds_posix_net_t *net = ctx;
    for (;;) {
        ssize_t n = send(net->fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0) {
            return (int)n;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return MBEDTLS_ERR_SSL_WANT_WRITE;
        }
        if (errno == EPIPE || errno == ECONNRESET) {
            return MBEDTLS_ERR_NET_CONN_RESET;
        }
        return MBEDTLS_ERR_NET_SEND_FAILED;
    }
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    ds_posix_net_t *net = ctx;
    for (;;) {
        ssize_t n = recv(net->fd, buf, len, 0);
        if (n >= 0) {
            return (int)n;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return MBEDTLS_ERR_SSL_WANT_READ;
        }
        if (errno == ECONNRESET || errno == EPIPE) {
            return MBEDTLS_ERR_NET_CONN_RESET;
        }
        return MBEDTLS_ERR_NET_RECV_FAILED;
    }
}

/* An IP literal is not a valid SNI name (RFC 6066), so IP hosts give Mbed
 * TLS no name at all (mbedtls_ssl_set_hostname(NULL)) and the name is
 * checked here instead, against the certificate's iPAddress entries, byte
 * for byte. */
static int verify_ip_san(void *ctx, mbedtls_x509_crt *crt, int depth,
                         uint32_t *flags)
{
    const ds_posix_net_t *net = ctx;
    const mbedtls_x509_sequence *cur;
    if (depth != 0 || net->ip_len == 0) {
        return 0;
    }
    if (mbedtls_x509_crt_has_ext_type(crt, MBEDTLS_X509_EXT_SUBJECT_ALT_NAME)) {
        for (cur = &crt->subject_alt_names; cur != NULL; cur = cur->next) {
            if ((cur->buf.tag & (MBEDTLS_ASN1_TAG_CLASS_MASK |
                                 MBEDTLS_ASN1_TAG_VALUE_MASK)) == SAN_IP_TAG &&
                cur->buf.len == net->ip_len &&
                memcmp(cur->buf.p, net->ip, net->ip_len) == 0) {
                return 0;
            }
        }
    }
    *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    return 0;
}

/* ---- init / free ---- */

int ds_posix_net_init(ds_posix_net_t *net, const char *ca_file)
{
    int ret;
    const char *file = ca_file != NULL ? ca_file : DS_POSIX_DEFAULT_CA_FILE;

    memset(net, 0, sizeof *net);
    net->fd = -1;
    mbedtls_entropy_init(&net->entropy);
    mbedtls_ctr_drbg_init(&net->drbg);
    mbedtls_x509_crt_init(&net->ca);
    mbedtls_ssl_config_init(&net->conf);
    mbedtls_ssl_init(&net->ssl);

    /* Before mbedTLS opens it: a FIFO would block its fopen forever and a
     * directory ends in a misleading "Memory allocation failed". */
    ret = ds_posix_open_regular(file, O_RDONLY, 0);
    if (ret < 0) {
        if (ret == DS_POSIX_NOT_REGULAR) {
            ds_posix_set_error(net, "CA file %s is not a regular file", file);
        } else {
            ds_posix_set_error(net, "cannot open CA file %s: %s", file,
                               strerror(errno));
        }
        return DS_TR_ERR_ARG;
    }
    (void)close(ret);

    /* TLS 1.3 runs on PSA Crypto: process-wide and idempotent;
     * ds_posix_net_free releases it (one ds_posix_net_t per process). */
    if (psa_crypto_init() != PSA_SUCCESS) {
        ds_posix_set_error(net, "cannot initialise PSA Crypto");
        return DS_TR_ERR_TLS;
    }
    /* mbedtls_entropy_init's default source is the OS (getrandom on Linux,
     * /dev/urandom otherwise). */
    ret = mbedtls_ctr_drbg_seed(&net->drbg, mbedtls_entropy_func, &net->entropy,
                                (const unsigned char *)pers, sizeof pers - 1);
    if (ret != 0) {
        ds_posix_set_error(net, "cannot seed the random generator");
        ds_posix_append_mbedtls(net, ret);
        return DS_TR_ERR_TLS;
    }
    /* A positive result counts certificates mbedTLS could not parse; system
     * bundles carry a few. Usable as long as one loaded. */
    ret = mbedtls_x509_crt_parse_file(&net->ca, file);
    if (ret < 0 || net->ca.version == 0) {
        ds_posix_set_error(net, "cannot load CA certificates from %s", file);
        if (ret < 0) {
            ds_posix_append_mbedtls(net, ret);
        }
        return DS_TR_ERR_ARG;
    }
    ret = mbedtls_ssl_config_defaults(&net->conf, MBEDTLS_SSL_IS_CLIENT,
                                      MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) {
        ds_posix_set_error(net, "TLS configuration");
        ds_posix_append_mbedtls(net, ret);
        return DS_TR_ERR_TLS;
    }
    mbedtls_ssl_conf_authmode(&net->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&net->conf, &net->ca, NULL);
    mbedtls_ssl_conf_rng(&net->conf, mbedtls_ctr_drbg_random, &net->drbg);
    mbedtls_ssl_conf_verify(&net->conf, verify_ip_san, net);
    mbedtls_ssl_conf_groups(&net->conf, groups);
#if !defined(MBEDTLS_SSL_SESSION_TICKETS)
#error "session resumption needs MBEDTLS_SSL_SESSION_TICKETS (mk/mbedtls.mk)"
#endif
    /* Tickets for resumption (ds_posix_set_session): TLS 1.2's come with
     * the handshake; TLS 1.3's arrive after it, and mbedtls_ssl_read
     * reports each (MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) so that
     * net_recv can keep it. */
    mbedtls_ssl_conf_session_tickets(&net->conf,
                                     MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
        &net->conf, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
    /* TLS 1.2 at least; TLS 1.3 offered too (the library's maximum). */
    mbedtls_ssl_conf_min_tls_version(&net->conf, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(&net->conf, MBEDTLS_SSL_VERSION_TLS1_3);
    net->ready = 1;
    net->error[0] = '\0';
    return 0;
}

static void net_close(void *ctx);

void ds_posix_set_session(ds_posix_net_t *net, ds_tls_session_t *slot)
{
    net->session = slot;
}

/* Offer the caller's session when it was made for this host, port and CA
 * bundle. Cannot fail the connection: without it the handshake is full. */
static void offer_session(ds_posix_net_t *net, const char *host, uint16_t port)
{
    net->session_offered = 0;
    net->session_keyed =
        net->session != NULL &&
        ds_tls_session_key(net->session_key, host, port, &net->ca) == 0;
    if (net->session_keyed) {
        net->session_offered =
            ds_tls_session_offer(net->session, &net->ssl, net->session_key);
    }
}

/* Keep the connection's session (after the handshake; after each TLS 1.3
 * ticket). */
static void keep_session(ds_posix_net_t *net)
{
    if (net->session_keyed) {
        (void)ds_tls_session_keep(net->session, &net->ssl, net->session_key);
    }
}

/* A handshake that failed after offering a session: the session goes. */
static void drop_offered_session(ds_posix_net_t *net)
{
    if (net->session_offered) {
        ds_tls_session_clear(net->session);
        net->session_offered = 0;
    }
}

void ds_posix_net_free(ds_posix_net_t *net)
{
    net_close(net);
    mbedtls_ssl_free(&net->ssl);
    mbedtls_ssl_config_free(&net->conf);
    mbedtls_x509_crt_free(&net->ca);
    mbedtls_ctr_drbg_free(&net->drbg);
    mbedtls_entropy_free(&net->entropy);
    mbedtls_psa_crypto_free();
    net->ready = 0;
}

const char *ds_posix_net_error(const ds_posix_net_t *net)
{
    return net->error;
}

/* ---- transport functions ---- */

static void verify_failure_text(ds_posix_net_t *net, const char *host)
{
    char info[256];
    uint32_t flags = mbedtls_ssl_get_verify_result(&net->ssl);
    size_t i;
    int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
    if (n < 0) {
        info[0] = '\0';
    }
    /* One line for the CLI: mbedTLS separates the reasons with newlines. */
    for (i = 0; info[i] != '\0'; i++) {
        if (info[i] == '\n') {
            info[i] = info[i + 1] != '\0' ? ';' : '\0';
        }
    }
    ds_posix_set_error(net, "certificate of %s rejected: %s", host,
                       info[0] != '\0' ? info : "verification failed");
}

static int handshake(ds_posix_net_t *net, const char *host,
                     const ds_posix_deadline_t *dl)
{
    for (;;) {
        int ret = mbedtls_ssl_handshake(&net->ssl);
        if (ret == 0) {
            break;
        }
        if (ret == MBEDTLS_ERR_SSL_WANT_READ ||
            ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            int ready = ds_posix_wait_fd(
                net->fd, ret == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT,
                dl);
            if (ready == 0) {
                ds_posix_set_error(net, "TLS handshake with %s: timed out",
                                   host);
                return DS_TR_ERR_TIMEOUT;
            }
            if (ready < 0) {
                ds_posix_set_error(net, "poll: %s", strerror(errno));
                return DS_TR_ERR_TLS;
            }
            continue;
        }
        if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ||
            mbedtls_ssl_get_verify_result(&net->ssl) != 0) {
            verify_failure_text(net, host);
            ds_posix_append_mbedtls(net, ret);
            return DS_TR_ERR_TLS_VERIFY;
        }
        ds_posix_set_error(net, "TLS handshake with %s failed", host);
        ds_posix_append_mbedtls(net, ret);
        return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? DS_TR_ERR_NOMEM
                                                   : DS_TR_ERR_TLS;
    }
    /* VERIFY_REQUIRED already fails the handshake on any flag; checked again
     * so that no configuration slip can let a request out unverified. */
    if (mbedtls_ssl_get_verify_result(&net->ssl) != 0) {
        verify_failure_text(net, host);
        return DS_TR_ERR_TLS_VERIFY;
    }
    net->tls_done = 1;
    return DS_TR_OK;
}

static int net_connect(void *ctx, const char *host, uint16_t port, int use_tls,
                       uint32_t timeout_ms)
{
    ds_posix_net_t *net = ctx;
    ds_posix_deadline_t dl;
    struct in6_addr a6;
    struct in_addr a4;
    int rc;

    if (net == NULL || host == NULL || host[0] == '\0' ||
        (use_tls && !net->ready)) {
        return DS_TR_ERR_ARG;
    }
    net_close(net);
    net->error[0] = '\0';
    ds_posix_deadline_start(&dl, timeout_ms);

    net->ip_len = 0;
    if (inet_pton(AF_INET6, host, &a6) == 1) {
        memcpy(net->ip, &a6, 16);
        net->ip_len = 16;
    } else if (inet_pton(AF_INET, host, &a4) == 1) {
        memcpy(net->ip, &a4, 4);
        net->ip_len = 4;
    }

    rc = ds_posix_tcp_connect(net, host, port, &dl);
    if (rc != DS_TR_OK) {
        return rc;
    }
    net->use_tls = use_tls != 0;
    if (!net->use_tls) {
        return DS_TR_OK;
    }

    mbedtls_ssl_init(&net->ssl);
    net->tls_open = 1;
    rc = mbedtls_ssl_setup(&net->ssl, &net->conf);
    if (rc != 0) {
        ds_posix_set_error(net, "TLS setup");
        ds_posix_append_mbedtls(net, rc);
        net_close(net);
        return rc == MBEDTLS_ERR_SSL_ALLOC_FAILED ? DS_TR_ERR_NOMEM
                                                  : DS_TR_ERR_TLS;
    }
    /* A DNS name is both the SNI and the name the certificate must carry;
     * IP literals get neither (RFC 6066 forbids them in SNI) and are
     * checked by verify_ip_san. Mbed TLS 3.6.3+ refuses to verify a server
     * when no name was set: NULL says on purpose that we match it. */
    {
        rc =
            mbedtls_ssl_set_hostname(&net->ssl, net->ip_len == 0 ? host : NULL);
        if (rc != 0) {
            ds_posix_set_error(net, "TLS host name %s", host);
            ds_posix_append_mbedtls(net, rc);
            net_close(net);
            return DS_TR_ERR_ARG;
        }
    }
    mbedtls_ssl_set_bio(&net->ssl, net, bio_send, bio_recv, NULL);
    offer_session(net, host, port);
    rc = handshake(net, host, &dl);
    if (rc != DS_TR_OK) {
        drop_offered_session(net);
        net_close(net);
        return rc;
    }
    /* TLS 1.2: the session (and its ticket) is complete now. TLS 1.3: a
     * session is resumable only with a ticket, which arrives after the
     * handshake: kept from net_recv then. */
    if (mbedtls_ssl_get_version_number(&net->ssl) ==
        MBEDTLS_SSL_VERSION_TLS1_2) {
        keep_session(net);
    }
    return DS_TR_OK;
}

static int32_t net_send(void *ctx, const uint8_t *buf, size_t len,
                        uint32_t timeout_ms)
{
    ds_posix_net_t *net = ctx;
    ds_posix_deadline_t dl;

    if (net == NULL || buf == NULL || len == 0 || net->fd < 0) {
        return DS_TR_ERR_ARG;
    }
    if (len > 0x10000u) {
        len = 0x10000u; /* the return type is int32_t; the core loops */
    }
    ds_posix_deadline_start(&dl, timeout_ms);
    for (;;) {
        short wait_for = POLLOUT;
        int ready;
        if (net->use_tls) {
            int ret = mbedtls_ssl_write(&net->ssl, buf, len);
            if (ret > 0) {
                return ret;
            }
            if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
                wait_for = POLLIN;
            } else if (ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
                ds_posix_set_error(net, "TLS send failed");
                ds_posix_append_mbedtls(net, ret);
                return ret == MBEDTLS_ERR_NET_CONN_RESET ||
                               ret == MBEDTLS_ERR_NET_SEND_FAILED
                           ? DS_TR_ERR_IO
                           : DS_TR_ERR_TLS;
            }
        } else {
            ssize_t n = send(net->fd, buf, len, MSG_NOSIGNAL);
            if (n > 0) {
                return (int32_t)n;
            }
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                errno != EINTR) {
                ds_posix_set_error(net, "send: %s", strerror(errno));
                return DS_TR_ERR_IO;
            }
        }
        ready = ds_posix_wait_fd(net->fd, wait_for, &dl);
        if (ready == 0) {
            ds_posix_set_error(net, "send: timed out");
            return DS_TR_ERR_TIMEOUT;
        }
        if (ready < 0) {
            ds_posix_set_error(net, "poll: %s", strerror(errno));
            return DS_TR_ERR_IO;
        }
    }
}

/* Mark "nothing yet, wait on the socket" and "read again at once" for the
 * read helpers. */
#define RECV_AGAIN INT32_MIN
#define RECV_RETRY (INT32_MIN + 1)

/* One TLS read: bytes, 0 at the end of the stream, an error, or
 * RECV_AGAIN with *wait_for set. */
static int32_t tls_read_once(ds_posix_net_t *net, uint8_t *buf, size_t len,
                             short *wait_for)
{
    int ret = mbedtls_ssl_read(&net->ssl, buf, len);
    if (ret > 0) {
        return ret;
    }
    /* A close without close_notify is taken as the end of the stream too:
     * the HTTP parser decides whether the message was complete, and a cut
     * JSON body can never pass as a confirmed stop. */
    if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
        ret == MBEDTLS_ERR_SSL_CONN_EOF) {
        net->peer_closed = 1;
        return 0;
    }
    if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
        keep_session(net); /* TLS 1.3: the newest ticket wins */
        return RECV_RETRY;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        *wait_for = ret == MBEDTLS_ERR_SSL_WANT_WRITE ? POLLOUT : POLLIN;
        return RECV_AGAIN;
    }
    if (ret == MBEDTLS_ERR_NET_CONN_RESET ||
        ret == MBEDTLS_ERR_NET_RECV_FAILED) {
        ds_posix_set_error(net, "connection reset by the server");
        ds_posix_append_mbedtls(net, ret);
        return DS_TR_ERR_IO;
    }
    ds_posix_set_error(net, "TLS receive failed");
    ds_posix_append_mbedtls(net, ret);
    return DS_TR_ERR_TLS;
}

/* One plain TCP read, the same way. */
static int32_t tcp_read_once(ds_posix_net_t *net, uint8_t *buf, size_t len)
{
    ssize_t n = recv(net->fd, buf, len, 0);
    if (n > 0) {
        return (int32_t)n;
    }
    if (n == 0) {
        net->peer_closed = 1;
        return 0;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        ds_posix_set_error(net, "receive: %s", strerror(errno));
        return DS_TR_ERR_IO;
    }
    return RECV_AGAIN;
}

static int32_t net_recv(void *ctx, uint8_t *buf, size_t len,
                        uint32_t timeout_ms)
{
    ds_posix_net_t *net = ctx;
    ds_posix_deadline_t dl;

    if (net == NULL || buf == NULL || len == 0 || net->fd < 0) {
        return DS_TR_ERR_ARG;
    }
    if (net->peer_closed) {
        return 0;
    }
    if (len > 0x10000u) {
        len = 0x10000u;
    }
    ds_posix_deadline_start(&dl, timeout_ms);
    for (;;) {
        short wait_for = POLLIN;
        int ready;
        int32_t got = net->use_tls ? tls_read_once(net, buf, len, &wait_for)
                                   : tcp_read_once(net, buf, len);
        if (got == RECV_RETRY) {
            continue;
        }
        if (got != RECV_AGAIN) {
            return got;
        }
        ready = ds_posix_wait_fd(net->fd, wait_for, &dl);
        if (ready == 0) {
            ds_posix_set_error(net, "receive: no data within %u ms",
                               (unsigned)timeout_ms);
            return DS_TR_ERR_TIMEOUT;
        }
        if (ready < 0) {
            ds_posix_set_error(net, "poll: %s", strerror(errno));
            return DS_TR_ERR_IO;
        }
    }
}

static void net_close(void *ctx)
{
    ds_posix_net_t *net = ctx;
    if (net == NULL) {
        return;
    }
    if (net->tls_open) {
        if (net->tls_done && !net->peer_closed && net->fd >= 0) {
            /* One non-blocking attempt: the alert is tiny and goes straight
             * into the socket buffer; a dead peer must not delay us. */
            (void)mbedtls_ssl_close_notify(&net->ssl);
        }
        /* mbedtls_ssl_free (3.6) zeroizes the input and output record
         * buffers before freeing them: the token passed through the output
         * one. */
        mbedtls_ssl_free(&net->ssl);
        mbedtls_ssl_init(&net->ssl);
        net->tls_open = 0;
    }
    if (net->fd >= 0) {
        (void)close(net->fd);
        net->fd = -1;
    }
    net->tls_done = 0;
    net->peer_closed = 0;
    net->use_tls = 0;
}

/* Without blocking: still open, and the server has sent nothing since the
 * last answer. Anything readable now (FIN, reset, a close_notify, a stray
 * byte) or buffered inside TLS means the connection is not to be reused. */
static int net_alive(void *ctx)
{
    ds_posix_net_t *net = ctx;
    struct pollfd p;
    if (net == NULL || net->fd < 0 || net->peer_closed ||
        (net->use_tls && !net->tls_done)) {
        return 0;
    }
    if (net->use_tls && mbedtls_ssl_get_bytes_avail(&net->ssl) > 0) {
        return 0;
    }
    p.fd = net->fd;
    p.events = POLLIN;
    p.revents = 0;
    return poll(&p, 1, 0) == 0;
}

void ds_posix_transport(ds_posix_net_t *net, ds_transport_t *tr)
{
    tr->ctx = net;
    tr->connect = net_connect;
    tr->send = net_send;
    tr->recv = net_recv;
    tr->close = net_close;
    tr->alive = net_alive;
}
