/*
 * Shared set-up for ds_stop tests: fake clock + fake transport + a valid
 * request, a trace recorder, and builders for HTTP answers.
 */
#ifndef STOP_FIXTURE_H
#define STOP_FIXTURE_H

#include <stddef.h>

#include "deploystop.h"
#include "fake_platform.h"
#include "fake_transport.h"

#define FX_TASK "e700f15965694253940502911220d76b"
#define FX_RECORD "2c82ffe8d00d4968a4e5f7a36d87ae17"
#define FX_TOKEN "MIIToken-abc.def_123"
#define FX_OK_BODY                                                             \
    "{\"status\":\"success\",\"result\":{\"id\":\"" FX_RECORD                  \
    "\",\"task_id\":\"" FX_TASK "\"}}"

#define FX_MAX_ANSWERS 8

typedef struct fixture {
    fake_platform_t fp;
    ds_platform_t pf;
    fake_transport_t ft;
    ds_transport_t tr;
    ds_stop_request_t req;
    ds_workspace_t ws;
    ds_result_t res;
    char answers[FX_MAX_ANSWERS][4096];
    /* trace record: every call appended as "<kind>|<data>\n" */
    char trace[16384];
    size_t trace_len;
    int trace_calls[3];
} fixture_t;

/* Clock at `start_ms`, jitter seed `seed` (0: no random source), request
 * for localhost:443 with FX_TOKEN and tracing on. */
void fx_init(fixture_t *f, uint32_t start_ms, uint32_t seed);
ds_outcome_t fx_stop(fixture_t *f);

/* An HTTP/1.1 answer with Content-Length, stored in answers[slot]. `headers`
 * are extra lines, each ending in \r\n. */
const char *fx_http(fixture_t *f, int slot, int status, const char *headers,
                    const char *body);
/* Script attempt i to get that answer, then end of stream. */
ft_attempt_t *fx_answer(fixture_t *f, int i, int status, const char *headers,
                        const char *body);

/* 1 if `needle` occurs in the `len` bytes at `hay`. */
int fx_contains(const void *hay, size_t len, const char *needle, size_t nlen);

#endif /* STOP_FIXTURE_H */
