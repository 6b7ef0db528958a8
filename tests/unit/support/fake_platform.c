#include "fake_platform.h"

#include <string.h>

static uint32_t fp_now(void *ctx)
{
    fake_platform_t *fp = ctx;
    fp->now_calls++;
    return fp->now;
}

static void fp_sleep(void *ctx, uint32_t ms)
{
    fake_platform_t *fp = ctx;
    if (fp->nsleeps < FAKE_MAX_SLEEPS)
        fp->sleeps[fp->nsleeps] = ms;
    fp->nsleeps++;
    fp->slept_ms += ms;
    fp->now += ms;
}

static uint32_t fp_random(void *ctx)
{
    fake_platform_t *fp = ctx;
    uint32_t x = fp->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    fp->rng = x;
    return x;
}

void fake_platform_init(fake_platform_t *fp, ds_platform_t *pf,
                        uint32_t start_ms, uint32_t seed)
{
    memset(fp, 0, sizeof *fp);
    memset(pf, 0, sizeof *pf);
    fp->now = start_ms;
    fp->rng = seed;
    pf->ctx = fp;
    pf->now_ms = fp_now;
    pf->sleep_ms = fp_sleep;
    pf->random_u32 = seed ? fp_random : NULL;
}

void fake_platform_advance(fake_platform_t *fp, uint32_t ms)
{
    fp->now += ms;
}

static int fp_unix(void *ctx, int64_t *seconds)
{
    fake_platform_t *fp = ctx;
    fp->unix_calls++;
    *seconds = fp->unix_s + (int64_t)((fp->now - fp->unix_at) / 1000u);
    return 0;
}

void fake_platform_unix(fake_platform_t *fp, ds_platform_t *pf, int64_t seconds)
{
    fp->unix_s = seconds;
    fp->unix_at = fp->now;
    pf->unix_time = fp_unix;
}
