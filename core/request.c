/*
 * The request builder (see request.h). Appends are unchecked one by one and
 * checked once at the end (the writer's error is sticky): a head that does
 * not fit is one clean error, never a truncated request on the wire.
 */
#include <string.h>

#include "request.h"

void ds_wire_host(ds_wr_t *w, const char *host, uint16_t port)
{
    int v6 = strchr(host, ':') != NULL;
    if (v6)
        ds_wr_byte(w, '[');
    ds_wr_str(w, host);
    if (v6)
        ds_wr_byte(w, ']');
    if (port != 443) {
        ds_wr_byte(w, ':');
        ds_wr_uint(w, port);
    }
}

void ds_wire_path(ds_wr_t *w, const ds_call_t *c)
{
    c->path(w, c);
}

void ds_wire_query(ds_wr_t *w, const ds_call_t *c)
{
    if (c->query)
        c->query(w, c);
}

int ds_wire_has_query(const ds_call_t *c)
{
    return c->query != NULL;
}

size_t ds_call_body_lit_len(const ds_call_t *c)
{
    return c->body_lit ? strlen(c->body_lit) : 0;
}

void ds_call_begin(ds_wr_t *h, const ds_call_t *c, size_t body_len)
{
    ds_wr_str(h, c->method);
    ds_wr_byte(h, ' ');
    ds_wire_path(h, c);
    if (c->query) {
        ds_wr_byte(h, '?');
        ds_wire_query(h, c);
    }
    ds_wr_str(h, " HTTP/1.1\r\nHost: ");
    ds_wire_host(h, c->host, c->port);
    if (c->content_type) {
        ds_wr_str(h, "\r\nContent-Type: ");
        ds_wr_str(h, c->content_type);
    }
    if (c->body_lit) {
        ds_wr_str(h, "\r\nContent-Length: ");
        ds_wr_uint(h, ds_call_body_lit_len(c));
    }
    ds_wr_str(h, "\r\nAccept: application/json"
                 "\r\nUser-Agent: deploystop/" DS_VERSION);
    if (c->body) {
        ds_wr_str(h, "\r\nContent-Length: ");
        ds_wr_uint(h, body_len);
    }
}

void ds_head_token(ds_wr_t *h)
{
    ds_wr_str(h, "\r\nX-Auth-Token: ");
    h->mark = h->len;
    ds_wr_str(h, DS_REDACTED);
}

ds_reason_t ds_call_end(ds_wr_t *h, const ds_call_t *c)
{
    ds_wr_put(h, "\r\n\r\n", 4);
    if (c->body_lit)
        ds_wr_str(h, c->body_lit);
    return h->err ? DS_R_REQUEST_TOO_LARGE : DS_R_NONE;
}

/* The stop's own pieces: its path, and a call describing it. */
static void stop_path(ds_wr_t *w, const ds_call_t *c)
{
    ds_wr_str(w, "/v2/tasks/");
    ds_wr_str(w, c->req->task_id);
    ds_wr_str(w, "/records/");
    ds_wr_str(w, c->req->record_id);
    ds_wr_str(w, "/stop");
}

void ds_call_stop(ds_call_t *c, const ds_stop_request_t *req)
{
    ds_call_init(c, req);
    c->method = "PUT";
    c->content_type = "application/json";
    c->body_lit = "{}";
    c->path = stop_path;
}

void ds_head_begin(ds_wr_t *h, const ds_stop_request_t *req)
{
    ds_call_t c;
    ds_call_stop(&c, req);
    ds_call_begin(h, &c, 0);
    ds_wr_put(h, "\r\n", 2);
}

ds_reason_t ds_head_end(ds_wr_t *h)
{
    ds_wr_put(h, "\r\n{}", 4);
    return h->err ? DS_R_REQUEST_TOO_LARGE : DS_R_NONE;
}

ds_reason_t ds_request_head(ds_wr_t *h, const ds_stop_request_t *req)
{
    ds_call_t c;
    if (req->auth.kind != DS_AUTH_TOKEN) {
        ds_head_begin(h, req);
        return DS_R_BAD_CREDENTIALS;
    }
    ds_call_stop(&c, req);
    return ds_call_head(h, &c, 0);
}

ds_reason_t ds_call_head(ds_wr_t *h, const ds_call_t *c, size_t body_len)
{
    const ds_auth_t *a = c->auth;
    ds_call_begin(h, c, body_len);
    if (a && a->kind != DS_AUTH_TOKEN)
        return DS_R_BAD_CREDENTIALS;
    if (a)
        ds_head_token(h);
    return ds_call_end(h, c);
}
