/*
 * The stop request head. Appends are unchecked one by one and checked once
 * at the end (ds_head_t.len goes past cap and stays there): a head that does
 * not fit is one clean error, never a truncated request on the wire.
 */
#include <string.h>

#include "request.h"

void ds_head_init(ds_head_t *h, char *buf, size_t cap)
{
    h->buf = buf;
    h->cap = cap;
    h->len = 0;
    h->mark = 0;
}

void ds_head_put(ds_head_t *h, const char *s, size_t n)
{
    if (!n)
        n = strlen(s);
    if (h->len + n > h->cap) {
        h->len = h->cap + 1;
        return;
    }
    memcpy(h->buf + h->len, s, n);
    h->len += n;
}

void ds_head_put_u(ds_head_t *h, unsigned long v)
{
    char d[12];
    size_t i = sizeof d;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    ds_head_put(h, d + i, sizeof d - i);
}

void ds_head_header(ds_head_t *h, const char *name, const char *value)
{
    ds_head_put(h, name, 0);
    ds_head_put(h, ": ", 2);
    ds_head_put(h, value, 0);
    ds_head_put(h, "\r\n", 2);
}

void ds_head_begin(ds_head_t *h, const ds_stop_request_t *req)
{
    int v6 = strchr(req->host, ':') != NULL;
    ds_head_put(h, "PUT /v2/tasks/", 0);
    ds_head_put(h, req->task_id, 0);
    ds_head_put(h, "/records/", 0);
    ds_head_put(h, req->record_id, 0);
    /* One literal, with the opening bracket of an IPv6 literal or not. */
    ds_head_put(h, "/stop HTTP/1.1\r\nHost: [", v6 ? 23 : 22);
    ds_head_put(h, req->host, 0);
    if (v6)
        ds_head_put(h, "]", 1);
    if (req->port != 443) {
        ds_head_put(h, ":", 1);
        ds_head_put_u(h, req->port);
    }
    ds_head_put(h, "\r\nContent-Type: application/json\r\n"
                   "Content-Length: 2\r\n"
                   "Accept: application/json\r\n"
                   "User-Agent: deploystop/" DS_VERSION "\r\n", 0);
}

void ds_head_token(ds_head_t *h)
{
    ds_head_put(h, "X-Auth-Token: ", 0);
    h->mark = h->len;
    ds_head_put(h, DS_REDACTED "\r\n", 0);
}

ds_reason_t ds_head_end(ds_head_t *h)
{
    ds_head_put(h, "\r\n{}", 4);
    return h->len > h->cap ? DS_R_REQUEST_TOO_LARGE : DS_R_NONE;
}

ds_reason_t ds_request_head(ds_head_t *h, const ds_stop_request_t *req)
{
    ds_head_begin(h, req);
    if (req->auth.kind != DS_AUTH_TOKEN)
        return DS_R_BAD_CREDENTIALS;
    ds_head_token(h);
    return ds_head_end(h);
}
