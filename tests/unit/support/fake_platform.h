/*
 * Fake platform for unit tests: a monotonic clock that only moves when
 * something waits (sleep_ms, or a fake transport timing out), a
 * deterministic random source, and a record of every sleep.
 */
#ifndef FAKE_PLATFORM_H
#define FAKE_PLATFORM_H

#include <stdint.h>

#include "ds_transport.h"

#define FAKE_MAX_SLEEPS 32

typedef struct fake_platform {
    uint32_t now;
    uint32_t rng; /* xorshift32 state; 0 makes random_u32 NULL */
    uint32_t sleeps[FAKE_MAX_SLEEPS];
    int nsleeps;
    uint32_t slept_ms;
    int now_calls;
    int64_t unix_s; /* wall clock at now == unix_at (unix_time) */
    uint32_t unix_at;
    int unix_calls;
} fake_platform_t;

/* Clock starts at `start_ms` (pick one near 2^32 to test wrap-around). */
void fake_platform_init(fake_platform_t *fp, ds_platform_t *pf,
                        uint32_t start_ms, uint32_t seed);
/* Give the platform a wall clock reading `seconds` now (it moves with the
 * monotonic clock). */
void fake_platform_unix(fake_platform_t *fp, ds_platform_t *pf,
                        int64_t seconds);
void fake_platform_advance(fake_platform_t *fp, uint32_t ms);

#endif /* FAKE_PLATFORM_H */
