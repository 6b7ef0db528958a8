/*
 * ds_transport_t over lwIP's raw TCP API, plain or with TLS from Mbed TLS
 * 3.6 driven directly (no altcp: lwIP 2.2.1's altcp_tls_mbedtls supports
 * the 2.x branch only). Every blocking call pumps the board's hook until its
 * condition or its timeout: the board never needs threads.
 *
 * Data path: TCP segments queue in `rx` as lwIP hands them up (ciphertext
 * with TLS, plaintext without); Mbed TLS pulls them through bio_recv into
 * its record buffer, which frees each pbuf and reopens the TCP window at
 * once. Mbed TLS's records go out through bio_send (tcp_write, copied).
 * So every Mbed TLS outcome is seen here: close_notify ends the stream,
 * any other read error fails the call at once, and a verify failure is
 * told apart from other handshake errors.
 */
#include <stdint.h>
#include <string.h>

#include "ds_lwip_internal.h"
#include "ds_tls_session_port.h"
#include "lwip/dns.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#if defined(MBEDTLS_PSA_CRYPTO_C)
#include "psa/crypto.h"
#endif

/* One connection at a time: the TLS contexts are static. Their buffers
 * (the 16 KB input record, the certificates) come from the arena. */
typedef struct ds_tls {
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_ctr_drbg_context drbg;
} ds_tls_t;

/* A connection's resumption bookkeeping: on tr_connect's stack, so the
 * only static RAM resumption takes is the caller's slot. */
typedef struct tls_resume {
    uint8_t key[32]; /* host, port, CA: ds_tls_session_key */
    int keyed;       /* key is this connection's */
    int offered;     /* the slot's session was offered */
} tls_resume_t;

static ds_tls_t tls;

#if !defined(MBEDTLS_SSL_PROTO_TLS1_3)
/* A full TLS 1.2 AES-GCM record (5-byte header, 8-byte explicit nonce,
 * 16-byte tag) is exactly one full TCP segment. */
_Static_assert(MBEDTLS_SSL_OUT_CONTENT_LEN + 5 + 8 + 16 == TCP_MSS,
               "a full record we send fills one full segment");
#endif

static const char pers[] = "deploystop-lwip";

static uint32_t now(void)
{
    return ds_lwip_hooks.now_ms();
}

static int expired(uint32_t start, uint32_t timeout_ms)
{
    return (uint32_t)(now() - start) >= timeout_ms;
}

void ds_lwip_wait(uint32_t ms)
{
    uint32_t start = now();
    while (!expired(start, ms)) {
        ds_lwip_hooks.pump();
    }
}

static struct tcp_pcb *pcb_of(ds_lwip_conn_t *c)
{
    return (struct tcp_pcb *)c->pcb;
}

static void tls_free(ds_lwip_conn_t *c)
{
    if (!c->tls_open) {
        return;
    }
    /* mbedtls_ssl_free zeroizes both record buffers before freeing them:
     * the token passed through the output one. */
    mbedtls_ssl_free(&tls.ssl);
    mbedtls_ssl_config_free(&tls.conf);
    mbedtls_x509_crt_free(&tls.ca);
    mbedtls_ctr_drbg_free(&tls.drbg);
    c->tls_open = 0;
    c->tls_done = 0;
}

static void release(ds_lwip_conn_t *c)
{
    struct tcp_pcb *pcb = pcb_of(c);
    if (c->tls_open && c->tls_done && pcb != NULL && !c->peer_closed &&
        !c->fin && c->failed == 0) {
        /* One attempt: the alert is tiny and goes into the send queue; a
         * dead peer must not delay us. */
        (void)mbedtls_ssl_close_notify(&tls.ssl);
    }
    tls_free(c);
    pcb = pcb_of(c); /* a failing send may have lost it */
    if (pcb != NULL) {
        if (c->rx != NULL) {
            /* Unread data is dropped, not refused: a close, not a reset. */
            tcp_recved(pcb, ((struct pbuf *)c->rx)->tot_len);
        }
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        tcp_err(pcb, NULL);
        tcp_sent(pcb, NULL);
        /* A server may hold its side open long after ours closed (after a
         * close_notify, after an alert): lowest priority, so the next
         * tcp_new may take this pcb back rather than find the pool empty. */
        tcp_setprio(pcb, TCP_PRIO_MIN);
        /* A graceful close can fail only for lack of memory: then abort. */
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
        }
        c->pcb = NULL;
    }
    if (c->rx != NULL) {
        pbuf_free((struct pbuf *)c->rx);
        c->rx = NULL;
    }
}

static void on_err(void *arg, err_t err)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)arg;
    if (c == NULL) {
        return;
    }
    /* lwIP has freed the pcb already. */
    c->pcb = NULL;
    if (c->failed == 0) {
        c->failed = c->connected ? DS_TR_ERR_IO : DS_TR_ERR_CONNECT;
    }
    (void)err;
}

/* Bytes free after the data of pool pbuf `p`, 0 for any other pbuf. */
static u16_t pool_room(const struct pbuf *p)
{
    const u8_t *end;
    const u8_t *used;
    if (pbuf_get_allocsrc(p) != PBUF_TYPE_ALLOC_SRC_MASK_STD_MEMP_PBUF_POOL ||
        p->ref != 1) {
        return 0;
    }
    end = (const u8_t *)p + LWIP_MEM_ALIGN_SIZE(sizeof(struct pbuf)) +
          PBUF_POOL_BUFSIZE;
    used = (const u8_t *)p->payload + p->len;
    return used < end ? (u16_t)(end - used) : 0u;
}

/*
 * Queue received data. A server writing tiny segments (one byte per TLS
 * record) would pin the whole (small) pool with a few bytes each and
 * starve the NIC. So data is packed into the free tail of the last queued
 * pool pbuf and the new pbuf is released at once.
 */
static void queue_rx(ds_lwip_conn_t *c, struct pbuf *p)
{
    struct pbuf *head = (struct pbuf *)c->rx;
    struct pbuf *tail;
    struct pbuf *q;
    u16_t n;
    if (head == NULL) {
        c->rx = p;
        return;
    }
    for (tail = head; tail->next != NULL; tail = tail->next) {
    }
    n = pool_room(tail);
    if (n > p->tot_len) {
        n = p->tot_len;
    }
    if (n > 0u) {
        (void)pbuf_copy_partial(p, (u8_t *)tail->payload + tail->len, n, 0);
        tail->len = (u16_t)(tail->len + n);
        for (q = head; q != NULL; q = q->next) {
            q->tot_len = (u16_t)(q->tot_len + n);
        }
        p = pbuf_free_header(p, n);
    }
    if (p != NULL) {
        pbuf_cat(head, p);
    }
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)arg;
    if (p == NULL) {
        if (c != NULL) {
            c->fin = 1;
        }
        return ERR_OK;
    }
    if (c == NULL || err != ERR_OK) {
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
        return ERR_OK;
    }
    queue_rx(c, p);
    return ERR_OK;
}

/* RFC 6928's initial window, min(10 segments, max(2 segments, 14,600
 * bytes)), instead of lwIP's RFC 5681 one (2,144 bytes at TCP_MSS 536,
 * fixed in tcp_in.c): a long request's first flight is then the whole send
 * buffer (README "Sending"). */
#ifndef DS_TCP_IW_SEGS
#define DS_TCP_IW_SEGS 10u
#endif

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)arg;
    if (c != NULL) {
        if (err != ERR_OK) {
            c->failed = DS_TR_ERR_CONNECT;
        } else {
            c->tcp_up = 1;
        }
    }
    if (err == ERR_OK && pcb != NULL && pcb->cwnd < DS_TCP_IW_SEGS * pcb->mss) {
        pcb->cwnd = (tcpwnd_size_t)(DS_TCP_IW_SEGS * pcb->mss);
    }
    return ERR_OK;
}

/* Take up to `len` queued bytes; the window opens by as much. */
static size_t take_rx(ds_lwip_conn_t *c, uint8_t *buf, size_t len)
{
    struct pbuf *p = (struct pbuf *)c->rx;
    u16_t n;
    if (p == NULL) {
        return 0;
    }
    n = pbuf_copy_partial(p, buf, (u16_t)(len < p->tot_len ? len : p->tot_len),
                          0);
    c->rx = pbuf_free_header(p, n);
    if (c->pcb != NULL) {
        tcp_recved(pcb_of(c), n);
    }
    return n;
}

/* ---- Mbed TLS's I/O ---- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)ctx;
    struct tcp_pcb *pcb = pcb_of(c);
    u16_t room;
    err_t err;
    if (pcb == NULL || c->failed != 0) {
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR; /* the caller reads c->failed */
    }
    room = tcp_sndbuf(pcb);
    /* A record goes in whole when it fits (records are at most one
     * segment: each becomes its own full segment, none leaves a tail to
     * be sent on its own); one larger than a segment goes in pieces of at
     * least a segment. Otherwise wait for acknowledgements. */
    if (room < len && room < TCP_MSS) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    if (tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 2u) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    if (len < room) {
        room = (u16_t)len;
    }
    err = tcp_write(pcb, buf, room, TCP_WRITE_FLAG_COPY);
    if (err == ERR_MEM) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    if (err != ERR_OK) {
        c->failed = DS_TR_ERR_IO;
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    }
    (void)tcp_output(pcb);
    return (int)room;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)ctx;
    size_t n = take_rx(c, buf, len);
    if (n > 0u) {
        return (int)n;
    }
    if (c->failed != 0) {
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR; /* reset: the caller reads c->failed */
    }
    if (c->fin || c->pcb == NULL) {
        return 0; /* end of stream: MBEDTLS_ERR_SSL_CONN_EOF */
    }
    return MBEDTLS_ERR_SSL_WANT_READ;
}

/* Offer the caller's session when it was made for this host, port and CA
 * (ds_transport.h). Nothing here can fail the connection: without a key or
 * a session the handshake is a full one. */
static void tls_offer_session(ds_lwip_conn_t *c, const char *host,
                              uint16_t port, tls_resume_t *rs)
{
    rs->offered = 0;
    rs->keyed = c->session != NULL &&
                ds_tls_session_key(rs->key, host, port, &tls.ca) == 0;
    if (rs->keyed) {
        rs->offered = ds_tls_session_offer(c->session, &tls.ssl, rs->key);
    }
}

static int tls_setup(ds_lwip_conn_t *c, const char *host, uint16_t port,
                     tls_resume_t *rs)
{
    int ret;
    mbedtls_ssl_init(&tls.ssl);
    mbedtls_ssl_config_init(&tls.conf);
    mbedtls_x509_crt_init(&tls.ca);
    mbedtls_ctr_drbg_init(&tls.drbg);
    c->tls_open = 1;
#if defined(MBEDTLS_PSA_CRYPTO_C)
    if (psa_crypto_init() != PSA_SUCCESS) { /* TLS 1.3 runs on PSA */
        return DS_TR_ERR_TLS;
    }
#endif
    ret = mbedtls_x509_crt_parse(&tls.ca, (const unsigned char *)c->ca_pem,
                                 c->ca_len + 1u);
    if (ret != 0) {
        c->last_tls_error = ret;
        return ret == MBEDTLS_ERR_X509_ALLOC_FAILED ? DS_TR_ERR_NOMEM
                                                    : DS_TR_ERR_TLS_VERIFY;
    }
    ret = mbedtls_ctr_drbg_seed(&tls.drbg, ds_tls_entropy, NULL,
                                (const unsigned char *)pers, sizeof pers - 1u);
    if (ret == 0) {
        ret = mbedtls_ssl_config_defaults(&tls.conf, MBEDTLS_SSL_IS_CLIENT,
                                          MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT);
    }
    if (ret != 0) {
        c->last_tls_error = ret;
        return DS_TR_ERR_TLS;
    }
    mbedtls_ssl_conf_rng(&tls.conf, mbedtls_ctr_drbg_random, &tls.drbg);
    mbedtls_ssl_conf_ca_chain(&tls.conf, &tls.ca, NULL);
    mbedtls_ssl_conf_min_tls_version(&tls.conf, MBEDTLS_SSL_VERSION_TLS1_2);
    ds_tls_policy(&tls.conf, c);
    ret = mbedtls_ssl_setup(&tls.ssl, &tls.conf);
    if (ret == 0) {
        ret = ds_tls_set_host(&tls.ssl, c, host);
    }
    if (ret != 0) {
        c->last_tls_error = ret;
        return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? DS_TR_ERR_NOMEM
                                                   : DS_TR_ERR_TLS;
    }
    mbedtls_ssl_set_bio(&tls.ssl, c, bio_send, bio_recv, NULL);
    tls_offer_session(c, host, port, rs);
    return DS_TR_OK;
}

/* A handshake that failed after offering a session: the session goes (the
 * next connection does a full handshake). */
static int tls_failed(ds_lwip_conn_t *c, tls_resume_t *rs, int rc)
{
    if (rs->offered) {
        ds_tls_session_clear(c->session);
        rs->offered = 0;
    }
    return rc;
}

static int tls_handshake(ds_lwip_conn_t *c, uint32_t start, uint32_t timeout_ms,
                         tls_resume_t *rs)
{
    uint32_t flags;
    for (;;) {
        int ret = mbedtls_ssl_handshake(&tls.ssl);
        if (ret == 0) {
            break;
        }
        if (ret != MBEDTLS_ERR_SSL_WANT_READ &&
            ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
            c->last_tls_error = ret;
            c->last_verify_flags = mbedtls_ssl_get_verify_result(&tls.ssl);
            if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
                return tls_failed(c, rs, DS_TR_ERR_TLS_VERIFY);
            }
            return tls_failed(c, rs,
                              c->failed == DS_TR_ERR_CONNECT ? DS_TR_ERR_CONNECT
                                                             : DS_TR_ERR_TLS);
        }
        if (expired(start, timeout_ms)) {
            return tls_failed(c, rs, DS_TR_ERR_TIMEOUT);
        }
        ds_lwip_hooks.pump();
    }
    /* VERIFY_REQUIRED already fails the handshake on any flag; checked again
     * so that no configuration slip can let a request out unverified. */
    flags = mbedtls_ssl_get_verify_result(&tls.ssl);
    if (flags != 0u) {
        c->last_verify_flags = flags;
        return tls_failed(c, rs, DS_TR_ERR_TLS_VERIFY);
    }
    c->tls_done = 1;
    if (rs->keyed) {
        /* A full handshake's session, or the resumed one again (with the
         * ticket the server may have renewed). TLS 1.2: every ticket came
         * with the handshake. */
        (void)ds_tls_session_keep(c->session, &tls.ssl, rs->key);
    }
    return DS_TR_OK;
}

/* ---- the transport ---- */

static void on_dns(const char *name, const ip_addr_t *addr, void *arg)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)arg;
    /* A query that timed out may still answer later (lwIP cannot cancel
     * one): only the name being waited for counts. */
    if (c->dns_wait == NULL || strcmp(name, c->dns_wait) != 0) {
        return;
    }
    if (addr != NULL) {
        c->ip = ip4_addr_get_u32(ip_2_ip4(addr));
        c->dns_done = 1;
    } else {
        c->dns_done = -1;
    }
}

static int resolve(ds_lwip_conn_t *c, const char *host, uint32_t start,
                   uint32_t timeout_ms)
{
    ip_addr_t addr;
    err_t err;
    if (ipaddr_aton(host, &addr)) {
        c->ip = ip4_addr_get_u32(ip_2_ip4(&addr));
        c->host_is_ip = 1;
        return DS_TR_OK;
    }
    c->dns_done = 0;
    c->dns_wait = host;
    err = dns_gethostbyname(host, &addr, on_dns, c);
    if (err == ERR_OK) {
        c->dns_wait = NULL;
        c->ip = ip4_addr_get_u32(ip_2_ip4(&addr));
        return DS_TR_OK;
    }
    if (err != ERR_INPROGRESS) {
        c->dns_wait = NULL;
        return DS_TR_ERR_RESOLVE;
    }
    while (c->dns_done == 0) {
        if (expired(start, timeout_ms)) {
            c->dns_wait = NULL;
            return DS_TR_ERR_TIMEOUT;
        }
        ds_lwip_hooks.pump();
    }
    c->dns_wait = NULL;
    return c->dns_done > 0 ? DS_TR_OK : DS_TR_ERR_RESOLVE;
}

static int tr_connect(void *ctx, const char *host, uint16_t port, int use_tls,
                      uint32_t timeout_ms)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)ctx;
    uint32_t start = now();
    struct tcp_pcb *pcb;
    ip_addr_t addr;
    tls_resume_t rs;
    int rc;

    if (c == NULL || host == NULL) {
        return DS_TR_ERR_ARG;
    }
    release(c);
    c->connected = 0;
    c->tcp_up = 0;
    c->peer_closed = 0;
    c->fin = 0;
    c->failed = 0;
    c->host_is_ip = 0;
    c->use_tls = use_tls;
    c->last_tls_error = 0;
    c->last_verify_flags = 0;

    rc = resolve(c, host, start, timeout_ms);
    if (rc != DS_TR_OK) {
        return rc;
    }
    if (use_tls) {
        if (c->ca_pem == NULL || c->ca_len == 0u) {
            return DS_TR_ERR_TLS_VERIFY; /* nothing to trust: never connect */
        }
        rc = tls_setup(c, host, port, &rs);
        if (rc != DS_TR_OK) {
            release(c);
            return rc;
        }
    }
    pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL) {
        release(c);
        return DS_TR_ERR_NOMEM;
    }
    c->pcb = pcb;
    tcp_arg(pcb, c);
    tcp_recv(pcb, on_recv);
    tcp_err(pcb, on_err);
    tcp_nagle_disable(pcb);
    ip_addr_set_ip4_u32(&addr, c->ip);
    if (tcp_connect(pcb, &addr, port, on_connected) != ERR_OK) {
        release(c);
        return DS_TR_ERR_CONNECT;
    }
    while (!c->tcp_up && c->failed == 0) {
        if (expired(start, timeout_ms)) {
            release(c);
            return DS_TR_ERR_TIMEOUT;
        }
        ds_lwip_hooks.pump();
    }
    if (c->failed != 0) {
        rc = c->failed;
        release(c);
        return rc;
    }
    if (use_tls) {
        rc = tls_handshake(c, start, timeout_ms, &rs);
        if (rc != DS_TR_OK) {
            release(c);
            return rc;
        }
    }
    c->connected = 1;
    return DS_TR_OK;
}

/* The error a call reports once the connection failed. */
static int32_t failure(const ds_lwip_conn_t *c)
{
    return c->failed == DS_TR_ERR_TLS ? DS_TR_ERR_TLS : DS_TR_ERR_IO;
}

/* "Nothing moved yet: pump the stack and try again" for the helpers. */
#define TR_AGAIN INT32_MIN

/* One TLS record written: bytes taken, an error, or TR_AGAIN. At most one
 * MBEDTLS_SSL_OUT_CONTENT_LEN record per call; a record bio_send could not
 * take whole is finished by the next call with the same data (Mbed TLS's
 * contract). */
static int32_t tls_send_once(ds_lwip_conn_t *c, const uint8_t *buf, size_t len)
{
    int ret = mbedtls_ssl_write(&tls.ssl, buf, len);
    if (ret > 0) {
        return (int32_t)ret;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ) {
        return TR_AGAIN;
    }
    if (c->failed != 0) {
        return failure(c);
    }
    c->last_tls_error = ret;
    c->failed = DS_TR_ERR_TLS;
    return DS_TR_ERR_TLS;
}

/* Plain TCP, the same way. */
static int32_t tcp_send_once(ds_lwip_conn_t *c, const uint8_t *buf, size_t len)
{
    struct tcp_pcb *pcb = pcb_of(c);
    u16_t room = tcp_sndbuf(pcb);
    if (room > 0u && tcp_sndqueuelen(pcb) < TCP_SND_QUEUELEN - 2u) {
        u16_t n = (u16_t)(len < room ? len : room);
        err_t err = tcp_write(pcb, buf, n, TCP_WRITE_FLAG_COPY);
        if (err == ERR_OK) {
            (void)tcp_output(pcb);
            return (int32_t)n;
        }
        if (err != ERR_MEM) {
            return DS_TR_ERR_IO;
        }
    }
    return TR_AGAIN;
}

static int32_t tr_send(void *ctx, const uint8_t *buf, size_t len,
                       uint32_t timeout_ms)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)ctx;
    uint32_t start = now();
    if (c == NULL || buf == NULL || len == 0u) {
        return DS_TR_ERR_ARG;
    }
    if (len > 0x10000u) {
        len = 0x10000u; /* the return type is int32_t; the core loops */
    }
    for (;;) {
        int32_t n;
        if (c->failed != 0 || c->pcb == NULL || !c->connected) {
            return failure(c);
        }
        n = c->use_tls ? tls_send_once(c, buf, len)
                       : tcp_send_once(c, buf, len);
        if (n != TR_AGAIN) {
            return n;
        }
        if (expired(start, timeout_ms)) {
            return DS_TR_ERR_TIMEOUT;
        }
        ds_lwip_hooks.pump();
    }
}

/*
 * One Mbed TLS read: > 0 bytes, 0 at the end of the stream (close_notify,
 * or TCP closed without it: the HTTP parser decides whether the message
 * was complete), MBEDTLS_ERR_SSL_WANT_READ when nothing is ready, or a
 * transport error (the connection is then failed).
 */
static int32_t tls_read(ds_lwip_conn_t *c, uint8_t *buf, size_t len)
{
    int ret = mbedtls_ssl_read(&tls.ssl, buf, len);
    if (ret > 0) {
        return ret;
    }
    if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
        ret == MBEDTLS_ERR_SSL_CONN_EOF) {
        c->peer_closed = 1;
        return 0;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    if (c->failed == 0) {
        c->last_tls_error = ret;
        c->failed = DS_TR_ERR_TLS;
    }
    return failure(c);
}

/* What TLS has for us now: bytes (with whatever tiny records already sit
 * behind the first: one call rather than one per record; a close or an
 * error met on the way is reported by the next call), 0 at the end, an
 * error, or TR_AGAIN. */
static int32_t tls_take(ds_lwip_conn_t *c, uint8_t *buf, size_t len)
{
    int32_t n = tls_read(c, buf, len);
    size_t got;
    if (n == MBEDTLS_ERR_SSL_WANT_READ) {
        return TR_AGAIN;
    }
    got = n > 0 ? (size_t)n : 0u;
    while (n > 0 && got < len &&
           (c->rx != NULL || mbedtls_ssl_check_pending(&tls.ssl))) {
        n = tls_read(c, buf + got, len - got);
        if (n > 0) {
            got += (size_t)n;
        }
    }
    return got > 0u ? (int32_t)got : n;
}

/* Plain TCP, the same way. */
static int32_t tcp_take(ds_lwip_conn_t *c, uint8_t *buf, size_t len)
{
    size_t n = take_rx(c, buf, len);
    if (n > 0u) {
        return (int32_t)n;
    }
    if (c->failed != 0) {
        return failure(c);
    }
    if (c->fin || c->pcb == NULL) {
        c->peer_closed = 1;
        return 0;
    }
    return TR_AGAIN;
}

static int32_t tr_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)ctx;
    uint32_t start = now();
    if (c == NULL || buf == NULL || len == 0u) {
        return DS_TR_ERR_ARG;
    }
    if (len > 0x10000u) {
        len = 0x10000u;
    }
    for (;;) {
        int32_t n;
        if (c->peer_closed) {
            return 0;
        }
        /* What arrived before a reset is still the server's answer: it is
         * delivered first, the failure right after (the bio and the plain
         * read both report it once nothing is left). */
        n = c->use_tls ? tls_take(c, buf, len) : tcp_take(c, buf, len);
        if (n != TR_AGAIN) {
            return n;
        }
        if (expired(start, timeout_ms)) {
            return DS_TR_ERR_TIMEOUT;
        }
        ds_lwip_hooks.pump();
    }
}

static void tr_close(void *ctx)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)ctx;
    if (c != NULL) {
        release(c);
        c->connected = 0;
        c->tcp_up = 0;
    }
}

/*
 * Without blocking: 1 only while the TCP connection is established and the
 * server has sent nothing since the last answer. The NIC is polled once
 * first, so a FIN, reset, close_notify or stray byte that has reached the
 * board counts; anything queued (ciphertext not yet read, plaintext Mbed
 * TLS holds) means the connection is not to be reused.
 */
static int tr_alive(void *ctx)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)ctx;
    if (c == NULL || !c->connected) {
        return 0;
    }
    ds_lwip_hooks.pump();
    if (c->pcb == NULL || c->failed != 0 || c->peer_closed || c->fin ||
        c->rx != NULL || pcb_of(c)->state != ESTABLISHED) {
        return 0;
    }
    if (c->use_tls &&
        (!c->tls_done || mbedtls_ssl_get_bytes_avail(&tls.ssl) > 0u ||
         mbedtls_ssl_check_pending(&tls.ssl))) {
        return 0;
    }
    return 1;
}

void ds_lwip_transport(ds_transport_t *tr, ds_lwip_conn_t *conn)
{
    tr->ctx = conn;
    tr->connect = tr_connect;
    tr->send = tr_send;
    tr->recv = tr_recv;
    tr->close = tr_close;
    tr->alive = tr_alive;
}
