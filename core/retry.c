/*
 * Retry policy (see retry.h). "Equal jitter" keeps half of the wait fixed
 * and draws the other half, so devices that failed together (one outage,
 * many buttons) do not retry together, yet none retries at once.
 */
#include "retry.h"

#define BACKOFF_BASE_MS 500u
/* Doublings at most: 500 ms << 4 is the 8 s cap. */
#define BACKOFF_DOUBLINGS 4u

uint32_t ds_backoff_ms(const ds_platform_t *pf, int attempts,
                       uint32_t retry_after_s, uint32_t left_ms)
{
    /* unsigned, so that no attempt count can shift too far */
    unsigned n = (unsigned)attempts - 1u;
    uint32_t d = BACKOFF_BASE_MS
                 << (n < BACKOFF_DOUBLINGS ? n : BACKOFF_DOUBLINGS);
    if (pf->random_u32)
        d = d / 2 + pf->random_u32(pf->ctx) % (d / 2 + 1);
    if (retry_after_s > left_ms / 1000)
        return 0;
    if (retry_after_s * 1000 > d)
        d = retry_after_s * 1000;
    return d < left_ms ? d : 0;
}
