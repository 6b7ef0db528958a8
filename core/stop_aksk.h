/*
 * Internal: AK/SK signing of a stop (ds_auth_t kind DS_AUTH_AKSK), used by
 * ds_stop. The signing time is the platform wall clock plus the caller's
 * clock offset; a platform with no wall clock (unix_time NULL or failing)
 * counts seconds of its monotonic clock instead, so the offset learned from
 * a server's Date maps uptime onto server time.
 */
#ifndef DS_STOP_AKSK_H
#define DS_STOP_AKSK_H

#include <stddef.h>
#include <stdint.h>

#include "deploystop.h"
#include "ds_sign.h"
#include "exchange.h"
#include "request.h"

/* Build with -DDS_AKSK=0 for a token-only stop: ds_stop then refuses AK/SK
 * (DS_R_BAD_CREDENTIALS) and links none of the signing code (about 4 KB of
 * Cortex-M3 .text). */
#ifndef DS_AKSK
#define DS_AKSK 1
#endif

/* DS_R_NONE when req->auth holds well-formed AK/SK and crypto hooks. */
ds_reason_t ds_aksk_check(const ds_stop_request_t *req);

/* Scratch a signed stop needs at most: the canonical request plus the Host
 * value and path kept at its end (the default DS_HTTP_BODY_MAX is far
 * larger; a 768-byte body buffer signs a Host value of up to 164 chars). */
#define DS_AKSK_SCRATCH                                                        \
    (DS_SIGN_STOP_SCRATCH + 1u + DS_HOST_MAX + 8u + 90u + DS_WIRE_QUERY_MAX +  \
     1u)

/*
 * The whole head of a signed stop into `h`: request line and fixed headers
 * (ds_head_begin), X-Sdk-Date, Authorization, end and body. The canonical
 * request is built in `scratch` (DS_AKSK_SCRATCH bytes always suffice; the
 * idle response-body buffer) and wiped. Returns DS_R_NONE,
 * DS_R_BAD_CREDENTIALS (crypto hook failed), DS_R_NO_CLOCK (clock plus
 * offset outside 1970..9999), DS_R_REQUEST_TOO_LARGE (head or scratch), or
 * DS_R_BAD_HOST / DS_R_BAD_RECORD_ID for ids or host ds_stop would refuse.
 */
ds_reason_t ds_aksk_head(ds_wr_t *h, const ds_stop_request_t *req,
                         const ds_platform_t *pf, int64_t offset, char *scratch,
                         size_t scratch_cap);

/* The same for any call: its head with X-Sdk-Date and Authorization. */
ds_reason_t ds_aksk_call_head(ds_wr_t *h, const ds_call_t *c,
                              const ds_platform_t *pf, int64_t offset,
                              char *scratch, size_t scratch_cap,
                              size_t body_len);

/*
 * After an answer: when it is the gateway refusing the signature's time
 * (ds_sign_skew_refused), set *offset so that clock + offset is the
 * server's time and return 1: the caller re-signs and retries once.
 * Returns 0 otherwise, or when the platform clock is beyond any date
 * or the correction outside +-DS_AKSK_CLOCK_MAX (sums could overflow).
 */
int ds_aksk_skew_offset(const ds_platform_t *pf, const ds_result_t *res,
                        int64_t *offset);

/* Bound on the platform clock and on the offset, in seconds (about 31,700
 * years): far past any date ds_date_sdk prints, far from int64 overflow. */
#define DS_AKSK_CLOCK_MAX INT64_C(1000000000000)

#endif /* DS_STOP_AKSK_H */
