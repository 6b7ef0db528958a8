/*
 * IAM token fetch (see ds_iam.h): one call on the exchange engine. The
 * body streams through the engine's flushing writer, so the password is
 * never held in a buffer sized for the whole body; the same writer run
 * without a buffer counts the bytes for Content-Length.
 */
#include "ds_iam.h"

#include <string.h>

#include "ds_date.h"
#include "exchange.h"
#include "json_map.h"
#include "writer.h"

/* The password body around the four escaped fields. */
static const char *const k_body[5] = {
    ("{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":"
     "{\"user\":{\"name\":\""),
    "\",\"password\":\"",
    "\",\"domain\":{\"name\":\"",
    "\"}}}},\"scope\":{\"project\":{\"name\":\"",
    "\"}}}}",
};

static void put_json_string(ds_wr_t *s, const char *v)
{
    static const char hex[] = "0123456789abcdef";

    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        if (c == '"' || c == '\\') {
            ds_wr_byte(s, '\\');
        } else if (c < 0x20) {
            ds_wr_put(s, "\\u00", 4);
            ds_wr_byte(s, hex[c >> 4]);
            c = (unsigned char)hex[c & 15u];
        }
        ds_wr_byte(s, (char)c);
    }
}

static void put_body(ds_wr_t *s, const ds_call_t *c)
{
    const ds_iam_request_t *req = c->iam;
    const char *const field[4] = {req->user, req->password, req->domain,
                                  req->project};
    int i;

    for (i = 0; i < 4; i++) {
        ds_wr_str(s, k_body[i]);
        put_json_string(s, field[i]);
    }
    ds_wr_str(s, k_body[4]);
}

static void iam_path(ds_wr_t *w, const ds_call_t *c)
{
    (void)c;
    ds_wr_str(w, "/v3/auth/tokens");
}

static void iam_query(ds_wr_t *w, const ds_call_t *c)
{
    (void)c;
    ds_wr_str(w, "nocatalog=true");
}

/* The token is captured by the response parser straight into the
 * caller's buffer (never a whole-response buffer). */
static void iam_prepare(ds_call_t *c, ds_session_t *s)
{
    ds_iam_token_t *tok = c->out;
    ds_http_capture(&s->ws->http, "x-subject-token", tok->buf, tok->cap);
}

static void iam_judge(ds_call_t *c, ds_session_t *s, ds_result_t *res)
{
    const ds_http_parser_t *p = &s->ws->http;
    ds_iam_token_t *tok = c->out;
    if (!p->cap_found || !ds_valid_token(tok->buf, p->cap_len)) {
        res->outcome = DS_UNKNOWN;
        res->reason = DS_R_HTTP_MALFORMED;
    } else if (ds_iam_parse_expires(p->body, p->body_len, &tok->expires_at)) {
        res->outcome = DS_UNKNOWN;
        res->reason = DS_R_JSON_MALFORMED;
    } else {
        tok->len = p->cap_len;
    }
}

int ds_iam_parse_expires(const char *body, size_t len, int64_t *expires_at)
{
    char iso[40];
    long at;

    if (!body || !expires_at)
        return -1;
    at = ds_json_find(body, len, "token", "expires_at");
    if (at < 0 || ds_json_scalar(body, len, (size_t)at, iso, sizeof iso))
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

static int field_ok(const char *f)
{
    size_t n = f ? strlen(f) : 0;
    return n >= 1 && n <= DS_IAM_FIELD_MAX;
}

static ds_reason_t check(const ds_iam_request_t *req, const ds_transport_t *tr,
                         const ds_platform_t *pf, const ds_workspace_t *ws,
                         const ds_iam_token_t *tok)
{
    if (!req || !tr || !pf || !ws || !tok || !tok->buf || tok->cap < 2 ||
        !tr->connect || !tr->send || !tr->recv || !tr->close || !pf->now_ms ||
        req->retries < 0 || (req->retries && !pf->sleep_ms))
        return DS_R_BAD_ARGUMENT;
    if (!req->host || !ds_valid_host(req->host))
        return DS_R_BAD_HOST;
    if (!field_ok(req->user) || !field_ok(req->password) ||
        !field_ok(req->domain) || !field_ok(req->project))
        return DS_R_BAD_CREDENTIALS;
    return DS_R_NONE;
}

ds_outcome_t ds_iam_fetch(const ds_iam_request_t *req, const ds_transport_t *tr,
                          const ds_platform_t *pf, ds_workspace_t *ws,
                          ds_iam_token_t *tok, ds_result_t *res)
{
    ds_session_t s;
    ds_call_t c;
    ds_outcome_t o;
    ds_reason_t why;

    if (!res)
        return DS_INVALID_INPUT;
    memset(res, 0, sizeof *res);
    why = check(req, tr, pf, ws, tok);
    if (tok && tok->buf && tok->cap >= 2 && why != DS_R_BAD_ARGUMENT) {
        tok->len = 0;
        tok->buf[0] = '\0';
    }
    if (why) {
        res->outcome = DS_INVALID_INPUT;
        res->reason = why;
        return DS_INVALID_INPUT;
    }
    memset(&c, 0, sizeof c);
    c.method = "POST";
    c.content_type = "application/json;charset=utf8";
    c.path = iam_path;
    c.query = iam_query;
    ds_call_body(&c, put_body);
    c.host = req->host;
    c.port = req->port;
    c.use_tls = req->use_tls;
    c.retries = req->retries;
    c.iam = req;
    c.prepare = iam_prepare;
    c.judge = iam_judge;
    c.out = tok;
    ds_session_begin(&s, tr, pf, ws, req->deadline_ms);
    o = ds_exchange(&s, &c, res);
    ds_session_end(&s);
    ds_wipe(ws->rx, sizeof ws->rx);
    if (o != DS_IAM_ISSUED) {
        ds_wipe(tok->buf, tok->cap);
        tok->len = 0;
    }
    return o;
}
