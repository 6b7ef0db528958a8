/*
 * What Mbed TLS needs from the platform in the firmware: memory from a
 * fixed static arena (no system heap), entropy from the board, wall-clock
 * time when the board has it, and a millisecond clock.
 */
#include <string.h>
#include <time.h>

#include "ds_date.h"
#include "ds_lwip_internal.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/x509_crt.h"

/* Sized for a TLS 1.2 handshake with 16 KB input records, measured peak
 * plus headroom (README "Sizes"); a board may override. */
#ifndef DS_TLS_ARENA_SIZE
#define DS_TLS_ARENA_SIZE 26880u
#endif

ds_lwip_hooks_t ds_lwip_hooks;
static unsigned char tls_arena[DS_TLS_ARENA_SIZE] __attribute__((aligned(8)));

static mbedtls_time_t tls_time(mbedtls_time_t *out)
{
    int64_t now = 0;
    if (ds_lwip_hooks.unix_time == NULL || ds_lwip_hooks.unix_time(&now) != 0) {
        /* No clock: 1970. Every certificate then looks "not yet valid",
         * which tls_guard.c ignores when the board has no clock. */
        now = 0;
    }
    if (out != NULL) {
        *out = (mbedtls_time_t)now;
    }
    return (mbedtls_time_t)now;
}

/* The core's calendar (ds_date_civil): newlib's gmtime_r would do, but
 * this keeps libc's time code out. A time before 1970 (no clock) or after
 * 9999 is NULL, which Mbed TLS takes as "time unknown". */
struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt,
                                     struct tm *tm_buf)
{
    unsigned v[6];
    if (ds_date_civil((int64_t)*tt, v) != 0) {
        return NULL;
    }
    memset(tm_buf, 0, sizeof *tm_buf);
    tm_buf->tm_year = (int)v[0] - 1900;
    tm_buf->tm_mon = (int)v[1] - 1;
    tm_buf->tm_mday = (int)v[2];
    tm_buf->tm_hour = (int)v[3];
    tm_buf->tm_min = (int)v[4];
    tm_buf->tm_sec = (int)v[5];
    return tm_buf;
}

/* The CTR-DRBG's entropy source: the board's, straight (no entropy pool:
 * one source needs no mixing; the DRBG derives its key through AES). */
int ds_tls_entropy(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    if (ds_lwip_hooks.entropy == NULL || ds_lwip_hooks.entropy(out, len) != 0) {
        return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    }
    return 0;
}

#if defined(MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG)
#include "psa/crypto.h"
/* PSA Crypto's RNG (only in the TLS 1.3 measurement build): the board's. */
psa_status_t
mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *ctx,
                                uint8_t *out, size_t size, size_t *len);
psa_status_t
mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *ctx,
                                uint8_t *out, size_t size, size_t *len)
{
    (void)ctx;
    if (ds_lwip_hooks.entropy == NULL ||
        ds_lwip_hooks.entropy(out, size) != 0) {
        *len = 0;
        return PSA_ERROR_INSUFFICIENT_ENTROPY;
    }
    *len = size;
    return PSA_SUCCESS;
}
#endif

#if defined(MBEDTLS_ECDSA_SIGN_ALT)
/* A TLS client without a client certificate never signs: this stands in
 * for Mbed TLS's ECDSA signing (MBEDTLS_ECDSA_SIGN_ALT), which the PK
 * layer's tables would otherwise keep in the image. */
int mbedtls_ecdsa_sign(mbedtls_ecp_group *grp, mbedtls_mpi *r, mbedtls_mpi *s,
                       const mbedtls_mpi *d, const unsigned char *buf,
                       size_t blen,
                       int (*f_rng)(void *, unsigned char *, size_t),
                       void *p_rng)
{
    (void)grp;
    (void)r;
    (void)s;
    (void)d;
    (void)buf;
    (void)blen;
    (void)f_rng;
    (void)p_rng;
    return MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE;
}
#endif

/* MBEDTLS_PLATFORM_MS_TIME_ALT: the board's millisecond clock. */
mbedtls_ms_time_t mbedtls_ms_time(void)
{
    return (mbedtls_ms_time_t)ds_lwip_hooks.now_ms();
}

void ds_tls_fatal(int status)
{
    /* Only the arena allocator calls this, on a corrupted heap: there is
     * no safe way to continue, and a silent hang is the worst answer. */
    (void)status;
    if (ds_lwip_hooks.fatal != NULL) {
        ds_lwip_hooks.fatal("mbedTLS arena corrupted");
    }
    for (;;) {
    }
}

void ds_lwip_init(const ds_lwip_hooks_t *hooks)
{
    ds_lwip_hooks = *hooks;
    mbedtls_memory_buffer_alloc_init(tls_arena, sizeof tls_arena);
    (void)mbedtls_platform_set_time(tls_time);
}

void ds_tls_arena_stats(ds_tls_arena_stats_t *st)
{
    size_t used = 0, blocks = 0;
    mbedtls_memory_buffer_alloc_cur_get(&used, &blocks);
    st->in_use = used;
    mbedtls_memory_buffer_alloc_max_get(&st->peak, &st->peak_blocks);
    st->size = sizeof tls_arena;
}

int ds_tls_check_ca(const char *pem, size_t len)
{
    mbedtls_x509_crt crt;
    int ret;
    mbedtls_x509_crt_init(&crt);
    ret = mbedtls_x509_crt_parse(&crt, (const unsigned char *)pem, len + 1u);
    mbedtls_x509_crt_free(&crt);
    return ret == 0 ? 0 : -1;
}

void *ds_tls_scratch_alloc(size_t len)
{
    return mbedtls_calloc(1, len);
}

void ds_tls_scratch_free(void *p, size_t len)
{
    if (p != NULL) {
        mbedtls_platform_zeroize(p, len);
        mbedtls_free(p);
    }
}
