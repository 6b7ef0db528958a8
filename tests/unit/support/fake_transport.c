#include "fake_transport.h"

#include <string.h>

static void ft_log(fake_transport_t *ft, char c)
{
    if (ft->log_len + 1 < sizeof ft->log)
        ft->log[ft->log_len++] = c;
    ft->log[ft->log_len] = 0;
}

static void ft_wait(fake_transport_t *ft, uint32_t ms)
{
    if (ft->clock)
        fake_platform_advance(ft->clock, ms);
}

static uint32_t ft_rand(fake_transport_t *ft)
{
    uint32_t x = ft->seed ? ft->seed : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    ft->seed = x;
    return x;
}

static int ft_connect(void *ctx, const char *host, uint16_t port, int use_tls,
                      uint32_t timeout_ms)
{
    fake_transport_t *ft = ctx;
    int rc = DS_TR_ERR_CONNECT;
    ft->connects++;
    ft->cur++;
    strncpy(ft->host, host, sizeof ft->host - 1);
    ft->port = port;
    ft->use_tls = use_tls;
    ft->connect_timeout_ms = timeout_ms;
    ft->pos = 0;
    ft->creq = -1;
    ft->receiving = 0;
    if (ft->cur < FT_MAX_ATTEMPTS) {
        ft->attempt_start[ft->cur] = ft->sent_len;
        if (ft->cur < ft->natt)
            rc = ft->att[ft->cur].connect_rc;
    }
    if (rc == DS_TR_ERR_TIMEOUT)
        ft_wait(ft, timeout_ms);
    ft->connected = rc == DS_TR_OK;
    ft_log(ft, rc == DS_TR_OK ? 'C' : 'c');
    return rc;
}

static int32_t ft_send(void *ctx, const uint8_t *buf, size_t len,
                       uint32_t timeout_ms)
{
    fake_transport_t *ft = ctx;
    const ft_attempt_t *a;
    size_t n = len, done;
    ft->sends++;
    ft->last_send_timeout_ms = timeout_ms;
    if (len > ft->max_send_len)
        ft->max_send_len = len;
    if (!ft->connected || ft->cur >= FT_MAX_ATTEMPTS || len == 0) {
        ft->misuse++;
        ft_log(ft, '!');
        return DS_TR_ERR_ARG;
    }
    a = &ft->att[ft->cur];
    done = ft->attempt_sent[ft->cur];
    if (ft->creq < 0 || ft->receiving) {
        /* the first send of a new request on this connection */
        ft->creq++;
        ft->receiving = 0;
        ft->pos = 0;
        if (ft->nreq < FT_REQ_MAX) {
            ft->req_start[ft->nreq] = ft->sent_len;
            ft->req_conn[ft->nreq] = ft->cur;
        }
        ft->nreq++;
    }
    if (a->send_fails) {
        if (done >= a->send_fail_at) {
            if (a->send_fail_rc == DS_TR_ERR_TIMEOUT)
                ft_wait(ft, timeout_ms);
            ft_log(ft, 's');
            return a->send_fail_rc ? a->send_fail_rc : DS_TR_ERR_IO;
        }
        if (n > a->send_fail_at - done)
            n = a->send_fail_at - done;
    }
    if (ft->max_send && n > ft->max_send)
        n = ft->max_send;
    if (ft->sent_len + n <= sizeof ft->sent) {
        memcpy(ft->sent + ft->sent_len, buf, n);
        ft->sent_len += n;
    }
    ft->attempt_sent[ft->cur] += n;
    ft_log(ft, 'S');
    return (int32_t)n;
}

static int32_t ft_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    fake_transport_t *ft = ctx;
    const ft_attempt_t *a;
    const char *answer;
    size_t total, n;
    ft->recvs++;
    ft->last_recv_timeout_ms = timeout_ms;
    if (!ft->connected || ft->cur >= FT_MAX_ATTEMPTS || len == 0) {
        ft->misuse++;
        ft_log(ft, '!');
        return DS_TR_ERR_ARG;
    }
    a = &ft->att[ft->cur];
    ft->receiving = 1;
    if (ft->creq <= 0) {
        answer = a->answer;
        total = answer ? (a->answer_len ? a->answer_len : strlen(answer)) : 0;
    } else {
        answer = ft->creq - 1 < FT_THEN_MAX ? a->then[ft->creq - 1] : NULL;
        total = answer ? strlen(answer) : 0;
    }
    if (ft->pos < total) {
        n = total - ft->pos;
        if (ft->split == FT_BYTES)
            n = 1;
        else if (ft->split == FT_RANDOM)
            n = 1 + ft_rand(ft) % (n < 97 ? n : 97);
        if (n > len)
            n = len;
        memcpy(buf, answer + ft->pos, n);
        ft->pos += n;
        ft_wait(ft, a->latency_ms);
        ft_log(ft, 'R');
        return (int32_t)n;
    }
    switch (a->end) {
    case FT_TIMEOUT:
        ft_wait(ft, timeout_ms);
        ft_log(ft, 'T');
        return DS_TR_ERR_TIMEOUT;
    case FT_ERROR: ft_log(ft, 'E'); return a->end_rc ? a->end_rc : DS_TR_ERR_IO;
    default: ft_log(ft, '0'); return 0;
    }
}

static void ft_close(void *ctx)
{
    fake_transport_t *ft = ctx;
    ft->closes++;
    ft->connected = 0;
    ft_log(ft, 'X');
}

static int ft_alive(void *ctx)
{
    fake_transport_t *ft = ctx;
    int v = ft->alive_default;
    if (ft->alive_script && ft->alive_script[ft->alives])
        v = ft->alive_script[ft->alives] == '1';
    ft->alives++;
    if (!ft->connected)
        v = 0;
    ft_log(ft, v ? 'A' : 'a');
    return v;
}

void fake_transport_alive(fake_transport_t *ft, ds_transport_t *tr, int value)
{
    ft->alive_default = value;
    tr->alive = ft_alive;
}

const char *ft_request(const fake_transport_t *ft, int i, size_t *len)
{
    size_t end;
    if (i < 0 || i >= ft->nreq || i >= FT_REQ_MAX) {
        *len = 0;
        return "";
    }
    end = i + 1 < ft->nreq && i + 1 < FT_REQ_MAX ? ft->req_start[i + 1]
                                                 : ft->sent_len;
    *len = end - ft->req_start[i];
    return (const char *)ft->sent + ft->req_start[i];
}

void fake_transport_init(fake_transport_t *ft, ds_transport_t *tr,
                         fake_platform_t *clock)
{
    memset(ft, 0, sizeof *ft);
    ft->cur = -1;
    ft->creq = -1;
    ft->clock = clock;
    tr->ctx = ft;
    tr->connect = ft_connect;
    tr->send = ft_send;
    tr->recv = ft_recv;
    tr->close = ft_close;
    tr->alive = NULL;
}

ft_attempt_t *ft_answer(fake_transport_t *ft, int i, const char *answer)
{
    ft_attempt_t *a = &ft->att[i];
    memset(a, 0, sizeof *a);
    a->connect_rc = DS_TR_OK;
    a->answer = answer;
    if (ft->natt < i + 1)
        ft->natt = i + 1;
    return a;
}

void ft_connect_fails(fake_transport_t *ft, int i, int rc)
{
    ft_answer(ft, i, NULL)->connect_rc = rc;
}

int ft_count(const fake_transport_t *ft, char c)
{
    int n = 0;
    size_t i;
    for (i = 0; i < ft->log_len; i++)
        n += ft->log[i] == c;
    return n;
}
