/*
 * ds_stop: validate, then connect / send / receive / parse under one
 * deadline, retrying only where a retry cannot repeat a stop the server may
 * already have done (nothing was completely sent, or the server said 5xx or
 * 429). Every time value is a uint32 difference from `start`, so a clock
 * that wraps around 2^32 during a stop changes nothing.
 */
#include <string.h>

#include "deploystop.h"
#include "json_map.h"
#include "request.h"
#include "retry.h"
#include "stop_aksk.h"

typedef struct run {
    const ds_stop_request_t *req;
    const ds_transport_t *tr;
    const ds_platform_t *pf;
    ds_workspace_t *ws;
    ds_result_t *res;
    uint32_t start;
    ds_head_t head;
    int64_t offset; /* AK/SK: seconds added to the platform clock */
} run_t;

static uint32_t remaining(const run_t *r)
{
    uint32_t used = r->pf->now_ms(r->pf->ctx) - r->start;
    return used < r->req->deadline_ms ? r->req->deadline_ms - used : 0;
}

static void finish(ds_result_t *res, ds_outcome_t outcome, ds_reason_t reason)
{
    res->outcome = outcome;
    res->reason = reason;
}

/* The parser hands over each status and header line as it arrives: the
 * trace shows them exactly as received, even when the answer then fails. */
static void trace_line(void *ctx, const char *line, size_t len)
{
    const run_t *r = ctx;
    r->req->trace(r->req->trace_ctx, DS_TRACE_RESPONSE_LINE, line, len);
}

/* Send `len` bytes in pieces of at most DS_SEND_CHUNK (the token goes
 * straight from the caller's buffer, never through a copy). */
static ds_reason_t send_all(const run_t *r, const char *buf, size_t len)
{
    while (len) {
        uint32_t left = remaining(r);
        int32_t n;
        if (!left)
            return DS_R_DEADLINE;
        n = r->tr->send(r->tr->ctx, (const uint8_t *)buf,
                        len < DS_SEND_CHUNK ? len : DS_SEND_CHUNK, left);
        if (n <= 0 || (size_t)n > len) {
            r->res->transport_error = n < 0 ? (int)n : DS_TR_ERR_IO;
            return n == DS_TR_ERR_TIMEOUT ? DS_R_DEADLINE : DS_R_SEND;
        }
        buf += n;
        len -= (size_t)n;
    }
    return DS_R_NONE;
}

static ds_reason_t send_request(const run_t *r)
{
    const ds_head_t *h = &r->head;
    size_t rest = 0;
    ds_reason_t why = DS_R_NONE;
    if (h->mark) {
        why = send_all(r, h->buf, h->mark);
        if (!why)
            why = send_all(r, r->req->auth.token, r->req->auth.token_len);
        rest = h->mark + DS_REDACTED_LEN;
    }
    return why ? why : send_all(r, h->buf + rest, h->len - rest);
}

/* Outcome of a complete HTTP answer. */
static void judge(const run_t *r)
{
    ds_result_t *res = r->res;
    const ds_http_parser_t *p = &r->ws->http;
    int s = p->status;
    unsigned f;
    res->http_status = s;
    res->retry_after_s = p->has_retry_after ? p->retry_after_s : 0;
    memcpy(res->request_id, p->request_id, sizeof res->request_id);
    memcpy(res->server_date, p->date, sizeof res->server_date);
    f = ds_json_map(p->body, p->body_len, r->ws->json, DS_JSON_TOKENS,
                    r->req->task_id, r->req->record_id, res);
    if (s == 200) {
        if (!strcmp(res->status, "success")) {
            if (f & DS_JSON_ID_BAD)
                finish(res, DS_UNKNOWN, DS_R_ID_MISMATCH);
            else if ((f & (DS_JSON_ID_OK | DS_JSON_TASK_OK)) ==
                     (DS_JSON_ID_OK | DS_JSON_TASK_OK))
                finish(res, DS_STOPPED, DS_R_NONE);
            else
                finish(res, DS_UNKNOWN, DS_R_JSON_MALFORMED);
        } else if (res->status[0] || res->error_code[0]) {
            finish(res, DS_REJECTED, DS_R_STATUS_NOT_SUCCESS);
        } else {
            finish(res, DS_UNKNOWN, DS_R_JSON_MALFORMED);
        }
        return;
    }
    finish(res, s == 401 || s == 403 ? DS_AUTH_FAILED
                : s == 404           ? DS_NOT_FOUND
                : s == 429 || s >= 500 ? DS_UNAVAILABLE
                : s >= 400           ? DS_REJECTED
                                     : DS_UNKNOWN,
           DS_R_HTTP_STATUS);
}

static void receive(run_t *r)
{
    ds_workspace_t *ws = r->ws;
    ds_result_t *res = r->res;
    int rc;
    ds_http_init(&ws->http, ws->body, sizeof ws->body);
    if (r->req->trace) {
        ws->http.on_line = trace_line;
        ws->http.on_line_ctx = r;
    }
    do {
        uint32_t left = remaining(r);
        int32_t n;
        if (!left) {
            finish(res, DS_UNKNOWN, DS_R_TIMEOUT);
            return;
        }
        n = r->tr->recv(r->tr->ctx, ws->rx, sizeof ws->rx, left);
        if (n < 0 || n > (int32_t)sizeof ws->rx) {
            res->transport_error = n < 0 ? (int)n : DS_TR_ERR_IO;
            finish(res, DS_UNKNOWN,
                   n == DS_TR_ERR_TIMEOUT ? DS_R_TIMEOUT : DS_R_CLOSED);
            return;
        }
        /* Bytes after the end of the message are ignored: a kept-alive
         * connection is closed by us, not awaited. */
        rc = n ? ds_http_feed(&ws->http, ws->rx, (size_t)n, NULL)
               : ds_http_finish(&ws->http);
    } while (rc == DS_HTTP_NEED_MORE);
    if (rc != DS_HTTP_DONE) {
        res->http_error = rc;
        finish(res, DS_UNKNOWN,
               rc == DS_HTTP_E_TRUNCATED ? DS_R_CLOSED
               : rc <= DS_HTTP_E_LINE_TOO_LONG && rc >= DS_HTTP_E_BODY_TOO_LARGE
                   ? DS_R_HTTP_TOO_LARGE
                   : DS_R_HTTP_MALFORMED);
        return;
    }
    judge(r);
}

static void attempt(run_t *r)
{
    ds_result_t *res = r->res;
    uint32_t left = remaining(r);
    ds_reason_t why = DS_R_DEADLINE;
    ds_result_new_attempt(res);
    if (left) {
        int rc = r->tr->connect(r->tr->ctx, r->req->host, r->req->port,
                            r->req->use_tls, left);
        if (rc) {
            res->transport_error = rc;
            /* DS_TR_ERR_RESOLVE..TLS_VERIFY map in order onto the reasons. */
            why = rc >= DS_TR_ERR_TLS_VERIFY && rc < 0
                      ? (ds_reason_t)(DS_R_RESOLVE - 1 - rc)
                  : rc == DS_TR_ERR_TIMEOUT ? DS_R_DEADLINE
                                            : DS_R_CONNECT;
        } else {
            why = send_request(r);
        }
    }
    if (why) {
        finish(res, DS_NETWORK, why);
        return;
    }
    receive(r);
}

static ds_reason_t check_input(const ds_stop_request_t *req,
                               const ds_transport_t *tr,
                               const ds_platform_t *pf, const ds_workspace_t *ws)
{
    if (!req || !tr || !pf || !ws || !tr->connect || !tr->send || !tr->recv ||
        !tr->close || !pf->now_ms || !pf->sleep_ms || !req->port ||
        !req->deadline_ms || req->retries < 0)
        return DS_R_BAD_ARGUMENT;
    if (!ds_valid_host(req->host))
        return DS_R_BAD_HOST;
    if (!ds_valid_id(req->task_id))
        return DS_R_BAD_TASK_ID;
    if (!ds_valid_id(req->record_id))
        return DS_R_BAD_RECORD_ID;
    if (req->auth.kind == DS_AUTH_TOKEN &&
        !ds_valid_token(req->auth.token, req->auth.token_len))
        return DS_R_BAD_TOKEN;
    if (req->auth.kind == DS_AUTH_AKSK)
        return DS_AKSK ? ds_aksk_check(req) : DS_R_BAD_CREDENTIALS;
    return DS_R_NONE;
}

ds_outcome_t ds_stop(const ds_stop_request_t *req, const ds_transport_t *tr,
                     const ds_platform_t *pf, ds_workspace_t *ws,
                     ds_result_t *res)
{
    run_t r;
    ds_reason_t why;
    int skew_retried = 0;
    if (!res)
        return DS_INVALID_INPUT;
    memset(res, 0, sizeof *res);
    why = check_input(req, tr, pf, ws);
    if (!why) {
        ds_head_init(&r.head, ws->head, sizeof ws->head);
        r.offset = req->auth.clock_offset_s ? *req->auth.clock_offset_s : 0;
        /* The response-body buffer is idle until the answer: it holds the
         * canonical request while signing. */
        why = DS_AKSK && req->auth.kind == DS_AUTH_AKSK
                  ? ds_aksk_head(&r.head, req, pf, r.offset, ws->body,
                                 sizeof ws->body)
                  : ds_request_head(&r.head, req);
    }
    if (why) {
        finish(res, DS_INVALID_INPUT, why);
        return DS_INVALID_INPUT;
    }
    r.req = req;
    r.tr = tr;
    r.pf = pf;
    r.ws = ws;
    r.res = res;
    if (req->trace)
        req->trace(req->trace_ctx, DS_TRACE_REQUEST_HEAD, r.head.buf,
                   r.head.len - DS_REQ_BODY_LEN);
    r.start = pf->now_ms(pf->ctx);
    for (;;) {
        uint32_t delay;
        res->attempts++;
        attempt(&r);
        tr->close(tr->ctx);
        /* A signature refused for its time: correct the clock from the
         * server's and re-sign, once (every refusal counts towards the
         * gateway's AK lockout). Not one of the `retries`. */
        if (DS_AKSK && req->auth.kind == DS_AUTH_AKSK && !skew_retried &&
            res->outcome == DS_AUTH_FAILED &&
            ds_aksk_skew_offset(pf, res, &r.offset)) {
            skew_retried = 1;
            if (req->auth.clock_offset_s)
                *req->auth.clock_offset_s = r.offset;
            ds_head_init(&r.head, ws->head, sizeof ws->head);
            if (ds_aksk_head(&r.head, req, pf, r.offset, ws->body,
                             sizeof ws->body) == DS_R_NONE) {
                if (req->trace)
                    req->trace(req->trace_ctx, DS_TRACE_REQUEST_HEAD,
                               r.head.buf, r.head.len - DS_REQ_BODY_LEN);
                continue;
            }
            break;
        }
        if (!ds_retryable(res) || res->attempts - skew_retried > req->retries)
            break;
        delay = ds_backoff_ms(pf, res->attempts, res->retry_after_s,
                              remaining(&r));
        if (!delay)
            break;
        if (req->trace) {
            ds_head_t h;
            ds_head_init(&h, (char *)ws->rx, sizeof ws->rx);
            ds_head_put(&h, "attempt ", 0);
            ds_head_put_u(&h, (unsigned long)res->attempts + 1);
            ds_head_put(&h, " after ", 0);
            ds_head_put_u(&h, delay);
            ds_head_put(&h, " ms", 0);
            req->trace(req->trace_ctx, DS_TRACE_ATTEMPT, h.buf, h.len);
        }
        pf->sleep_ms(pf->ctx, delay);
    }
    /* AK/SK heads carry a signature; a token head carries only the marker,
     * but wiping is cheaper than deciding. */
    ds_wipe(ws->head, sizeof ws->head);
    return res->outcome;
}
