/*
 * Names, messages and small helpers of the public API. The texts are packed
 * into one string each (no pointer tables) and kept terse: they are flash
 * on a microcontroller, and the outcome name plus the HTTP details carry
 * the rest.
 */
#include <string.h>

#include "deploystop.h"

static const char outcome_names[] =
    "STOPPED\0INVALID_INPUT\0AUTH_FAILED\0NOT_FOUND\0REJECTED\0"
    "UNAVAILABLE\0NETWORK\0UNKNOWN\0?";

static const char reason_texts[] =
    "no error\0"
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
    "?";

/* Entry i of a packed list; the last entry answers out-of-range values. */
static const char *nth(const char *s, unsigned i, unsigned count)
{
    if (i > count)
        i = count;
    while (i--)
        s += strlen(s) + 1;
    return s;
}

const char *ds_outcome_name(ds_outcome_t outcome)
{
    return nth(outcome_names, (unsigned)outcome, DS_UNKNOWN + 1u);
}

const char *ds_reason_text(ds_reason_t reason)
{
    return nth(reason_texts, (unsigned)reason, DS_R_STATUS_NOT_SUCCESS + 1u);
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
