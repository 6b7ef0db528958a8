/*
 * Internal: the retry policy ds_stop and ds_iam_fetch share, so that both
 * decide and back off alike.
 */
#ifndef DS_RETRY_H
#define DS_RETRY_H

#include <stdint.h>

#include "deploystop.h"

/* Inline: they sit in ds_stop's loop, and a call would cost the token
 * stop more code than the few stores and compares themselves. */

/* Clear what a result says about one attempt (HTTP status, Retry-After,
 * the copied strings) before the next: a result describes the last
 * attempt only. Counters and the last transport/HTTP errors stay. */
static inline void ds_result_new_attempt(ds_result_t *res)
{
    res->http_status = 0;
    res->retry_after_s = 0;
    res->status[0] = res->error_code[0] = res->error_msg[0] = 0;
    res->request_id[0] = res->server_date[0] = 0;
}

/* 1 when another attempt can help: DS_NETWORK (except a rejected
 * certificate, which is rejected again) or DS_UNAVAILABLE. Never after
 * DS_UNKNOWN (a stop may have happened) or an answer of the server's. */
static inline int ds_retryable(const ds_result_t *res)
{
    return (res->outcome == DS_NETWORK && res->reason != DS_R_TLS_VERIFY) ||
           res->outcome == DS_UNAVAILABLE;
}

/*
 * Milliseconds to wait after `attempts` (>= 1) failed attempts: 500 ms
 * doubled each time, at most 8 s, with "equal jitter" from pf->random_u32
 * when the platform has one; at least `retry_after_s` (the server's
 * Retry-After). Returns 0 when that wait would not end before `left_ms`:
 * the caller then gives up instead of sleeping past its deadline.
 */
uint32_t ds_backoff_ms(const ds_platform_t *pf, int attempts,
                       uint32_t retry_after_s, uint32_t left_ms);

#endif /* DS_RETRY_H */
