/*
 * libFuzzer target for discovery and confirmation: ds_halt (history pages,
 * the stops, the state polls, the "not running" follow-up) over an
 * in-memory transport that plays the fuzzer's answers, one per request, on
 * connections the fuzzer keeps alive or drops.
 *
 * Input: 2 control bytes, then up to 12 answers separated by "\n#\n".
 * Control: [0] bit 0 wait for the end, bit 1 no platform clock (a time
 * probe first), bits 2-3 how a stream ends after an answer (end of
 * stream, timeout, error); [1] seed of the slice sizes and of alive().
 * Invariants: outcomes and reasons in range; every id in a request line is
 * 32 letters/digits (a malformed id from a row is never sent); a record
 * reported confirmed was last seen not running; STOPPED only with every
 * stopped record accepted; the clock stays within the deadline plus one
 * poll; every copy NUL-terminated.
 */
#define _GNU_SOURCE /* memmem */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deploystop.h"
#include "ds_halt.h"

#define TOKEN "fuzz-Token_0123456789abcdefghijklmnopqrstuvwxyz"
#define DEADLINE 20000u
#define ANSWERS 12

typedef struct fz {
    const uint8_t *ans[ANSWERS];
    size_t len[ANSWERS];
    int n, cur, open, end, sending;
    size_t pos;
    uint32_t now, seed;
    char line[160];
    size_t line_len;
} fz_t;

static fz_t z;
static ds_workspace_t ws;
static ds_halt_t halt;

static uint32_t fz_now(void *ctx)
{
    (void)ctx;
    return z.now;
}
static void fz_sleep(void *ctx, uint32_t ms)
{
    (void)ctx;
    z.now += ms;
}
static uint32_t fz_rand(void *ctx)
{
    (void)ctx;
    z.seed = z.seed * 1103515245u + 12345u;
    return z.seed >> 8;
}
static int fz_unix(void *ctx, int64_t *t)
{
    (void)ctx;
    *t = 1764460800;
    return 0;
}

static int fz_connect(void *ctx, const char *h, uint16_t p, int tls, uint32_t t)
{
    (void)ctx;
    (void)h;
    (void)p;
    (void)tls;
    if (t == 0 || t > DEADLINE)
        abort();
    z.open = 1;
    z.sending = 0;
    return DS_TR_OK;
}

/* Each request line's ids must be well formed. */
static void check_line(void)
{
    const char *l = z.line;
    const char *p = strstr(l, "/records/");
    if (p && !(strlen(p) > 9 + 32 && p[9 + 32] == '/'))
        abort();
    if (p) {
        char id[33];
        memcpy(id, p + 9, 32);
        id[32] = 0;
        if (!ds_valid_id(id))
            abort();
    }
}

static int32_t fz_send(void *ctx, const uint8_t *b, size_t n, uint32_t t)
{
    size_t i;
    (void)ctx;
    if (!z.open || n == 0 || t == 0)
        abort();
    if (!z.sending) { /* a new request: the next answer */
        z.sending = 1;
        z.cur++;
        z.pos = 0;
        z.line_len = 0;
    }
    for (i = 0; i < n && z.line_len < sizeof z.line - 1; i++) {
        if (b[i] == '\r') {
            z.line[z.line_len] = 0;
            check_line();
            z.line_len = sizeof z.line - 1;
            break;
        }
        z.line[z.line_len++] = (char)b[i];
    }
    return (int32_t)n;
}

static int32_t fz_recv(void *ctx, uint8_t *b, size_t n, uint32_t t)
{
    int a = z.cur - 1;
    size_t k, left;
    (void)ctx;
    if (!z.open || n == 0 || t == 0)
        abort();
    z.sending = 0;
    left = a >= 0 && a < z.n ? z.len[a] - z.pos : 0;
    if (left) {
        k = 1 + fz_rand(NULL) % (left < 300 ? left : 300);
        if (k > n)
            k = n;
        memcpy(b, z.ans[a] + z.pos, k);
        z.pos += k;
        z.now += 1;
        return (int32_t)k;
    }
    if (z.end == 1) {
        z.now += t;
        return DS_TR_ERR_TIMEOUT;
    }
    return z.end == 2 ? DS_TR_ERR_IO : 0;
}

static void fz_close(void *ctx)
{
    (void)ctx;
    z.open = 0;
}
static int fz_alive(void *ctx)
{
    (void)ctx;
    return z.open && (fz_rand(NULL) & 3) != 0;
}

static void split(const uint8_t *d, size_t n)
{
    const uint8_t *p = d, *end = d + n;
    while (z.n < ANSWERS && p <= end) {
        const uint8_t *s = memmem(p, (size_t)(end - p), "\n#\n", 3);
        if (!s)
            s = end;
        z.ans[z.n] = p;
        z.len[z.n++] = (size_t)(s - p);
        p = s + 3;
    }
}

static void check(const ds_stop_request_t *req, ds_outcome_t o)
{
    unsigned i, accepted = 0;
    if (o != halt.outcome || (unsigned)o > DS_STILL_RUNNING ||
        o == DS_INVALID_INPUT || halt.count > DS_RUNNING_MAX ||
        (unsigned)halt.res.reason > DS_R_WAIT_OVER)
        abort();
    for (i = 0; i < halt.count; i++) {
        const ds_halt_record_t *r = &halt.rec[i];
        if (!ds_valid_id(r->id) || (unsigned)r->outcome > DS_STILL_RUNNING ||
            !memchr(r->state, 0, sizeof r->state))
            abort();
        if (r->confirmed == 1 && ds_state_running(r->state))
            abort();
        if (r->confirmed != -1 && !req->wait_ms)
            abort();
        accepted += r->accepted;
        if (r->outcome == DS_STOPPED && !r->accepted)
            abort();
    }
    if (o == DS_STOPPED && !accepted)
        abort();
    if (z.now - 0xFFFF0000u > DEADLINE + 1000u + 300u)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ds_transport_t tr = {NULL,    fz_connect, fz_send,
                         fz_recv, fz_close,   fz_alive};
    ds_platform_t pf = {NULL, fz_now, fz_sleep, fz_rand, fz_unix};
    ds_stop_request_t req;
    ds_session_t s;
    ds_outcome_t o;
    if (size < 2)
        return 0;
    memset(&z, 0, sizeof z);
    split(data + 2, size - 2);
    z.end = (data[0] >> 2) % 3;
    z.seed = data[1];
    z.now = 0xFFFF0000u; /* wraps during the run */
    if (data[0] & 2)
        pf.unix_time = NULL;
    ds_stop_request_init(&req);
    req.host = "codearts-deploy.cn-north-4.myhuaweicloud.com";
    req.task_id = "e700f15965694253940502911220d76b";
    req.project_id = "8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a";
    req.auth.token = TOKEN;
    req.auth.token_len = sizeof TOKEN - 1;
    req.retries = 1;
    req.wait_ms = data[0] & 1 ? 5000u : 0u;
    ds_session_begin(&s, &tr, &pf, &ws, DEADLINE);
    o = ds_halt(&s, &req, &halt);
    ds_session_end(&s);
    check(&req, o);
    return 0;
}
