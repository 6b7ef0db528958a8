/*
 * libFuzzer target for ds_stop end to end (request, response parser, JSON
 * mapping, retries, deadline) over an in-memory transport.
 *
 * Input: 4 control bytes, then the server's answer, replayed on every
 * connection. Control: [0] retries (0..3) and how the stream ends after the
 * answer (end of stream, timeout, error); [1] connect results of the first
 * four attempts (2 bits each: ok, refused, TLS error, timeout); [2..3] seed
 * of the slice sizes the answer is delivered in.
 * Invariants: outcome and reason in range; 1..retries+1 attempts, each
 * closed; STOPPED only for a 200 "success"; the fake clock never passes the
 * deadline; every copy NUL-terminated; the token never in the request head
 * area of the workspace.
 */
#define _GNU_SOURCE /* memmem */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deploystop.h"

#define TOKEN "fuzz-Token_0123456789abcdefghijklmnopqrstuvwxyz"
#define DEADLINE 30000u

typedef struct fz {
    const uint8_t *answer;
    size_t len, pos;
    int end, connects, closes, open, cur;
    uint8_t connect_bits;
    uint32_t now, seed, start;
} fz_t;

static fz_t z;
static ds_workspace_t ws;

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

static int fz_connect(void *ctx, const char *host, uint16_t port, int tls,
                      uint32_t t)
{
    static const int rc[4] = {DS_TR_OK, DS_TR_ERR_CONNECT, DS_TR_ERR_TLS,
                              DS_TR_ERR_TIMEOUT};
    int r = z.cur < 4 ? rc[(z.connect_bits >> (2 * z.cur)) & 3] : DS_TR_OK;
    (void)ctx;
    (void)host;
    (void)port;
    (void)tls;
    if (t == 0 || t > DEADLINE)
        abort();
    z.cur++;
    z.connects++;
    z.pos = 0;
    if (r == DS_TR_ERR_TIMEOUT)
        z.now += t;
    z.open = r == DS_TR_OK;
    return r;
}

static int32_t fz_send(void *ctx, const uint8_t *b, size_t n, uint32_t t)
{
    (void)ctx;
    (void)b;
    if (!z.open || n == 0 || n > DS_SEND_CHUNK || t == 0)
        abort();
    return (int32_t)n;
}

static int32_t fz_recv(void *ctx, uint8_t *b, size_t n, uint32_t t)
{
    size_t k;
    (void)ctx;
    if (!z.open || n == 0 || t == 0)
        abort();
    if (z.pos < z.len) {
        k = 1 + fz_rand(NULL) % (z.len - z.pos < 300 ? z.len - z.pos : 300);
        if (k > n)
            k = n;
        memcpy(b, z.answer + z.pos, k);
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
    z.closes++;
}

static void terminated(const char *s, size_t cap)
{
    if (!memchr(s, 0, cap))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ds_transport_t tr = {NULL, fz_connect, fz_send, fz_recv, fz_close, NULL};
    ds_platform_t pf = {NULL, fz_now, fz_sleep, fz_rand, NULL};
    ds_stop_request_t req;
    ds_result_t res;
    ds_outcome_t o;
    if (size < 4)
        return 0;
    memset(&z, 0, sizeof z);
    z.answer = data + 4;
    z.len = size - 4;
    z.end = (data[0] >> 2) % 3;
    z.connect_bits = data[1];
    z.seed = (uint32_t)data[2] << 8 | data[3];
    z.now = z.start = 0xFFFF0000u; /* wraps during the stop */
    ds_stop_request_init(&req);
    req.host = "codearts-deploy.cn-north-4.myhuaweicloud.com";
    req.task_id = "e700f15965694253940502911220d76b";
    req.record_id = "2c82ffe8d00d4968a4e5f7a36d87ae17";
    req.auth.token = TOKEN;
    req.auth.token_len = sizeof TOKEN - 1;
    req.retries = data[0] & 3;
    req.deadline_ms = DEADLINE;

    o = ds_stop(&req, &tr, &pf, &ws, &res);
    if (o != res.outcome || (unsigned)o > DS_UNKNOWN ||
        (unsigned)res.reason > DS_R_STATUS_NOT_SUCCESS)
        abort();
    if (res.attempts < 1 || res.attempts > req.retries + 1 ||
        z.closes != res.attempts || z.open)
        abort();
    if (o == DS_INVALID_INPUT)
        abort();
    if (o == DS_STOPPED &&
        (res.http_status != 200 || strcmp(res.status, "success")))
        abort();
    if (z.now - z.start > DEADLINE)
        abort();
    terminated(res.status, sizeof res.status);
    terminated(res.error_code, sizeof res.error_code);
    terminated(res.error_msg, sizeof res.error_msg);
    terminated(res.request_id, sizeof res.request_id);
    terminated(res.server_date, sizeof res.server_date);
    /* The request head is the one place the core writes request bytes (the
     * rest of the workspace holds what the server sent, which may be
     * anything): the token never goes there, and it is wiped anyway. */
    if (memmem(ws.head, sizeof ws.head, TOKEN, 8))
        abort();
    return 0;
}
