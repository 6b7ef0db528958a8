/*
 * deploystop: stop a running Huawei Cloud CodeArts Deploy deployment.
 *
 *   PUT /v2/tasks/{task_id}/records/{record_id}/stop   body {}
 *
 * Zero-malloc: every buffer is the caller's (ds_workspace_t), sized at
 * compile time (ds_config.h). The core knows nothing of sockets or TLS: it
 * drives a ds_transport_t and asks a ds_platform_t for time and randomness.
 *
 * A stop is reported as DS_STOPPED only when HTTP is 200, the body's
 * "status" is "success" and result.id / result.task_id equal the request's.
 */
#ifndef DEPLOYSTOP_H
#define DEPLOYSTOP_H

#include <stddef.h>
#include <stdint.h>

#include "ds_config.h"
#include "ds_http.h"
#include "ds_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DS_VERSION "0.2.0"

/* The outcome of a stop. Names (ds_outcome_name) are a stable interface:
 * the CLI, the firmware console and scripts print them. */
typedef enum ds_outcome {
    DS_STOPPED = 0,     /* confirmed by the server, ids match */
    DS_INVALID_INPUT,   /* rejected locally: nothing was sent */
    DS_AUTH_FAILED,     /* HTTP 401 or 403 */
    DS_NOT_FOUND,       /* HTTP 404 */
    DS_REJECTED,        /* other 4xx, or 200 whose status is not success */
    DS_UNAVAILABLE,     /* 5xx or 429, after the retries */
    DS_NETWORK,         /* failed before the request was completely sent */
    DS_UNKNOWN,         /* sent, but no complete well-formed matching answer */
    DS_NOTHING_RUNNING, /* ds_halt: no running record, nothing was stopped */
    DS_STILL_RUNNING    /* ds_halt: stop accepted, record still ran when
                           * the wait ran out */
} ds_outcome_t;

/* Outcome 0 of a call that stops nothing (ds_state, ds_history): it was
 * answered as documented. */
#define DS_OK DS_STOPPED

/* Finer reason behind an outcome (for messages; not a stable number). */
typedef enum ds_reason {
    DS_R_NONE = 0,
    /* DS_INVALID_INPUT */
    DS_R_BAD_ARGUMENT, /* NULL pointer or missing hook */
    DS_R_BAD_TASK_ID,  /* not exactly 32 [A-Za-z0-9] */
    DS_R_BAD_RECORD_ID,
    DS_R_BAD_TOKEN,         /* not 1..20000 visible ASCII */
    DS_R_BAD_HOST,          /* not a DNS name or IP literal */
    DS_R_BAD_CREDENTIALS,   /* AK/SK malformed */
    DS_R_NO_CLOCK,          /* AK/SK needs a wall clock or a server Date */
    DS_R_REQUEST_TOO_LARGE, /* request head over DS_REQ_HEAD_MAX */
    /* DS_NETWORK */
    DS_R_RESOLVE,
    DS_R_CONNECT,
    DS_R_TLS,
    DS_R_TLS_VERIFY,
    DS_R_SEND,
    DS_R_DEADLINE, /* deadline reached before the request was sent */
    /* DS_UNKNOWN */
    DS_R_TIMEOUT,        /* no complete answer before the deadline */
    DS_R_CLOSED,         /* connection closed / reset mid-answer */
    DS_R_HTTP_MALFORMED, /* answer broke HTTP framing */
    DS_R_HTTP_TOO_LARGE, /* answer over a compile-time limit */
    DS_R_JSON_MALFORMED, /* 200 body not the documented JSON */
    DS_R_ID_MISMATCH,    /* 200 success, but for other ids */
    /* answered by the server */
    DS_R_HTTP_STATUS,        /* see http_status, error_code, error_msg */
    DS_R_STATUS_NOT_SUCCESS, /* HTTP 200 but "status" was not "success" */
    /* added by discovery and confirmation */
    DS_R_BAD_PROJECT_ID, /* not exactly 32 [A-Za-z0-9] */
    DS_R_BAD_ROW,        /* a history row with a malformed record id */
    DS_R_ENDED,          /* the record ended on its own before the stop */
    DS_R_WAIT_OVER       /* the wait or the deadline ran out */
} ds_reason_t;

typedef enum ds_auth_kind {
    DS_AUTH_TOKEN = 0, /* X-Auth-Token */
    DS_AUTH_AKSK = 1   /* SDK-HMAC-SHA256 signing (docs/api.md section 5) */
} ds_auth_kind_t;

typedef struct ds_auth {
    ds_auth_kind_t kind;
    /* DS_AUTH_TOKEN: borrowed, not NUL-terminated, 1..DS_TOKEN_MAX bytes.
     * Streamed to the transport straight from this buffer; the caller wipes
     * it (ds_wipe) when it no longer needs it. */
    const char *token;
    size_t token_len;
    /* DS_AUTH_AKSK: NUL-terminated; the core wipes every derived copy. */
    const char *ak;
    const char *sk;
    const ds_crypto_t *crypto;
    /* In/out: seconds to add to the platform wall clock; the core corrects
     * it from the server's Date when a signature is refused for skew. May
     * be NULL. 64-bit: a device without a wall clock stores about the
     * server's Unix time here, which passes 2^31 in 2038. */
    int64_t *clock_offset_s;
} ds_auth_t;

/* Optional trace of the exchange (the CLI's -v). Request head is given
 * with secrets redacted; response header lines one by one, without CRLF. */
typedef enum ds_trace_kind {
    DS_TRACE_REQUEST_HEAD = 0,
    DS_TRACE_RESPONSE_LINE = 1,
    DS_TRACE_ATTEMPT = 2 /* text like "attempt 2 after 1000 ms" */
} ds_trace_kind_t;
typedef void (*ds_trace_fn)(void *ctx, ds_trace_kind_t kind, const char *data,
                            size_t len);

typedef struct ds_stop_request {
    const char *host;       /* NUL-terminated DNS name or IP literal */
    uint16_t port;          /* default 443 */
    int use_tls;            /* default 1; the real API is HTTPS only */
    const char *task_id;    /* NUL-terminated, 32 [A-Za-z0-9] */
    const char *record_id;  /* NUL-terminated, 32 [A-Za-z0-9]; ds_halt: NULL
                              * to find the running records itself */
    const char *project_id; /* ds_halt / ds_history: the CodeArts project
                              * id, 32 [A-Za-z0-9]; NULL otherwise */
    ds_auth_t auth;
    uint32_t deadline_ms; /* overall, all attempts; default 30000 */
    int retries;          /* extra attempts on NETWORK/5xx/429; default 2 */
    uint32_t wait_ms;     /* ds_halt: poll the state this long after an
                              * accepted stop; 0: do not wait */
    ds_trace_fn trace;    /* may be NULL */
    void *trace_ctx;
} ds_stop_request_t;

typedef struct ds_result {
    ds_outcome_t outcome;
    ds_reason_t reason;
    int http_status;                    /* 0 when no answer was parsed */
    int transport_error;                /* last DS_TR_* seen, or 0 */
    int http_error;                     /* last DS_HTTP_E_* seen, or 0 */
    int attempts;                       /* connections tried */
    uint32_t retry_after_s;             /* from the last answer, 0 if none */
    char status[DS_STATUS_MAX];         /* body "status", truncated */
    char error_code[DS_ERROR_CODE_MAX]; /* body error code, truncated */
    char error_msg[DS_ERROR_MSG_MAX];   /* body error message, truncated */
    char request_id[DS_REQUEST_ID_MAX]; /* X-Request-Id or body request_id */
    char server_date[DS_DATE_MAX];      /* Date header of the last answer */
} ds_result_t;

/* Storage for one jsmn token (mirrors jsmntok_t without parent links;
 * core/json_map.c checks the layout at compile time). */
typedef struct ds_json_slot {
    int type;
    int start;
    int end;
    int size;
} ds_json_slot_t;

/* Everything a stop needs besides the request: declare it static (about
 * 20 KB with the default limits; see README "Buffers"). */
typedef struct ds_workspace {
    ds_http_parser_t http;
    /* The body buffer is idle until an answer arrives: while an AK/SK
     * request is signed it holds the canonical request. */
    union {
        char body[DS_HTTP_BODY_MAX];
        char sign_scratch[DS_HTTP_BODY_MAX];
    };
    char head[DS_REQ_HEAD_MAX];
    uint8_t rx[256];
    ds_json_slot_t json[DS_JSON_TOKENS];
} ds_workspace_t;

/*
 * A run: one deadline and at most one connection, shared by every call made
 * on it (discover, stop, confirm; several tasks). The connection is kept
 * between calls when the server allows it (HTTP/1.1 without
 * "Connection: close", the answer fully framed) and the transport can tell
 * that it is still open (ds_transport_t.alive); otherwise the next call
 * connects again. Caller-owned; no field is for the caller to set.
 */
typedef struct ds_session {
    const ds_transport_t *tr;
    const ds_platform_t *pf;
    ds_workspace_t *ws;
    uint32_t start; /* pf->now_ms at ds_session_begin */
    uint32_t deadline_ms;
    int open;         /* a connection is held */
    int reusable;     /* the last answer allows another request */
    const char *host; /* of the held connection (borrowed) */
    uint16_t port;
    int use_tls;
    unsigned connects;             /* connections opened so far */
    unsigned requests;             /* requests sent so far */
    char server_date[DS_DATE_MAX]; /* the last Date header of the run ... */
    uint32_t server_date_at;       /* ... seen at this pf->now_ms */
} ds_session_t;

/* Start a run of `deadline_ms` (0: the default) now. Borrows tr, pf and ws
 * until ds_session_end. */
void ds_session_begin(ds_session_t *s, const ds_transport_t *tr,
                      const ds_platform_t *pf, ds_workspace_t *ws,
                      uint32_t deadline_ms);
/* Milliseconds left of the run's deadline. */
uint32_t ds_session_left(const ds_session_t *s);
/* Close the connection (if held) and wipe the request head. */
void ds_session_end(ds_session_t *s);
/* Open the connection (TCP, and the TLS handshake with use_tls) before
 * any call is known, within the run's deadline: the next call to the same
 * host, port and scheme goes out on it at once if the transport says it is
 * still open (ds_transport_t.alive), else connects again. A button starts
 * this when it goes down; nothing is sent on the connection until a call.
 * 0, or the transport's DS_TR_ERR_* (the connection is then closed). */
int ds_session_preconnect(ds_session_t *s, const char *host, uint16_t port,
                          int use_tls);
/* Start the run's deadline again now, keeping the held connection (the
 * press is accepted after a preconnect). */
void ds_session_restart(ds_session_t *s);

/* Fill `req` with defaults (port 443, TLS, 30 s, 2 retries, token auth). */
void ds_stop_request_init(ds_stop_request_t *req);

/*
 * Stop a deployment record. Blocking; returns within req->deadline_ms plus
 * one transport timeout slice. Fills *res (always) and returns
 * res->outcome. Validates everything before connecting: on
 * DS_INVALID_INPUT nothing was connected or sent.
 * Retries (with exponential backoff, jitter, Retry-After when it fits the
 * deadline) only on DS_NETWORK, 5xx and 429; never after the request was
 * sent and the answer is unknown.
 */
ds_outcome_t ds_stop(const ds_stop_request_t *req, const ds_transport_t *tr,
                     const ds_platform_t *pf, ds_workspace_t *ws,
                     ds_result_t *res);

/* ds_stop on a run the caller holds (its deadline, not req->deadline_ms;
 * the connection may be reused and stays open). */
ds_outcome_t ds_stop_in(ds_session_t *s, const ds_stop_request_t *req,
                        ds_result_t *res);

/* Validation, each returns 1 when valid. Used by ds_stop and by callers that
 * want to reject input early. */
int ds_valid_id(const char *id);
int ds_valid_token(const char *token, size_t len);
int ds_valid_host(const char *host);

/* Stable names: "STOPPED", "INVALID_INPUT", "AUTH_FAILED", "NOT_FOUND",
 * "REJECTED", "UNAVAILABLE", "NETWORK", "UNKNOWN", "NOTHING_RUNNING",
 * "STILL_RUNNING". */
const char *ds_outcome_name(ds_outcome_t outcome);
/* One-line English description of a reason. */
const char *ds_reason_text(ds_reason_t reason);

/* Overwrite `len` bytes at `p` with zeros in a way the compiler keeps. */
void ds_wipe(void *p, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* DEPLOYSTOP_H */
