/*
 * ds_transport_t over lwIP's altcp API: plain TCP (altcp_tcp) or TLS
 * (altcp_tls_mbedtls). Every blocking call pumps the board's hook until its
 * condition or its timeout: the board never needs threads.
 */
#include <string.h>

#include "ds_lwip_internal.h"
#include "lwip/altcp.h"
#include "lwip/altcp_tcp.h"
#include "lwip/altcp_tls.h"
#include "lwip/dns.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "mbedtls/ssl.h"

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

static struct altcp_pcb *pcb_of(ds_lwip_conn_t *c)
{
    return (struct altcp_pcb *)c->pcb;
}

static void release(ds_lwip_conn_t *c)
{
    struct altcp_pcb *pcb = pcb_of(c);
    if (pcb != NULL) {
        altcp_arg(pcb, NULL);
        altcp_recv(pcb, NULL);
        altcp_err(pcb, NULL);
        altcp_sent(pcb, NULL);
        altcp_poll(pcb, NULL, 0);
        /* A graceful close can fail only for lack of memory: then abort. */
        if (altcp_close(pcb) != ERR_OK) {
            altcp_abort(pcb);
        }
        c->pcb = NULL;
    }
    if (c->rx != NULL) {
        pbuf_free((struct pbuf *)c->rx);
        c->rx = NULL;
    }
    ds_tls_guard_forget();
    if (c->tls_conf != NULL) {
        altcp_tls_free_config((struct altcp_tls_config *)c->tls_conf);
        altcp_tls_free_entropy();
        c->tls_conf = NULL;
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
    if (pbuf_get_allocsrc(p) != PBUF_TYPE_ALLOC_SRC_MASK_STD_MEMP_PBUF_POOL || p->ref != 1) {
        return 0;
    }
    end = (const u8_t *)p + LWIP_MEM_ALIGN_SIZE(sizeof(struct pbuf)) + PBUF_POOL_BUFSIZE;
    used = (const u8_t *)p->payload + p->len;
    return used < end ? (u16_t)(end - used) : 0u;
}

/*
 * Queue decrypted data for recv(). altcp_tls hands up every TLS record in a
 * pool pbuf of its own, however small the record: a server writing one byte
 * per record would pin the whole (small) pool with one byte each and
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

static err_t on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)arg;
    (void)pcb;
    if (c == NULL) {
        if (p != NULL) {
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (p == NULL || err != ERR_OK) {
        if (p != NULL) {
            pbuf_free(p);
        }
        c->peer_closed = 1;
        return ERR_OK;
    }
    queue_rx(c, p);
    return ERR_OK;
}

static err_t on_connected(void *arg, struct altcp_pcb *pcb, err_t err)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)arg;
    if (c == NULL) {
        return ERR_OK;
    }
    if (err != ERR_OK) {
        c->failed = DS_TR_ERR_CONNECT;
        return ERR_OK;
    }
    if (c->use_tls) {
        /* altcp_tls calls this once the handshake is done. Second line of
         * defence: the chain and name must have verified, whatever the
         * authmode ended up being. */
        mbedtls_ssl_context *ssl = (mbedtls_ssl_context *)altcp_tls_context(pcb);
        uint32_t flags = ssl != NULL ? mbedtls_ssl_get_verify_result(ssl) : 0xFFFFFFFFu;
        if (flags != 0u) {
            c->last_verify_flags = flags;
            c->failed = DS_TR_ERR_TLS_VERIFY;
            altcp_arg(pcb, NULL);
            altcp_abort(pcb);
            c->pcb = NULL;
            return ERR_ABRT;
        }
    }
    c->connected = 1;
    return ERR_OK;
}

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

static int resolve(ds_lwip_conn_t *c, const char *host, uint32_t start, uint32_t timeout_ms)
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
    struct altcp_pcb *pcb;
    ip_addr_t addr;
    int rc;

    if (c == NULL || host == NULL) {
        return DS_TR_ERR_ARG;
    }
    release(c);
    c->connected = 0;
    c->peer_closed = 0;
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
        struct altcp_tls_config *conf;
        if (c->ca_pem == NULL || c->ca_len == 0u) {
            return DS_TR_ERR_TLS_VERIFY; /* nothing to trust: never connect */
        }
        conf = altcp_tls_create_config_client((const u8_t *)c->ca_pem, c->ca_len + 1u);
        if (conf == NULL) {
            return DS_TR_ERR_NOMEM;
        }
        c->tls_conf = conf;
        pcb = altcp_tls_new(conf, IPADDR_TYPE_V4);
        if (pcb == NULL) {
            release(c);
            return DS_TR_ERR_NOMEM;
        }
        c->pcb = pcb;
        if (ds_tls_guard_setup(altcp_tls_context(pcb), c, host) != 0) {
            release(c);
            return DS_TR_ERR_NOMEM;
        }
    } else {
        pcb = altcp_tcp_new_ip_type(IPADDR_TYPE_V4);
        if (pcb == NULL) {
            return DS_TR_ERR_NOMEM;
        }
        c->pcb = pcb;
    }
    altcp_arg(pcb, c);
    altcp_recv(pcb, on_recv);
    altcp_err(pcb, on_err);
    /* Also installs altcp_tls's own poll, which retries stalled output. */
    altcp_poll(pcb, NULL, 2);
    altcp_nagle_disable(pcb);
    ip_addr_set_ip4_u32(&addr, c->ip);
    if (altcp_connect(pcb, &addr, port, on_connected) != ERR_OK) {
        release(c);
        return DS_TR_ERR_CONNECT;
    }
    while (!c->connected && c->failed == 0) {
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
    return DS_TR_OK;
}

static int32_t tr_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)ctx;
    uint32_t start = now();
    if (c == NULL || buf == NULL || len == 0u) {
        return DS_TR_ERR_ARG;
    }
    for (;;) {
        struct altcp_pcb *pcb = pcb_of(c);
        size_t room;
        if (c->failed != 0 || pcb == NULL) {
            return c->failed == DS_TR_ERR_TLS ? DS_TR_ERR_TLS : DS_TR_ERR_IO;
        }
        room = altcp_sndbuf(pcb);
        if (c->use_tls && room > MBEDTLS_SSL_OUT_CONTENT_LEN) {
            /* altcp_tls reports a partial record write as an error */
            room = MBEDTLS_SSL_OUT_CONTENT_LEN;
        }
        if (room > 0u && altcp_sndqueuelen(pcb) < TCP_SND_QUEUELEN - 2u) {
            u16_t n = (u16_t)(len < room ? len : room);
            err_t err = altcp_write(pcb, buf, n, TCP_WRITE_FLAG_COPY);
            if (err == ERR_OK) {
                (void)altcp_output(pcb);
                return (int32_t)n;
            }
            if (err != ERR_MEM) {
                return DS_TR_ERR_IO;
            }
        }
        if (expired(start, timeout_ms)) {
            return DS_TR_ERR_TIMEOUT;
        }
        ds_lwip_hooks.pump();
    }
}

/* Ask altcp_tls to decrypt and hand up what it holds: its poll callback
 * does exactly that. Called on every turn while recv waits, because
 * altcp_tls stops handing data up when the pbuf pool runs dry and would
 * otherwise retry only from its 500 ms poll; with a server writing tiny
 * records that is one record per retry. */
static void kick_tls(ds_lwip_conn_t *c)
{
    struct altcp_pcb *pcb = pcb_of(c);
    struct altcp_pcb *inner;
    if (!c->use_tls || pcb == NULL) {
        return;
    }
    inner = pcb->inner_conn;
    if (inner != NULL && inner->poll != NULL) {
        if (inner->poll(inner->arg, inner) == ERR_ABRT) {
            c->pcb = NULL;
            c->failed = DS_TR_ERR_IO;
        }
    }
}

static int32_t tr_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)ctx;
    uint32_t start = now();
    if (c == NULL || buf == NULL || len == 0u) {
        return DS_TR_ERR_ARG;
    }
    while (c->rx == NULL) {
        if (c->failed != 0) {
            return c->failed == DS_TR_ERR_TLS ? DS_TR_ERR_TLS : DS_TR_ERR_IO;
        }
        if (c->peer_closed || c->pcb == NULL) {
            return 0;
        }
        if (expired(start, timeout_ms)) {
            return DS_TR_ERR_TIMEOUT;
        }
        ds_lwip_hooks.pump();
        if (c->rx == NULL) {
            kick_tls(c);
        }
    }
    {
        struct pbuf *p = (struct pbuf *)c->rx;
        u16_t n = pbuf_copy_partial(p, buf, (u16_t)(len < p->tot_len ? len : p->tot_len), 0);
        c->rx = pbuf_free_header(p, n);
        if (c->pcb != NULL) {
            altcp_recved(pcb_of(c), n);
        }
        return (int32_t)n;
    }
}

static void tr_close(void *ctx)
{
    ds_lwip_conn_t *c = (ds_lwip_conn_t *)ctx;
    if (c != NULL) {
        release(c);
        c->connected = 0;
    }
}

void ds_lwip_transport(ds_transport_t *tr, ds_lwip_conn_t *conn)
{
    tr->ctx = conn;
    tr->connect = tr_connect;
    tr->send = tr_send;
    tr->recv = tr_recv;
    tr->close = tr_close;
}
