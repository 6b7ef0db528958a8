/*
 * Names, messages and small helpers of the public API. The texts are packed
 * into one string each (no pointer tables) to keep the core small.
 */
#include <string.h>

#include "deploystop.h"

static const char outcome_names[] =
    "STOPPED\0INVALID_INPUT\0AUTH_FAILED\0NOT_FOUND\0REJECTED\0"
    "UNAVAILABLE\0NETWORK\0UNKNOWN\0?";

static const char reason_texts[] =
    "no error\0"
    "bad argument\0"
    "task id is not 32 letters or digits\0"
    "record id is not 32 letters or digits\0"
    "token is not 1..20000 visible ASCII characters\0"
    "host is not a DNS name or IP address\0"
    "malformed credentials\0"
    "no clock for request signing\0"
    "request head too large\0"
    "host name not resolved\0"
    "connection failed\0"
    "TLS failed\0"
    "server certificate rejected\0"
    "send failed\0"
    "deadline reached before the request was sent\0"
    "no complete answer before the deadline\0"
    "connection closed during the answer\0"
    "malformed HTTP answer\0"
    "HTTP answer over a size limit\0"
    "answer body is not the documented JSON\0"
    "answer is for other ids\0"
    "server answered with an error status\0"
    "status in the answer is not success\0"
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
