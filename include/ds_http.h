/*
 * deploystop streaming HTTP/1.x response parser.
 *
 * An I/O-free push parser (BearSSL style): feed it any slice of the byte
 * stream, in any fragmentation, and it gives the same answer whether bytes
 * arrive all at once or one at a time. It reports DS_HTTP_DONE the moment
 * the message is complete (Content-Length reached, last chunk and trailers
 * read, or no-body status) and never needs the server to close the
 * connection, except for body-until-close messages (see ds_http_finish).
 *
 * Memory: the parser struct holds one header-line buffer of
 * DS_HTTP_LINE_MAX bytes; the body goes into a caller buffer. No allocation,
 * no recursion, no global state.
 */
#ifndef DS_HTTP_H
#define DS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "ds_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Return values of ds_http_feed / ds_http_finish. */
#define DS_HTTP_NEED_MORE 1              /* message not complete yet */
#define DS_HTTP_DONE 0                   /* message complete: fields valid */
#define DS_HTTP_E_STATUS_LINE (-1)       /* bad status line / version / code */
#define DS_HTTP_E_HEADER (-2)            /* malformed header line */
#define DS_HTTP_E_LINE_TOO_LONG (-3)     /* a line over DS_HTTP_LINE_MAX */
#define DS_HTTP_E_HEADERS_TOO_LARGE (-4) /* over DS_HTTP_HEADERS_MAX */
#define DS_HTTP_E_BODY_TOO_LARGE (-5)    /* body over the caller buffer */
#define DS_HTTP_E_LENGTH (-6)            /* bad or conflicting Content-Length */
#define DS_HTTP_E_CHUNK (-7)             /* malformed chunked framing */
#define DS_HTTP_E_TRANSFER_ENCODING (-8) /* unsupported Transfer-Encoding */
#define DS_HTTP_E_TRUNCATED (-9)         /* stream ended before message end */
#define DS_HTTP_E_STATE (-10)            /* fed after DONE or after an error */

typedef struct ds_http_parser {
    /* --- results, valid once DS_HTTP_DONE is returned --- */
    int status;     /* 100..599 */
    int http_minor; /* 0 for HTTP/1.0, 1 for HTTP/1.1 */
    int keep_alive; /* 1 if the connection may be reused */
    int chunked;    /* 1 if Transfer-Encoding: chunked */
    int has_content_length;
    uint32_t content_length;
    uint32_t retry_after_s; /* Retry-After delta-seconds; 0 if absent */
    int has_retry_after;
    char request_id[DS_REQUEST_ID_MAX]; /* X-Request-Id, truncated, NUL-ended */
    char content_type[64];              /* Content-Type, truncated */
    char date[DS_DATE_MAX];             /* Date header (for clock skew) */
    char *body; /* caller's buffer given to ds_http_init */
    size_t body_cap;
    size_t body_len;

    /* --- optional capture of one header's value (ds_http_capture) --- */
    const char *cap_name; /* lower-case header name, NUL-terminated */
    char *cap_buf;        /* caller's; NUL-terminated when DONE */
    size_t cap_cap;
    size_t cap_len;
    int cap_found;

    /* --- optional: every status and header line, as received ---
     * Set after ds_http_init (which clears them). Called with the line
     * without its CR/LF (not NUL-terminated) for the status line and each
     * header line of the message and of skipped 1xx answers, except the
     * captured header's; a folded header (obs-fold) comes joined, its line
     * end and first SP/HT turned into one SP; never for a line over
     * DS_HTTP_LINE_MAX. The line is only valid during the call. */
    void (*on_line)(void *ctx, const char *line, size_t len);
    void *on_line_ctx;

    /* --- private state --- */
    /* Set by ds_http_capture: the capture code is reached only through
     * this pointer, so a program that never captures does not link it. */
    int (*cap_fn)(struct ds_http_parser *p, int c);
    int state;
    int error;
    uint32_t remaining; /* body or chunk bytes left */
    uint32_t header_bytes;
    uint32_t line_len;
    int line_cr;
    char line[DS_HTTP_LINE_MAX];
} ds_http_parser_t;

/* Prepare `p` for one response; `body` (capacity `body_cap`, may be NULL
 * when 0) receives the body and is not NUL-terminated by the parser. */
void ds_http_init(ds_http_parser_t *p, char *body, size_t body_cap);

/*
 * Optional, after ds_http_init: stream the value of header `name`
 * (case-insensitive; pass it lower-case) into `buf` (capacity `cap`,
 * including the NUL) whatever DS_HTTP_LINE_MAX is. Used for IAM's
 * X-Subject-Token (up to 20,000 chars): the captured header's bytes count
 * against `cap`, not against the line or header limits. A value that does
 * not fit is DS_HTTP_E_HEADERS_TOO_LARGE. The parser never copies the value
 * anywhere else.
 */
void ds_http_capture(ds_http_parser_t *p, const char *name, char *buf,
                     size_t cap);

/*
 * Push `len` bytes. Sets *consumed (may be NULL) to the bytes used; bytes
 * after the end of the message are left unconsumed.
 * Returns DS_HTTP_NEED_MORE, DS_HTTP_DONE or a DS_HTTP_E_* error; once an
 * error or DONE was returned every further call returns the same (errors)
 * or DS_HTTP_E_STATE (after DONE).
 */
int ds_http_feed(ds_http_parser_t *p, const uint8_t *data, size_t len,
                 size_t *consumed);

/* The peer closed the stream. Completes a body-until-close message
 * (DS_HTTP_DONE); otherwise returns DS_HTTP_E_TRUNCATED unless already
 * DONE. */
int ds_http_finish(ds_http_parser_t *p);

/* Short English description of a DS_HTTP_* code. */
const char *ds_http_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif /* DS_HTTP_H */
