/*
 * Building the request head of a stop into the caller's buffer.
 *
 * The head holds every header but the secret: where the token goes it holds
 * "[REDACTED]" instead, so the same bytes serve the trace, and the sender
 * streams the caller's token in place of that marker (ds_head_t.mark).
 * Other authentication schemes (AK/SK signing) add their header lines with
 * ds_head_header() before ds_head_end().
 */
#ifndef DS_REQUEST_H
#define DS_REQUEST_H

#include <stddef.h>

#include "deploystop.h"

#define DS_REDACTED "[REDACTED]"
#define DS_REDACTED_LEN 10u

typedef struct ds_head {
    char *buf;
    size_t cap;
    size_t len;     /* > cap once anything did not fit (sticky) */
    size_t mark;    /* offset of DS_REDACTED; 0 when the head has no token */
} ds_head_t;

void ds_head_init(ds_head_t *h, char *buf, size_t cap);
/* Append `n` bytes (n == 0: a NUL-terminated string). */
void ds_head_put(ds_head_t *h, const char *s, size_t n);
/* Append an unsigned number in decimal. */
void ds_head_put_u(ds_head_t *h, unsigned long v);
/* Append "name: value\r\n". */
void ds_head_header(ds_head_t *h, const char *name, const char *value);

/* Request line, Host and the fixed headers of a stop. */
void ds_head_begin(ds_head_t *h, const ds_stop_request_t *req);
/* "X-Auth-Token: [REDACTED]\r\n", remembering where the token goes. */
void ds_head_token(ds_head_t *h);
/* End of headers and the body "{}". Returns DS_R_NONE or
 * DS_R_REQUEST_TOO_LARGE when the head did not fit the buffer. */
ds_reason_t ds_head_end(ds_head_t *h);

/* The whole head for `req` (token auth). Returns DS_R_NONE,
 * DS_R_REQUEST_TOO_LARGE or DS_R_BAD_CREDENTIALS (auth kind this build
 * cannot sign). */
ds_reason_t ds_request_head(ds_head_t *h, const ds_stop_request_t *req);

/* Length of the body at the end of the head ("{}"): the trace omits it. */
#define DS_REQ_BODY_LEN 2u

#endif /* DS_REQUEST_H */
