/*
 * Internal: the request builder. One function per wire element (Host
 * value, path, query) serves both the request and the AK/SK signer, so the
 * signature covers exactly the bytes that are sent.
 *
 * The head holds every header but the secret: where the token goes it holds
 * "[REDACTED]" instead, so the same bytes serve the trace, and the sender
 * streams the caller's token in place of that marker (ds_wr_t.mark).
 */
#ifndef DS_REQUEST_H
#define DS_REQUEST_H

#include <stddef.h>

#include "deploystop.h"
#include "exchange.h"
#include "writer.h"

#define DS_REDACTED "[REDACTED]"
#define DS_REDACTED_LEN 10u

/* Longest path and query request.c writes (the stop path; the history
 * query with a 5-digit page), without the NUL. */
#define DS_WIRE_PATH_MAX 88u
#define DS_WIRE_QUERY_MAX 64u

/* Host header value: host, "[v6]" for an IPv6 literal, ":port" unless 443. */
void ds_wire_host(ds_wr_t *w, const char *host, uint16_t port);
/* Path of the call, without the query. */
void ds_wire_path(ds_wr_t *w, const ds_call_t *c);
/* Query of the call without '?'; nothing when it has none. */
void ds_wire_query(ds_wr_t *w, const ds_call_t *c);
/* 1 when the call's request has a query. */
int ds_wire_has_query(const ds_call_t *c);

/* Request line, Host and the fixed headers of the call (Content-Length of
 * a streamed body included: `body_len`), the last one without its CRLF:
 * every later header starts with one. Auth lines come next. */
void ds_call_begin(ds_wr_t *h, const ds_call_t *c, size_t body_len);
/* "\r\nX-Auth-Token: [REDACTED]", remembering where the token goes. */
void ds_head_token(ds_wr_t *h);
/* CRLF of the last header, end of headers and the call's literal body
 * ({} for a stop). Returns
 * DS_R_NONE or DS_R_REQUEST_TOO_LARGE when the head did not fit. */
ds_reason_t ds_call_end(ds_wr_t *h, const ds_call_t *c);
/* Bytes of literal body at the end of the head (the trace omits them). */
size_t ds_call_body_lit_len(const ds_call_t *c);

/* The whole head of call `c` with a token marker or no auth (AK/SK heads:
 * ds_aksk_call_head); DS_R_BAD_CREDENTIALS for other auth. */
ds_reason_t ds_call_head(ds_wr_t *h, const ds_call_t *c, size_t body_len);

/* A stop of req->record_id of req->task_id (PUT .../stop, body {}). */
void ds_call_stop(ds_call_t *c, const ds_stop_request_t *req);

/* The stop's head, for callers that build it piece by piece. */
void ds_head_begin(ds_wr_t *h, const ds_stop_request_t *req);
ds_reason_t ds_head_end(ds_wr_t *h);
/* The whole head of a token stop. Returns DS_R_NONE,
 * DS_R_REQUEST_TOO_LARGE or DS_R_BAD_CREDENTIALS (not token auth). */
ds_reason_t ds_request_head(ds_wr_t *h, const ds_stop_request_t *req);

/* Length of the body at the end of a stop's head ("{}"). */
#define DS_REQ_BODY_LEN 2u

#endif /* DS_REQUEST_H */
