/*
 * ds_platform_t and ds_crypto_t for POSIX hosts.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE 1

#include <errno.h>
#include <string.h>
#include <time.h>
#if defined(__linux__)
#include <sys/random.h>
#endif
#include <stdlib.h>

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "posix_net_internal.h"

static uint32_t now_ms(void *ctx)
{
    (void)ctx;
    return ds_posix_mono_ms();
}

static void sleep_ms(void *ctx, uint32_t ms)
{
    struct timespec want, left;
    (void)ctx;
    want.tv_sec = (time_t)(ms / 1000u);
    want.tv_nsec = (long)(ms % 1000u) * 1000000L;
    while (nanosleep(&want, &left) != 0 && errno == EINTR) {
        want = left;
    }
}

static uint32_t random_u32(void *ctx)
{
    uint32_t v = 0;
    (void)ctx;
#if defined(__linux__)
    /* Jitter only: a failed call leaves 0, which just means no jitter. */
    (void)getrandom(&v, sizeof v, 0);
#else
    v = arc4random();
#endif
    return v;
}

static int unix_time(void *ctx, int64_t *seconds)
{
    struct timespec ts;
    (void)ctx;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        return -1;
    }
    /* A clock still in 1970 (no RTC, no NTP yet) would sign requests the
     * gateway rejects: say so instead. 2020-01-01 is a safe floor. */
    if (ts.tv_sec < 1577836800) {
        return -1;
    }
    *seconds = (int64_t)ts.tv_sec;
    return 0;
}

void ds_posix_platform(ds_platform_t *pf)
{
    pf->ctx = NULL;
    pf->now_ms = now_ms;
    pf->sleep_ms = sleep_ms;
    pf->random_u32 = random_u32;
    pf->unix_time = unix_time;
}

static int sha256(void *ctx, const uint8_t *msg, size_t len, uint8_t out[32])
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    (void)ctx;
    return md != NULL && mbedtls_md(md, msg, len, out) == 0 ? 0 : -1;
}

/* mbedtls_md_hmac keeps its key pads in a heap context that
 * mbedtls_md_free zeroizes (3.6): no copy of the key survives the call. */
static int hmac_sha256(void *ctx, const uint8_t *key, size_t key_len,
                       const uint8_t *msg, size_t len, uint8_t out[32])
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    (void)ctx;
    return md != NULL && mbedtls_md_hmac(md, key, key_len, msg, len, out) == 0
               ? 0
               : -1;
}

void ds_posix_crypto(ds_crypto_t *crypto)
{
    crypto->ctx = NULL;
    crypto->sha256 = sha256;
    crypto->hmac_sha256 = hmac_sha256;
}
