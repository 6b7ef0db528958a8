/* AK/SK signing of a stop request (see stop_aksk.h). */
#include "stop_aksk.h"

#include <string.h>

#include "ds_sign.h"

/* "[" host "]:65535" */
#define HOST_VALUE_MAX (1u + DS_HOST_MAX + 1u + 6u)

/* Host value, path and query of the call go to the end of the scratch
 * buffer (not the stack: this frame sits on the deepest call chain). */
static size_t tail_len(const ds_call_t *c)
{
    return HOST_VALUE_MAX + 1u + DS_WIRE_PATH_MAX + 1u +
           (ds_wire_has_query(c) ? DS_WIRE_QUERY_MAX + 1u : 0u);
}

static int64_t clock_s(const ds_platform_t *pf)
{
    int64_t t;

    if (pf->unix_time && pf->unix_time(pf->ctx, &t) == 0)
        return t;
    return (int64_t)(pf->now_ms(pf->ctx) / 1000u);
}

static int in_range(int64_t s)
{
    return s >= -DS_AKSK_CLOCK_MAX && s <= DS_AKSK_CLOCK_MAX;
}

ds_reason_t ds_aksk_check(const ds_stop_request_t *req)
{
    const ds_crypto_t *c = req->auth.crypto;

    if (!c || !c->sha256 || !c->hmac_sha256 ||
        !ds_sign_valid_credentials(req->auth.ak, req->auth.sk))
        return DS_R_BAD_CREDENTIALS;
    return DS_R_NONE;
}

/* One wire element into `cap` bytes at `at`, NUL-terminated; 0 when it
 * did not fit. */
static int element(char *at, size_t cap,
                   void (*put)(ds_wr_t *, const ds_call_t *),
                   const ds_call_t *c)
{
    ds_wr_t v;
    ds_wr_init(&v, at, cap);
    put(&v, c);
    ds_wr_byte(&v, '\0');
    return !v.err;
}

static void host_of(ds_wr_t *w, const ds_call_t *c)
{
    ds_wire_host(w, c->host, c->port);
}

static ds_reason_t sign_into(ds_wr_t *h, const ds_call_t *c,
                             const ds_sign_input_t *in, char *scratch,
                             size_t cap)
{
    int rc = h->len < h->cap && !h->err
                 ? ds_sign_authorization(in, c->auth->ak, c->auth->sk,
                                         c->auth->crypto, scratch, cap,
                                         h->buf + h->len, h->cap - h->len)
                 : DS_SIGN_E_OUTPUT;
    if (rc == DS_SIGN_E_CRYPTO || rc == DS_SIGN_E_CREDENTIALS)
        return DS_R_BAD_CREDENTIALS;
    if (rc != DS_SIGN_OK)
        return DS_R_REQUEST_TOO_LARGE;
    /* Signed straight into the head: no second copy of the header. */
    h->len += strlen(h->buf + h->len);
    return DS_R_NONE;
}

ds_reason_t ds_aksk_call_head(ds_wr_t *h, const ds_call_t *c,
                              const ds_platform_t *pf, int64_t offset,
                              char *scratch, size_t scratch_cap,
                              size_t body_len)
{
    char date[DS_SDK_DATE_LEN + 1];
    char *host, *path, *query = NULL;
    ds_sign_input_t in;
    int64_t now = clock_s(pf);
    size_t tail = tail_len(c);
    ds_reason_t why;

    if (!in_range(now) || !in_range(offset) ||
        ds_date_sdk(now + offset, date, sizeof date))
        return DS_R_NO_CLOCK;
    if (!scratch || scratch_cap < tail)
        return DS_R_REQUEST_TOO_LARGE;
    scratch_cap -= tail;
    host = scratch + scratch_cap;
    path = host + HOST_VALUE_MAX + 1u;
    if (!element(host, HOST_VALUE_MAX + 1u, host_of, c))
        return DS_R_BAD_HOST;
    if (!element(path, DS_WIRE_PATH_MAX + 1u, ds_wire_path, c))
        return DS_R_BAD_RECORD_ID;
    if (ds_wire_has_query(c)) {
        query = path + DS_WIRE_PATH_MAX + 1u;
        if (!element(query, DS_WIRE_QUERY_MAX + 1u, ds_wire_query, c))
            return DS_R_REQUEST_TOO_LARGE;
    }
    memset(&in, 0, sizeof in);
    in.method = c->method;
    in.path = path;
    in.query = query;
    in.content_type = c->content_type;
    in.host = host;
    in.sdk_date = date;
    in.body = (const uint8_t *)c->body_lit;
    in.body_len = ds_call_body_lit_len(c);

    ds_call_begin(h, c, body_len);
    ds_wr_str(h, "\r\nX-Sdk-Date: ");
    ds_wr_str(h, date);
    ds_wr_str(h, "\r\nAuthorization: ");
    why = sign_into(h, c, &in, scratch, scratch_cap);
    return why ? why : ds_call_end(h, c);
}

ds_reason_t ds_aksk_head(ds_wr_t *h, const ds_stop_request_t *req,
                         const ds_platform_t *pf, int64_t offset, char *scratch,
                         size_t scratch_cap)
{
    ds_call_t c;
    ds_call_stop(&c, req);
    return ds_aksk_call_head(h, &c, pf, offset, scratch, scratch_cap, 0);
}

int ds_aksk_skew_offset(const ds_platform_t *pf, const ds_result_t *res,
                        int64_t *offset)
{
    int64_t server, now;

    if (!ds_sign_skew_refused(res->http_status, res->error_msg,
                              res->server_date, &server))
        return 0;
    now = clock_s(pf);
    /* The server's date is at most year 9999 (ds_date_parse_http). */
    if (!in_range(now) || !in_range(server) || !in_range(server - now))
        return 0;
    *offset = server - now;
    return 1;
}
