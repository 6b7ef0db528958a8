/*
 * Internal: the wait before a retry, shared by ds_stop and ds_iam_fetch so
 * that both back off alike.
 */
#ifndef DS_BACKOFF_H
#define DS_BACKOFF_H

#include <stdint.h>

#include "ds_transport.h"

/*
 * Milliseconds to wait after `attempts` (>= 1) failed attempts: 500 ms
 * doubled each time, at most 8 s, with "equal jitter" from pf->random_u32
 * when the platform has one; at least `retry_after_s` (the server's
 * Retry-After). Returns 0 when that wait would not end before `left_ms`:
 * the caller then gives up instead of sleeping past its deadline.
 */
uint32_t ds_backoff_ms(const ds_platform_t *pf, int attempts,
                       uint32_t retry_after_s, uint32_t left_ms);

#endif /* DS_BACKOFF_H */
