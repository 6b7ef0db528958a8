/* AK/SK signing of a stop request (see stop_aksk.h). */
#include "stop_aksk.h"

#include <string.h>

#include "ds_sign.h"

/* "/v2/tasks/" ID "/records/" ID "/stop" */
#define STOP_PATH_LEN (10u + DS_ID_LEN + 9u + DS_ID_LEN + 5u)
/* "[" host "]:65535" */
#define HOST_VALUE_MAX (1u + DS_HOST_MAX + 1u + 6u)
#define TAIL (HOST_VALUE_MAX + 1u + STOP_PATH_LEN + 1u)

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

/* Host header value exactly as ds_head_begin writes it. */
static void host_value(ds_head_t *v, const ds_stop_request_t *req)
{
    int v6 = strchr(req->host, ':') != NULL;

    if (v6)
        ds_head_put(v, "[", 1);
    ds_head_put(v, req->host, 0);
    if (v6)
        ds_head_put(v, "]", 1);
    if (req->port != 443) {
        ds_head_put(v, ":", 1);
        ds_head_put_u(v, req->port);
    }
    ds_head_put(v, "", 1);
}

ds_reason_t ds_aksk_head(ds_head_t *h, const ds_stop_request_t *req,
                         const ds_platform_t *pf, int64_t offset,
                         char *scratch, size_t scratch_cap)
{
    char date[DS_SDK_DATE_LEN + 1];
    char *host, *path;
    ds_sign_input_t in;
    ds_head_t v;
    int64_t now = clock_s(pf);
    int rc;

    if (!in_range(now) || !in_range(offset) ||
        ds_date_sdk(now + offset, date, sizeof date))
        return DS_R_NO_CLOCK;
    /* Host and path go to the end of the scratch buffer, not the stack:
     * this frame sits on the deepest call chain of a stop. */
    if (!scratch || scratch_cap < TAIL)
        return DS_R_REQUEST_TOO_LARGE;
    scratch_cap -= TAIL;
    host = scratch + scratch_cap;
    path = host + HOST_VALUE_MAX + 1u;
    ds_head_init(&v, host, HOST_VALUE_MAX + 1u);
    host_value(&v, req);
    if (v.len > v.cap)
        return DS_R_BAD_HOST;
    ds_head_init(&v, path, STOP_PATH_LEN + 1u);
    ds_head_put(&v, "/v2/tasks/", 0);
    ds_head_put(&v, req->task_id, 0);
    ds_head_put(&v, "/records/", 0);
    ds_head_put(&v, req->record_id, 0);
    ds_head_put(&v, "/stop", 6);
    if (v.len > v.cap)
        return DS_R_BAD_RECORD_ID;

    memset(&in, 0, sizeof in);
    in.method = "PUT";
    in.path = path;
    in.content_type = "application/json";
    in.host = host;
    in.sdk_date = date;
    in.body = (const uint8_t *)"{}";
    in.body_len = 2;

    ds_head_begin(h, req);
    ds_head_header(h, "X-Sdk-Date", date);
    ds_head_put(h, "Authorization: ", 0);
    /* Signed straight into the head: no second copy of the header. */
    rc = h->len < h->cap
             ? ds_sign_authorization(&in, req->auth.ak, req->auth.sk,
                                     req->auth.crypto, scratch, scratch_cap,
                                     h->buf + h->len, h->cap - h->len)
             : DS_SIGN_E_OUTPUT;
    if (rc == DS_SIGN_E_CRYPTO || rc == DS_SIGN_E_CREDENTIALS)
        return DS_R_BAD_CREDENTIALS;
    if (rc != DS_SIGN_OK)
        return DS_R_REQUEST_TOO_LARGE;
    h->len += strlen(h->buf + h->len);
    ds_head_put(h, "\r\n", 2);
    return ds_head_end(h);
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
