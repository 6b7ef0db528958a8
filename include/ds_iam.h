/*
 * deploystop IAM token fetch (docs/api.md section 5), for users who must use
 * tokens rather than AK/SK signing:
 *
 *   POST /v3/auth/tokens?nocatalog=true   Content-Type: application/json;charset=utf8
 *   {"auth":{"identity":{"methods":["password"],"password":{"user":{"name":U,
 *    "password":P,"domain":{"name":D}}}},"scope":{"project":{"name":R}}}}
 *
 * answered 201 with the token in the X-Subject-Token header (up to 20,000
 * chars) and token.expires_at in the body. Zero-malloc: the body is
 * JSON-escaped while it streams through the workspace's head buffer (its
 * Content-Length comes from a counting pass of the same code), the token
 * is captured by the response parser straight into the caller's buffer
 * (never a whole-response buffer), expires_at is found by a constant-memory
 * scan of the body. The password never reaches a trace; the head buffer it
 * passed through is wiped.
 */
#ifndef DS_IAM_H
#define DS_IAM_H

#include <stddef.h>
#include <stdint.h>

#include "deploystop.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Each of user, password, domain and project: 1..this many bytes. */
#define DS_IAM_FIELD_MAX 255u
/* A token buffer of this capacity holds any token (NUL included). */
#define DS_IAM_TOKEN_CAP (DS_TOKEN_MAX + 1u)
/* ds_iam_fetch's success value (ds_outcome_t 0; "STOPPED" is the stop's
 * name for it). */
#define DS_IAM_ISSUED DS_STOPPED

typedef struct ds_iam_request {
    const char *host; /* NUL-terminated DNS name or IP literal */
    uint16_t port;    /* default 443 */
    int use_tls;      /* default 1 */
    /* NUL-terminated UTF-8, sent JSON-escaped; borrowed, never copied
     * anywhere but the (wiped) send staging buffer. */
    const char *user; /* IAM user name */
    const char *password;
    const char *domain;   /* account (domain) name */
    const char *project;  /* project scope, usually the region: cn-north-4 */
    uint32_t deadline_ms; /* all attempts; default 30000 */
    int retries;          /* extra attempts on NETWORK/5xx/429; default 2 */
} ds_iam_request_t;

typedef struct ds_iam_token {
    char *buf;          /* caller's; the token, NUL-terminated */
    size_t cap;         /* DS_IAM_TOKEN_CAP holds any token */
    size_t len;         /* out */
    int64_t expires_at; /* out: unix seconds (token.expires_at) */
} ds_iam_token_t;

/* Defaults: port 443, TLS, 30 s, 2 retries. */
void ds_iam_request_init(ds_iam_request_t *req);

/*
 * Ask IAM for a project-scoped token. Blocking, bounded by req->deadline_ms
 * plus one transport slice. Up to 1 + req->retries attempts, with ds_stop's
 * backoff (pf->sleep_ms required when retries > 0), on DS_NETWORK (but not
 * a rejected certificate) and DS_UNAVAILABLE only: never on 401/403, since
 * IAM locks a user after repeated failed logins. Uses ws (head, rx, body,
 * parser) and fills *res like ds_stop (http_status, error_code/error_msg
 * from IAM's {"error":{"code","message"}} or the gateway's error_code/
 * error_msg, request_id, server_date, transport/http errors) for the last
 * attempt, and res->attempts. Returns res->outcome:
 *   DS_IAM_ISSUED     tok->buf/len/expires_at hold a valid token
 *   DS_INVALID_INPUT  nothing sent: DS_R_BAD_ARGUMENT (NULL, missing hook,
 *                     token cap < 2), DS_R_BAD_HOST, DS_R_BAD_CREDENTIALS
 *                     (a field empty or over DS_IAM_FIELD_MAX)
 *   DS_NETWORK        connect/TLS/send failed, or the deadline came first
 *   DS_AUTH_FAILED    401/403 (wrong user, password or domain)
 *   DS_NOT_FOUND      404;  DS_REJECTED other 4xx;  DS_UNAVAILABLE 5xx/429
 *   DS_UNKNOWN        sent, but no complete answer (timeout, closed,
 *                     malformed, DS_R_HTTP_TOO_LARGE when the token exceeds
 *                     tok->cap), or a 2xx without a valid X-Subject-Token
 *                     (DS_R_HTTP_MALFORMED) or expires_at (DS_R_JSON_MALFORMED)
 * On any failure tok->buf is wiped and tok->len is 0.
 */
ds_outcome_t ds_iam_fetch(const ds_iam_request_t *req, const ds_transport_t *tr,
                          const ds_platform_t *pf, ds_workspace_t *ws,
                          ds_iam_token_t *tok, ds_result_t *res);

/* token.expires_at of an IAM answer body (`len` bytes, need not be
 * NUL-terminated). Returns 0, or -1 when absent or not ISO 8601. */
int ds_iam_parse_expires(const char *body, size_t len, int64_t *expires_at);

/* 1 when a token expiring at `expires_at` must be refreshed before use at
 * `now` (it expires within `margin_s` seconds or already has). */
int ds_token_needs_refresh(int64_t expires_at, int64_t now, int64_t margin_s);

#ifdef __cplusplus
}
#endif

#endif /* DS_IAM_H */
