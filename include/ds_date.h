/*
 * deploystop UTC date conversions for AK/SK signing and IAM tokens.
 *
 * Pure arithmetic (days-from-civil), no gmtime/timegm and no 64-bit
 * division, so it costs little on a Cortex-M. Years 1970..9999 only: the
 * wire formats have four-digit years and nothing here predates Unix time.
 */
#ifndef DS_DATE_H
#define DS_DATE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "YYYYMMDDTHHMMSSZ" without the NUL. */
#define DS_SDK_DATE_LEN 16u

/* UTC civil time of `unix_s` (1970..9999): v = year, month 1-12, day
 * 1-31, hour, minute, second. 0, or -1 out of range. The one calendar of
 * the project: the SDK date and the firmware's gmtime for Mbed TLS use it. */
int ds_date_civil(int64_t unix_s, unsigned v[6]);

/* Write `unix_s` as the X-Sdk-Date value (NUL-terminated) into `out`
 * (capacity `cap`, at least DS_SDK_DATE_LEN + 1). Returns 0, or -1 when the
 * time is outside 1970..9999 or `cap` is too small (`out` is then ""). */
int ds_date_sdk(int64_t unix_s, char *out, size_t cap);

/* Parse an X-Sdk-Date value ("20191115T033655Z"). Returns 0 or -1. */
int ds_date_parse_sdk(const char *s, int64_t *unix_s);

/* Parse an HTTP Date header in IMF-fixdate form
 * ("Sun, 06 Nov 1994 08:49:37 GMT"), the only form RFC 9110 lets servers
 * send. Returns 0 or -1 (any other form, impossible date, trailing bytes). */
int ds_date_parse_http(const char *s, int64_t *unix_s);

/* Parse an ISO 8601 / RFC 3339 UTC time as IAM writes expires_at
 * ("2026-11-29T10:00:00.000000Z"): fraction optional and ignored, zone `Z`
 * or +HH:MM / -HH:MM. Returns 0 or -1. */
int ds_date_parse_iso8601(const char *s, int64_t *unix_s);

#ifdef __cplusplus
}
#endif

#endif /* DS_DATE_H */
