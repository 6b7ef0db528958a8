/*
 * Names, messages and small helpers of the public API. The texts are packed
 * into one string each (no pointer tables) and kept terse: they are flash
 * on a microcontroller, and the outcome name plus the HTTP details carry
 * the rest.
 */
#include <string.h>

#include "deploystop.h"
#include "exchange.h"

static const char outcome_names[] =
    "STOPPED\0INVALID_INPUT\0AUTH_FAILED\0NOT_FOUND\0REJECTED\0"
    "UNAVAILABLE\0NETWORK\0UNKNOWN\0NOTHING_RUNNING\0STILL_RUNNING\0?";

static const char reason_texts[] = "no error\0"
                                   "bad argument\0"
                                   "bad task id\0"
                                   "bad record id\0"
                                   "bad token\0"
                                   "bad host\0"
                                   "bad AK/SK\0"
                                   "no clock for signing\0"
                                   "request head too large\0"
                                   "host not resolved\0"
                                   "connect failed\0"
                                   "TLS failed\0"
                                   "certificate rejected\0"
                                   "send failed\0"
                                   "deadline hit before sending\0"
                                   "no answer in time\0"
                                   "closed mid-answer\0"
                                   "bad HTTP answer\0"
                                   "answer too large\0"
                                   "unexpected JSON\0"
                                   "answer for other ids\0"
                                   "HTTP error status\0"
                                   "status not success\0"
                                   "bad project id\0"
                                   "bad record id in history\0"
                                   "ended on its own\0"
                                   "still running when the wait ran out\0"
                                   "?";

/* Entry i of a packed list; the last entry answers out-of-range values.
 * Out of line: inlined in both callers it costs more flash. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static const char *
nth(const char *s, unsigned i, unsigned count)
{
    if (i > count)
        i = count;
    while (i--)
        s += strlen(s) + 1;
    return s;
}

const char *ds_outcome_name(ds_outcome_t outcome)
{
    return nth(outcome_names, (unsigned)outcome, DS_STILL_RUNNING + 1u);
}

const char *ds_reason_text(ds_reason_t reason)
{
    return nth(reason_texts, (unsigned)reason, DS_R_WAIT_OVER + 1u);
}

/* The mapping tables below are indexed by enum values; each is checked at
 * compile time against the enum it maps, so that adding a value without a
 * row fails the build instead of reading past the table. */
/* `name` is a declarator: it cannot be put in parentheses. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define DS_TABLE_CHECK(name, table, count)                                     \
    typedef char name[sizeof(table) / sizeof((table)[0]) == (count) ? 1 : -1]
/* NOLINTEND(bugprone-macro-parentheses) */

/* DS_TR_ERR_RESOLVE (-1) .. DS_TR_ERR_ARG (-8), by -1 - code. */
static const unsigned char connect_reasons[] = {
    DS_R_RESOLVE,  DS_R_CONNECT, DS_R_TLS,     DS_R_TLS_VERIFY,
    DS_R_DEADLINE, DS_R_CONNECT, DS_R_CONNECT, DS_R_CONNECT,
};
DS_TABLE_CHECK(connect_reasons_complete, connect_reasons, -DS_TR_ERR_ARG);

ds_reason_t ds_connect_reason(int rc)
{
    unsigned i = (unsigned)(-1 - rc);
    return i < sizeof connect_reasons ? (ds_reason_t)connect_reasons[i]
                                      : DS_R_CONNECT;
}

/* DS_HTTP_E_STATUS_LINE (-1) .. DS_HTTP_E_STATE (-10), by -1 - code. */
static const unsigned char http_reasons[] = {
    DS_R_HTTP_MALFORMED, DS_R_HTTP_MALFORMED, DS_R_HTTP_TOO_LARGE,
    DS_R_HTTP_TOO_LARGE, DS_R_HTTP_TOO_LARGE, DS_R_HTTP_MALFORMED,
    DS_R_HTTP_MALFORMED, DS_R_HTTP_MALFORMED, DS_R_CLOSED,
    DS_R_HTTP_MALFORMED,
};
DS_TABLE_CHECK(http_reasons_complete, http_reasons, -DS_HTTP_E_STATE);

ds_reason_t ds_http_reason(int rc)
{
    unsigned i = (unsigned)(-1 - rc);
    return i < sizeof http_reasons ? (ds_reason_t)http_reasons[i]
                                   : DS_R_HTTP_MALFORMED;
}

/* Statuses other than 2xx, by hundreds; 4xx and 429 refined below. */
static const unsigned char status_outcomes[] = {
    DS_UNKNOWN, DS_UNKNOWN, DS_UNKNOWN, DS_UNKNOWN, DS_REJECTED, DS_UNAVAILABLE,
};
DS_TABLE_CHECK(status_outcomes_complete, status_outcomes, 6);

ds_outcome_t ds_status_outcome(int status)
{
    unsigned h = (unsigned)status / 100u;
    if (status == 401 || status == 403)
        return DS_AUTH_FAILED;
    if (status == 404)
        return DS_NOT_FOUND;
    if (status == 429 || h >= sizeof status_outcomes)
        return DS_UNAVAILABLE;
    return (ds_outcome_t)status_outcomes[h];
}

void ds_wipe(void *p, size_t len)
{
    /* Stores through a volatile pointer cannot be dropped as dead. */
    volatile unsigned char *v = (volatile unsigned char *)p;
    while (len--)
        *v++ = 0;
}

void ds_stop_request_init(ds_stop_request_t *req)
{
    memset(req, 0, sizeof *req);
    req->port = DS_DEFAULT_PORT;
    req->use_tls = 1;
    req->auth.kind = DS_AUTH_TOKEN;
    req->deadline_ms = DS_DEFAULT_DEADLINE_MS;
    req->retries = DS_DEFAULT_RETRIES;
}
