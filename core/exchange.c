/*
 * The exchange engine (see exchange.h). Every time value is a uint32
 * difference from the session's start, so a clock that wraps around 2^32
 * during a run changes nothing.
 */
#include "exchange.h"

#include <string.h>

#include "json_map.h"
#include "request.h"
#include "retry.h"
#include "stop_aksk.h"

/* For a function -Os would inline at each of its calls, at a cost in
 * flash. */
#if defined(__GNUC__)
#define DS_NOINLINE __attribute__((noinline))
#else
#define DS_NOINLINE
#endif

struct xfer {
    ds_session_t *s;
    ds_call_t *c;
    ds_result_t *res;
    ds_wr_t head;
    int64_t offset; /* AK/SK: seconds added to the platform clock */
    int fresh;      /* this attempt opened its own connection */
    size_t got;     /* answer bytes received in this attempt */
    int stale;      /* a reused connection was dead: send again fresh */
};

void ds_session_begin(ds_session_t *s, const ds_transport_t *tr,
                      const ds_platform_t *pf, ds_workspace_t *ws,
                      uint32_t deadline_ms)
{
    memset(s, 0, sizeof *s);
    s->tr = tr;
    s->pf = pf;
    s->ws = ws;
    s->deadline_ms = deadline_ms ? deadline_ms : DS_DEFAULT_DEADLINE_MS;
    s->start = pf->now_ms(pf->ctx);
}

uint32_t ds_session_left(const ds_session_t *s)
{
    uint32_t used = s->pf->now_ms(s->pf->ctx) - s->start;
    return used < s->deadline_ms ? s->deadline_ms - used : 0;
}

static void drop(ds_session_t *s)
{
    s->tr->close(s->tr->ctx);
    s->open = 0;
    s->reusable = 0;
}

void ds_session_end(ds_session_t *s)
{
    if (s->open)
        drop(s);
    ds_wipe(s->ws->head, sizeof s->ws->head);
}

void ds_call_init(ds_call_t *c, const ds_stop_request_t *req)
{
    memset(c, 0, sizeof *c);
    c->req = req;
    c->host = req->host;
    c->port = req->port;
    c->use_tls = req->use_tls;
    c->retries = req->retries;
    c->auth = &req->auth;
    c->trace = req->trace;
    c->trace_ctx = req->trace_ctx;
}

int ds_call_idempotent(const ds_call_t *c)
{
    return c->method[0] == 'G'; /* GET; the others are PUT and POST */
}

static void finish(ds_result_t *res, ds_outcome_t outcome, ds_reason_t reason)
{
    res->outcome = outcome;
    res->reason = reason;
}

/* ---- the request ------------------------------------------------------ */

static ds_reason_t build_head(xfer_t *x)
{
    ds_workspace_t *ws = x->s->ws;
    const ds_call_t *c = x->c;
    size_t body_len;
    ds_wr_init(&x->head, ws->head, sizeof ws->head);
    body_len = c->stream ? (size_t)c->stream(x, 0) : 0;
    if (DS_AKSK && c->auth && c->auth->kind == DS_AUTH_AKSK)
        return ds_aksk_call_head(&x->head, c, x->s->pf, x->offset,
                                 ws->sign_scratch, sizeof ws->sign_scratch,
                                 body_len);
    return ds_call_head(&x->head, c, body_len);
}

static void trace_head(const xfer_t *x)
{
    if (x->c->trace)
        x->c->trace(x->c->trace_ctx, DS_TRACE_REQUEST_HEAD, x->head.buf,
                    x->head.len - ds_call_body_lit_len(x->c));
}

/* Send `len` bytes in pieces of at most DS_SEND_CHUNK (the token goes
 * straight from the caller's buffer, never through a copy). */
static int send_all(void *ctx, const char *buf, size_t len)
{
    const xfer_t *x = ctx;
    const ds_transport_t *tr = x->s->tr;
    while (len) {
        uint32_t left = ds_session_left(x->s);
        int32_t n;
        if (!left)
            return DS_TR_ERR_TIMEOUT;
        n = tr->send(tr->ctx, (const uint8_t *)buf,
                     len < DS_SEND_CHUNK ? len : DS_SEND_CHUNK, left);
        if (n <= 0 || (size_t)n > len)
            return n < 0 ? (int)n : DS_TR_ERR_IO;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A streamed body is counted by the writer without a buffer, and sent
 * through the idle rx buffer, flushed as it fills. Reached only through
 * c->stream, which only calls with such a body set. */
long ds_xfer_body(xfer_t *x, int send)
{
    ds_wr_t w;
    ds_workspace_t *ws = x->s->ws;
    int rc;
    ds_wr_init(&w, send ? (char *)ws->rx : NULL, send ? sizeof ws->rx : 0);
    w.flush = send ? send_all : NULL;
    w.ctx = x;
    x->c->body(&w, x->c);
    if (!send)
        return (long)w.total;
    rc = ds_wr_flush(&w);
    ds_wipe(ws->rx, sizeof ws->rx);
    return rc;
}

void ds_call_body(ds_call_t *c, ds_call_write_fn body)
{
    c->body = body;
    c->stream = ds_xfer_body;
}

DS_NOINLINE static int send_request(xfer_t *x)
{
    const ds_wr_t *h = &x->head;
    const ds_auth_t *a = x->c->auth;
    size_t rest = 0;
    int rc = 0;
    if (h->mark) {
        rc = send_all(x, h->buf, h->mark);
        if (!rc)
            rc = send_all(x, a->token, a->token_len);
        rest = h->mark + DS_REDACTED_LEN;
    }
    if (!rc)
        rc = send_all(x, h->buf + rest, h->len - rest);
    if (!rc && x->c->stream)
        rc = (int)x->c->stream(x, 1);
    x->s->requests++;
    return rc;
}

/* ---- the connection --------------------------------------------------- */

static int same_peer(const ds_session_t *s, const ds_call_t *c)
{
    return !strcmp(s->host, c->host) && s->port == c->port &&
           s->use_tls == c->use_tls;
}

/* Keep the held connection when the last answer allows it and the
 * transport can tell it is open; before a call (c) only when it goes to
 * the same peer and the transport says it is still open. */
DS_NOINLINE static void hold(ds_session_t *s, const ds_call_t *c)
{
    if (s->open && !(s->reusable && s->tr->alive &&
                     (!c || (same_peer(s, c) && s->tr->alive(s->tr->ctx)))))
        drop(s);
}

static int connect_fresh(xfer_t *x, uint32_t left)
{
    ds_session_t *s = x->s;
    int rc;
    s->connects++;
    rc =
        s->tr->connect(s->tr->ctx, x->c->host, x->c->port, x->c->use_tls, left);
    s->open = 1; /* closed on failure too: close is always allowed */
    s->host = x->c->host;
    s->port = x->c->port;
    s->use_tls = x->c->use_tls;
    x->fresh = 1;
    return rc;
}

static ds_reason_t send_reason(int rc)
{
    return rc == DS_TR_ERR_TIMEOUT ? DS_R_DEADLINE : DS_R_SEND;
}

/* Connect (or reuse) and send; DS_R_NONE when the request went out. */
static ds_reason_t deliver(xfer_t *x)
{
    ds_result_t *res = x->res;
    int rc = 0;
    uint32_t left = ds_session_left(x->s);
    hold(x->s, x->c);
    x->s->reusable = 0;
    x->fresh = 0;
    if (!left)
        return DS_R_DEADLINE;
    if (!x->s->open) {
        rc = connect_fresh(x, left);
        if (rc) {
            res->transport_error = rc;
            return ds_connect_reason(rc);
        }
    }
    rc = send_request(x);
    if (rc) {
        res->transport_error = rc;
        return send_reason(rc);
    }
    return DS_R_NONE;
}

/* ---- the answer ------------------------------------------------------- */

static void trace_line(void *ctx, const char *line, size_t len)
{
    const xfer_t *x = ctx;
    x->c->trace(x->c->trace_ctx, DS_TRACE_RESPONSE_LINE, line, len);
}

/* Kept raw: only a call that needs dates parses it (ds_session_time), so
 * a stop does not link the date parser. */
static void note_date(ds_session_t *s, const char *date)
{
    if (date[0]) {
        memcpy(s->server_date, date, sizeof s->server_date);
        s->server_date_at = s->pf->now_ms(s->pf->ctx);
    }
}

/* Copies what every answer says, whatever its status, then judges it. */
static void judge(xfer_t *x)
{
    ds_result_t *res = x->res;
    ds_call_t *c = x->c;
    ds_workspace_t *ws = x->s->ws;
    const ds_http_parser_t *p = &ws->http;
    const ds_stop_request_t *req = c->fields ? c->req : NULL;
    int st = p->status;
    res->http_status = st;
    res->retry_after_s = p->has_retry_after ? p->retry_after_s : 0;
    memcpy(res->request_id, p->request_id, sizeof res->request_id);
    memcpy(res->server_date, p->date, sizeof res->server_date);
    note_date(x->s, p->date);
    c->json = ds_json_map_fields(p->body, p->body_len, ws->json, DS_JSON_TOKENS,
                                 req ? req->task_id : NULL,
                                 req ? req->record_id : NULL, res, c->fields);
    if (st / 100 != 2) {
        finish(res, ds_status_outcome(st), DS_R_HTTP_STATUS);
        return;
    }
    finish(res, DS_OK, DS_R_NONE);
    if (c->judge)
        c->judge(c, x->s, res);
}

static ds_reason_t feed(xfer_t *x, int32_t n, int *rc)
{
    ds_workspace_t *ws = x->s->ws;
    size_t used = 0;
    if (n < 0 || n > (int32_t)sizeof ws->rx) {
        x->res->transport_error = n < 0 ? (int)n : DS_TR_ERR_IO;
        return n == DS_TR_ERR_TIMEOUT ? DS_R_TIMEOUT : DS_R_CLOSED;
    }
    x->got += (size_t)n;
    *rc = n ? ds_http_feed(&ws->http, ws->rx, (size_t)n, &used)
            : ds_http_finish(&ws->http);
    /* Bytes after the end of the answer: the connection is out of step. */
    if (*rc == DS_HTTP_DONE && used < (size_t)n)
        ws->http.keep_alive = 0;
    return DS_R_NONE;
}

static ds_reason_t receive(xfer_t *x)
{
    ds_workspace_t *ws = x->s->ws;
    const ds_transport_t *tr = x->s->tr;
    int rc = DS_HTTP_NEED_MORE;
    ds_http_init(&ws->http, ws->body, sizeof ws->body);
    if (x->c->prepare)
        x->c->prepare(x->c, x->s);
    if (x->c->trace) {
        ws->http.on_line = trace_line;
        ws->http.on_line_ctx = x;
    }
    while (rc == DS_HTTP_NEED_MORE) {
        uint32_t left = ds_session_left(x->s);
        ds_reason_t why;
        if (!left)
            return DS_R_TIMEOUT;
        why = feed(x, tr->recv(tr->ctx, ws->rx, sizeof ws->rx, left), &rc);
        if (why)
            return why;
    }
    if (rc != DS_HTTP_DONE) {
        x->res->http_error = rc;
        return ds_http_reason(rc);
    }
    return DS_R_NONE;
}

static void attempt(xfer_t *x)
{
    ds_result_t *res = x->res;
    ds_outcome_t o = DS_NETWORK;
    ds_reason_t lost = DS_R_SEND, why;
    ds_result_new_attempt(res);
    x->got = 0;
    why = deliver(x);
    if (!why) {
        o = DS_UNKNOWN;
        lost = DS_R_CLOSED;
        why = receive(x);
    }
    /* A reused connection that fails before any byte of the answer was
     * probably closed by the server while idle: a GET goes again. */
    x->stale = why == lost && !x->fresh && !x->got && ds_call_idempotent(x->c);
    if (why) {
        finish(res, o, why);
        return;
    }
    x->s->reusable = x->s->ws->http.keep_alive;
    judge(x);
}

/* ---- the retry loop --------------------------------------------------- */

/* A signature refused for its time: correct the clock from the server's
 * and sign again, once (every refusal counts towards the gateway's AK
 * lockout). Not one of the `retries`. */
static int resign(xfer_t *x)
{
    const ds_auth_t *a = x->c->auth;
    if (!DS_AKSK || !a || a->kind != DS_AUTH_AKSK ||
        x->res->outcome != DS_AUTH_FAILED ||
        !ds_aksk_skew_offset(x->s->pf, x->res, &x->offset))
        return 0;
    if (a->clock_offset_s)
        *a->clock_offset_s = x->offset;
    if (build_head(x) != DS_R_NONE)
        return -1;
    trace_head(x);
    return 1;
}

static void trace_attempt(const xfer_t *x, uint32_t delay)
{
    ds_wr_t h;
    ds_workspace_t *ws = x->s->ws;
    ds_wr_init(&h, (char *)ws->rx, sizeof ws->rx);
    ds_wr_str(&h, "attempt ");
    ds_wr_uint(&h, (unsigned long)x->res->attempts + 1);
    ds_wr_str(&h, " after ");
    ds_wr_uint(&h, delay);
    ds_wr_str(&h, " ms");
    x->c->trace(x->c->trace_ctx, DS_TRACE_ATTEMPT, h.buf, h.len);
}

/* Wait before the next attempt; 0 when there is to be none. */
static int backoff(const xfer_t *x, int extra)
{
    uint32_t delay;
    if (!ds_retryable(x->res) || x->res->attempts - extra > x->c->retries)
        return 0;
    delay = ds_backoff_ms(x->s->pf, x->res->attempts, x->res->retry_after_s,
                          ds_session_left(x->s));
    if (!delay)
        return 0;
    if (x->c->trace)
        trace_attempt(x, delay);
    x->s->pf->sleep_ms(x->s->pf->ctx, delay);
    return 1;
}

ds_outcome_t ds_exchange(ds_session_t *s, ds_call_t *c, ds_result_t *res)
{
    xfer_t x;
    int extra = 0, skewed = 0, restale = 0;
    ds_reason_t why;
    memset(&x, 0, sizeof x);
    memset(res, 0, sizeof *res);
    x.s = s;
    x.c = c;
    x.res = res;
    x.offset = DS_AKSK && c->auth && c->auth->clock_offset_s
                   ? *c->auth->clock_offset_s
                   : 0;
    why = build_head(&x);
    if (why) {
        finish(res, DS_INVALID_INPUT, why);
        return DS_INVALID_INPUT;
    }
    trace_head(&x);
    for (;;) {
        int r;
        res->attempts++;
        attempt(&x);
        hold(s, NULL);
        if (x.stale && !restale) {
            restale = 1;
            extra++;
            continue;
        }
        r = skewed ? 0 : resign(&x);
        if (r) {
            skewed = 1;
            extra++;
            if (r < 0)
                break;
            continue;
        }
        if (!backoff(&x, extra))
            break;
    }
    /* AK/SK heads carry a signature; a token head carries only the marker,
     * but wiping is cheaper than deciding. */
    ds_wipe(s->ws->head, sizeof s->ws->head);
    return res->outcome;
}
