/*
 * Internal: the exchange engine. Every call deploystop makes (stop, state,
 * history, IAM token, time probe) is one ds_call_t run by ds_exchange on a
 * session: the engine owns the deadline, connecting or reusing the held
 * connection, sending (a streamed token or body included), receiving and
 * parsing, status -> outcome, the error-body fields, and the retry loop
 * with backoff and Retry-After. A call supplies only what differs: which
 * request it is (request.c writes it), how to judge a 2xx answer, and
 * whether it may be sent again after a lost connection (idempotent).
 */
#ifndef DS_EXCHANGE_H
#define DS_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "deploystop.h"
#include "ds_iam.h"
#include "json_map.h"
#include "writer.h"

typedef struct ds_call ds_call_t;
typedef void (*ds_call_write_fn)(ds_wr_t *w, const ds_call_t *c);
/* One run of a call by ds_exchange (private to exchange.c). */
typedef struct xfer xfer_t;

struct ds_call {
    /* The request: method, Content-Type (NULL: none), a literal body
     * (NULL: none) or a streamed one (body, NULL: none; set with
     * ds_call_body), and one writer per wire element, used by the request
     * and by the AK/SK signer alike. */
    const char *method;
    const char *content_type;
    const char *body_lit;
    ds_call_write_fn path;
    ds_call_write_fn query; /* NULL: no query */
    ds_call_write_fn body;
    /* ds_xfer_body when there is a streamed body: the engine counts and
     * sends it only through this pointer, so a call without one does not
     * link that code. */
    long (*stream)(xfer_t *x, int send);
    /* Where and who. auth NULL: unauthenticated. */
    const char *host;
    uint16_t port;
    int use_tls;
    int retries;
    const ds_auth_t *auth;
    ds_trace_fn trace; /* may be NULL */
    void *trace_ctx;
    /* What the writers and judge read: ids of a stop request, IAM fields,
     * the history page. */
    const ds_stop_request_t *req;
    const ds_iam_request_t *iam;
    unsigned page;
    unsigned size;
    char start_date[11];
    char end_date[11];
    /* Optional, before the answer is parsed (IAM: capture the token). */
    void (*prepare)(ds_call_t *c, ds_session_t *s);
    /* Judges a complete 2xx answer (ws->http, body in ws->body) into res;
     * the error fields are already mapped. NULL: any 2xx is DS_OK. */
    void (*judge)(ds_call_t *c, ds_session_t *s, ds_result_t *res);
    void *out; /* what judge fills, per call */
    /* The result fields the engine maps for judge (the key echoing the
     * record id, state fields; NULL: ids are not compared), and the
     * DS_JSON_* flags it found. */
    const struct ds_json_fields *fields;
    unsigned json;
};

/* A call to `req`'s host with its auth, retries and trace. */
void ds_call_init(ds_call_t *c, const ds_stop_request_t *req);

/* Give `c` the streamed body `body`. */
void ds_call_body(ds_call_t *c, ds_call_write_fn body);
/* The streamed body of the call run by `x`: `send` 0 counts its bytes (the
 * return value), 1 sends it (returns 0 or a DS_TR_ERR_*). */
long ds_xfer_body(xfer_t *x, int send);

/* 1 when the call may be sent again after a connection was lost before
 * any byte of its answer (GET only). */
int ds_call_idempotent(const ds_call_t *c);

/*
 * Run `c` on `s`: up to 1 + retries attempts (DS_NETWORK but a refused
 * certificate, 5xx, 429), an AK/SK clock-skew re-sign once, and a GET sent
 * again once on a fresh connection when a reused one turned out dead. Fills
 * *res (cleared first) and returns res->outcome. Input must have been
 * validated by the caller.
 */
ds_outcome_t ds_exchange(ds_session_t *s, ds_call_t *c, ds_result_t *res);

/* The judgement of a 200 that must say "success" and echo our record and
 * task (a stop's, a state's): DS_R_NONE, or why not; `json` holds the
 * DS_JSON_* flags of the answer. ds_echo_fail sets the outcome that goes
 * with such a reason (DS_REJECTED for a refusal, else DS_UNKNOWN). Inline:
 * the stop's path pays nothing for the sharing. */
static inline ds_reason_t ds_echo_refusal(const ds_result_t *res, unsigned json)
{
    unsigned both = DS_JSON_ID_OK | DS_JSON_TASK_OK;
    if (res->http_status != 200)
        return DS_R_HTTP_STATUS;
    if (strcmp(res->status, "success") != 0)
        return res->status[0] || res->error_code[0] ? DS_R_STATUS_NOT_SUCCESS
                                                    : DS_R_JSON_MALFORMED;
    if (json & DS_JSON_ID_BAD)
        return DS_R_ID_MISMATCH;
    return (json & both) != both ? DS_R_JSON_MALFORMED : DS_R_NONE;
}

static inline void ds_echo_fail(ds_result_t *res, ds_reason_t why)
{
    res->reason = why;
    res->outcome = why == DS_R_STATUS_NOT_SUCCESS ? DS_REJECTED : DS_UNKNOWN;
}

/* Validation shared by every call: DS_R_NONE or the first problem. */
#define DS_NEED_RECORD 1u
#define DS_NEED_PROJECT 2u
ds_reason_t ds_check_request(const ds_stop_request_t *req, unsigned need);
/* The start of every call: clears *res, then checks the arguments
 * (args_ok) and the request; 1 when refused, with res saying why
 * (DS_INVALID_INPUT; nothing was sent). Inline: a stop's only caller
 * would otherwise pay for the call. */
static inline int ds_call_refused(ds_result_t *res, int args_ok,
                                  const ds_stop_request_t *req, unsigned need)
{
    ds_reason_t why;
    memset(res, 0, sizeof *res);
    why = args_ok && req ? ds_check_request(req, need) : DS_R_BAD_ARGUMENT;
    if (!why)
        return 0;
    res->outcome = DS_INVALID_INPUT;
    res->reason = why;
    return 1;
}

/* Outcome of a non-2xx status (compile-time checked table). */
ds_outcome_t ds_status_outcome(int status);
/* Reason of a failed connect (DS_TR_ERR_*). */
ds_reason_t ds_connect_reason(int rc);
/* Reason of a DS_HTTP_E_* parser error. */
ds_reason_t ds_http_reason(int rc);

/* The run's best idea of the server's time, Unix seconds: the platform
 * wall clock plus the AK/SK offset, else a Date seen on this run plus the
 * time since. Returns 0, or -1 when the run knows no time. */
int ds_session_time(const ds_session_t *s, const ds_auth_t *auth,
                    int64_t *now_s);

#endif /* DS_EXCHANGE_H */
