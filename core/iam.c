/*
 * IAM token fetch (see ds_iam.h). The request streams through a sink over
 * ws->head that flushes to the transport, so the password is never held in
 * a buffer sized for the whole body; the same writer run without a buffer
 * counts the bytes for Content-Length.
 */
#include "ds_iam.h"

#include <string.h>

#include "ds_date.h"
#include "ds_sink.h"
#include "retry.h"

/* The password body of docs/api.md section 5 around the four escaped fields. */
static const char *const k_body[5] = {
    ("{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":"
     "{\"user\":{\"name\":\""),
    "\",\"password\":\"",
    "\",\"domain\":{\"name\":\"",
    "\"}}}},\"scope\":{\"project\":{\"name\":\"",
    "\"}}}}",
};

typedef struct conn {
    const ds_transport_t *tr;
    const ds_platform_t *pf;
    uint32_t start;
    uint32_t deadline_ms;
} conn_t;

static uint32_t time_left(const conn_t *c)
{
    uint32_t used = c->pf->now_ms(c->pf->ctx) - c->start;
    return used >= c->deadline_ms ? 0 : c->deadline_ms - used;
}

static int send_all(void *ctx, const char *data, size_t len)
{
    const conn_t *c = (const conn_t *)ctx;

    while (len) {
        uint32_t t = time_left(c);
        int32_t n;
        if (!t)
            return DS_TR_ERR_TIMEOUT;
        n = c->tr->send(c->tr->ctx, (const uint8_t *)data, len, t);
        if (n <= 0 || (size_t)n > len)
            return n < 0 ? (int)n : DS_TR_ERR_IO;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

static void put_json_string(ds_sink_t *s, const char *v)
{
    static const char hex[] = "0123456789abcdef";

    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        if (c == '"' || c == '\\') {
            ds_sink_byte(s, '\\');
        } else if (c < 0x20) {
            ds_sink_put(s, "\\u00", 4);
            ds_sink_byte(s, hex[c >> 4]);
            c = (unsigned char)hex[c & 15u];
        }
        ds_sink_byte(s, (char)c);
    }
}

static void put_body(ds_sink_t *s, const ds_iam_request_t *req)
{
    const char *const field[4] = {req->user, req->password, req->domain,
                                  req->project};
    int i;

    for (i = 0; i < 4; i++) {
        ds_sink_str(s, k_body[i]);
        put_json_string(s, field[i]);
    }
    ds_sink_str(s, k_body[4]);
}

static int send_request(const ds_iam_request_t *req, conn_t *c, char *buf,
                        size_t cap)
{
    ds_sink_t s;
    int v6 = strchr(req->host, ':') != NULL;
    size_t body_len;

    ds_sink_init(&s, NULL, 0);
    put_body(&s, req);
    body_len = s.total;
    ds_sink_init(&s, buf, cap);
    s.flush = send_all;
    s.ctx = c;
    ds_sink_str(&s, "POST /v3/auth/tokens?nocatalog=true HTTP/1.1\r\nHost: ");
    if (v6)
        ds_sink_byte(&s, '[');
    ds_sink_str(&s, req->host);
    if (v6)
        ds_sink_byte(&s, ']');
    if (req->port != 443) {
        ds_sink_byte(&s, ':');
        ds_sink_uint(&s, req->port);
    }
    ds_sink_str(&s, "\r\nContent-Type: application/json;charset=utf8\r\n"
                    "Accept: application/json\r\n"
                    "User-Agent: deploystop/" DS_VERSION "\r\n"
                    "Content-Length: ");
    ds_sink_uint(&s, (uint32_t)body_len);
    ds_sink_str(&s, "\r\n\r\n");
    put_body(&s, req);
    return ds_sink_flush(&s);
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Copies a JSON scalar (string decoded, anything else verbatim) into out
 * (cap >= 1). Control characters and \u escapes become ' ' and '?': the
 * copies are for messages and dates, never for re-encoding. */
static int copy_scalar(const char *v, size_t n, char *out, size_t cap)
{
    size_t i = 0, o = 0;
    int str = n && v[0] == '"', closed = !str;

    for (i = (size_t)str; i < n; i++) {
        char c = v[i];
        if (str && c == '"') {
            closed = 1;
            break;
        }
        if (str && c == '\\' && i + 1 < n) {
            c = v[++i];
            if (c == 'u') {
                i += 4;
                c = '?';
            } else if (c != '"' && c != '\\' && c != '/') {
                c = ' ';
            }
        } else if (!str && (c == ',' || c == '}' || c == ']' || is_ws(c))) {
            break;
        }
        if ((unsigned char)c < 0x20)
            c = ' ';
        if (o + 1 < cap)
            out[o++] = c;
    }
    out[o] = '\0';
    return closed && o ? 0 : -1;
}

/* Value of `key` in the top-level object (parent NULL) or in the object
 * that is the value of top-level key `parent`. Constant memory and no
 * recursion: it tracks the nesting depth and whether the open depth-2
 * object belongs to `parent`. Keys are compared raw (ours need no
 * escapes). */
static int json_find(const char *b, size_t n, const char *parent,
                     const char *key, char *out, size_t cap)
{
    size_t i = 0, s, klen;
    int depth = 0, in_parent = 0, want = parent ? 2 : 1;

    while (i < n) {
        char c = b[i++];
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth < 2)
                in_parent = 0;
        } else if (c == '"') {
            s = i;
            while (i < n && b[i] != '"')
                i += b[i] == '\\' ? 2u : 1u;
            if (i >= n)
                return -1;
            klen = i++ - s;
            while (i < n && is_ws(b[i]))
                i++;
            if (i >= n || b[i] != ':')
                continue; /* a string value, not a key */
            i++;
            while (i < n && is_ws(b[i]))
                i++;
            if (depth == 1 && parent) {
                in_parent = i < n && b[i] == '{' && klen == strlen(parent) &&
                            !memcmp(b + s, parent, klen);
            } else if (depth == want && (!parent || in_parent) &&
                       klen == strlen(key) && !memcmp(b + s, key, klen)) {
                return copy_scalar(b + i, n - i, out, cap);
            }
        }
    }
    return -1;
}

int ds_iam_parse_expires(const char *body, size_t len, int64_t *expires_at)
{
    char iso[40];

    if (!body || !expires_at ||
        json_find(body, len, "token", "expires_at", iso, sizeof iso))
        return -1;
    return ds_date_parse_iso8601(iso, expires_at);
}

int ds_token_needs_refresh(int64_t expires_at, int64_t now, int64_t margin_s)
{
    return now >= expires_at || expires_at - now <= margin_s;
}

void ds_iam_request_init(ds_iam_request_t *req)
{
    memset(req, 0, sizeof *req);
    req->port = DS_DEFAULT_PORT;
    req->use_tls = 1;
    req->deadline_ms = DS_DEFAULT_DEADLINE_MS;
    req->retries = DS_DEFAULT_RETRIES;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int field_ok(const char *f)
{
    size_t n = f ? strlen(f) : 0;
    return n >= 1 && n <= DS_IAM_FIELD_MAX;
}

static ds_outcome_t finish(ds_result_t *res, ds_outcome_t o, ds_reason_t r)
{
    res->outcome = o;
    res->reason = r;
    return o;
}

static ds_reason_t connect_reason(int e)
{
    switch (e) {
    case DS_TR_ERR_RESOLVE: return DS_R_RESOLVE;
    case DS_TR_ERR_TLS: return DS_R_TLS;
    case DS_TR_ERR_TLS_VERIFY: return DS_R_TLS_VERIFY;
    case DS_TR_ERR_TIMEOUT: return DS_R_DEADLINE;
    default: return DS_R_CONNECT;
    }
}

/* Receives and parses the answer; DS_R_NONE once it is complete. */
static ds_reason_t receive(conn_t *c, ds_workspace_t *ws, ds_result_t *res)
{
    for (;;) {
        uint32_t t = time_left(c);
        int32_t n;
        int rc;

        if (!t)
            return DS_R_TIMEOUT;
        n = c->tr->recv(c->tr->ctx, ws->rx, sizeof ws->rx, t);
        if (n < 0) {
            res->transport_error = (int)n;
            /* The port waited all the time left. */
            return n == DS_TR_ERR_TIMEOUT ? DS_R_TIMEOUT : DS_R_CLOSED;
        }
        rc = n ? ds_http_feed(&ws->http, ws->rx, (size_t)n, NULL)
               : ds_http_finish(&ws->http);
        if (rc == DS_HTTP_DONE)
            return DS_R_NONE;
        if (rc != DS_HTTP_NEED_MORE) {
            res->http_error = rc;
            if (rc == DS_HTTP_E_TRUNCATED)
                return DS_R_CLOSED;
            return rc == DS_HTTP_E_LINE_TOO_LONG ||
                           rc == DS_HTTP_E_HEADERS_TOO_LARGE ||
                           rc == DS_HTTP_E_BODY_TOO_LARGE
                       ? DS_R_HTTP_TOO_LARGE
                       : DS_R_HTTP_MALFORMED;
        }
    }
}

static ds_outcome_t judge(ds_workspace_t *ws, ds_iam_token_t *tok,
                          ds_result_t *res)
{
    const ds_http_parser_t *p = &ws->http;
    int st = p->status;

    res->http_status = st;
    copy_str(res->request_id, sizeof res->request_id, p->request_id);
    copy_str(res->server_date, sizeof res->server_date, p->date);
    if (p->has_retry_after)
        res->retry_after_s = p->retry_after_s;
    if (st >= 200 && st < 300) {
        if (!p->cap_found || !ds_valid_token(tok->buf, p->cap_len))
            return finish(res, DS_UNKNOWN, DS_R_HTTP_MALFORMED);
        if (ds_iam_parse_expires(p->body, p->body_len, &tok->expires_at))
            return finish(res, DS_UNKNOWN, DS_R_JSON_MALFORMED);
        tok->len = p->cap_len;
        return finish(res, DS_IAM_ISSUED, DS_R_NONE);
    }
    if (json_find(p->body, p->body_len, NULL, "error_code", res->error_code,
                  sizeof res->error_code))
        json_find(p->body, p->body_len, "error", "code", res->error_code,
                  sizeof res->error_code);
    if (json_find(p->body, p->body_len, NULL, "error_msg", res->error_msg,
                  sizeof res->error_msg))
        json_find(p->body, p->body_len, "error", "message", res->error_msg,
                  sizeof res->error_msg);
    if (!res->request_id[0])
        json_find(p->body, p->body_len, NULL, "request_id", res->request_id,
                  sizeof res->request_id);
    if (st == 401 || st == 403)
        return finish(res, DS_AUTH_FAILED, DS_R_HTTP_STATUS);
    if (st == 404)
        return finish(res, DS_NOT_FOUND, DS_R_HTTP_STATUS);
    if (st == 429 || st >= 500)
        return finish(res, DS_UNAVAILABLE, DS_R_HTTP_STATUS);
    return finish(res, DS_REJECTED, DS_R_HTTP_STATUS);
}

static ds_outcome_t exchange(const ds_iam_request_t *req, conn_t *c,
                             ds_workspace_t *ws, ds_iam_token_t *tok,
                             ds_result_t *res)
{
    ds_reason_t r;
    int e;

    ds_result_new_attempt(res);
    e = c->tr->connect(c->tr->ctx, req->host, req->port, req->use_tls,
                       time_left(c));
    if (e) {
        res->transport_error = e;
        return finish(res, DS_NETWORK, connect_reason(e));
    }
    e = send_request(req, c, ws->head, sizeof ws->head);
    if (e) {
        res->transport_error = e;
        return finish(res, DS_NETWORK,
                      e == DS_TR_ERR_TIMEOUT ? DS_R_DEADLINE : DS_R_SEND);
    }
    ds_http_init(&ws->http, ws->body, sizeof ws->body);
    ds_http_capture(&ws->http, "x-subject-token", tok->buf, tok->cap);
    r = receive(c, ws, res);
    if (r != DS_R_NONE)
        return finish(res, DS_UNKNOWN, r);
    return judge(ws, tok, res);
}

ds_outcome_t ds_iam_fetch(const ds_iam_request_t *req,
                          const ds_transport_t *tr, const ds_platform_t *pf,
                          ds_workspace_t *ws, ds_iam_token_t *tok,
                          ds_result_t *res)
{
    conn_t c;
    ds_outcome_t o;

    if (!res)
        return DS_INVALID_INPUT;
    memset(res, 0, sizeof *res);
    if (!req || !tr || !pf || !ws || !tok || !tok->buf || tok->cap < 2 ||
        !tr->connect || !tr->send || !tr->recv || !tr->close || !pf->now_ms ||
        req->retries < 0 || (req->retries && !pf->sleep_ms))
        return finish(res, DS_INVALID_INPUT, DS_R_BAD_ARGUMENT);
    tok->len = 0;
    tok->buf[0] = '\0';
    if (!req->host || !ds_valid_host(req->host))
        return finish(res, DS_INVALID_INPUT, DS_R_BAD_HOST);
    if (!field_ok(req->user) || !field_ok(req->password) ||
        !field_ok(req->domain) || !field_ok(req->project))
        return finish(res, DS_INVALID_INPUT, DS_R_BAD_CREDENTIALS);

    c.tr = tr;
    c.pf = pf;
    c.start = pf->now_ms(pf->ctx);
    c.deadline_ms = req->deadline_ms ? req->deadline_ms : DS_DEFAULT_DEADLINE_MS;
    for (;;) {
        uint32_t delay;
        res->attempts++;
        o = exchange(req, &c, ws, tok, res);
        tr->close(tr->ctx);
        if (!ds_retryable(res) || res->attempts > req->retries)
            break;
        delay = ds_backoff_ms(pf, res->attempts, res->retry_after_s,
                              time_left(&c));
        if (!delay)
            break;
        pf->sleep_ms(pf->ctx, delay);
    }
    ds_wipe(ws->head, sizeof ws->head);
    ds_wipe(ws->rx, sizeof ws->rx);
    if (o != DS_IAM_ISSUED) {
        ds_wipe(tok->buf, tok->cap);
        tok->len = 0;
    }
    return o;
}
