/*
 * libFuzzer target for the HTTP/1.x response parser.
 *
 * Input layout: byte 0 picks the options (capture on/off and its buffer
 * size, body capacity), bytes 1..4 seed the split positions, the rest is
 * the byte stream. The stream is parsed whole, one byte at a time and in
 * the seeded split; any difference in return code, bytes consumed, result
 * fields, body, captured value or ds_http_finish answer aborts, as does a
 * broken invariant (writes past a capacity, missing NUL, unnamed code).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ds_http.h"

#define BODY_BUF (DS_HTTP_BODY_MAX + 16u)
#define CAP_BUF 4096u
#define GUARD 0xa5

typedef struct outcome {
    int rc, fin;
    size_t used;
    ds_http_parser_t p; /* a copy of the final parser: every result field */
    char body[BODY_BUF + 1];
    char cap[CAP_BUF + 1];
} outcome_t;

static outcome_t runs[3];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static uint32_t next(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

/* mode 0: whole, 1: byte by byte, 2: seeded split (pieces 0..64 bytes). */
static void run(outcome_t *o, int mode, uint32_t seed, uint8_t opt,
                const uint8_t *in, size_t len)
{
    static const size_t body_caps[4] = {0, 7, 300, BODY_BUF};
    static const size_t cap_caps[4] = {0, 1, 9, CAP_BUF};
    ds_http_parser_t *p = &o->p;
    size_t body_cap = body_caps[(opt >> 3) & 3];
    size_t cap_cap = cap_caps[(opt >> 1) & 3];
    size_t pos = 0;
    int rc = DS_HTTP_NEED_MORE;

    memset(o->body, GUARD, sizeof o->body);
    memset(o->cap, GUARD, sizeof o->cap);
    o->used = 0;
    ds_http_init(p, body_cap ? o->body : NULL, body_cap);
    if (opt & 1)
        ds_http_capture(p, (opt & 0x20) ? "x-subject-token" : "x-t",
                        cap_cap ? o->cap : NULL, cap_cap);
    do {
        size_t n = len - pos, used = (size_t)-1;
        if (mode == 1 && n > 1)
            n = 1;
        else if (mode == 2) {
            size_t k = next(&seed) % 65;
            if (k < n)
                n = k;
        }
        rc = ds_http_feed(p, in + pos, n, &used);
        check(used <= n);
        if (rc == DS_HTTP_NEED_MORE)
            check(used == n);
        o->used += used;
        pos += n;
    } while (rc == DS_HTTP_NEED_MORE && pos < len);
    o->rc = rc;
    o->fin = ds_http_finish(p);
    check(ds_http_strerror(rc) != NULL && ds_http_strerror(o->fin) != NULL);
    check(rc <= DS_HTTP_NEED_MORE && rc >= DS_HTTP_E_STATE);
    check(o->fin <= DS_HTTP_DONE && o->fin >= DS_HTTP_E_STATE);
    check(p->body_len <= body_cap && p->body_len <= DS_HTTP_BODY_MAX);
    check((unsigned char)o->body[body_cap] == GUARD);
    check((unsigned char)o->cap[cap_cap] == GUARD);
    check(memchr(p->request_id, 0, sizeof p->request_id) != NULL);
    check(memchr(p->content_type, 0, sizeof p->content_type) != NULL);
    check(memchr(p->date, 0, sizeof p->date) != NULL);
    if (rc == DS_HTTP_DONE) {
        check(o->used <= len);
        check(p->status >= 100 && p->status <= 599);
        check(p->keep_alive == 0 || p->keep_alive == 1);
        check(!(p->chunked && p->has_content_length));
        if (p->has_content_length && !p->chunked && p->status != 204 &&
            p->status != 304)
            check(p->body_len == p->content_length);
        if ((opt & 1) && cap_cap) {
            check(p->cap_len < cap_cap);
            check(o->cap[p->cap_len] == '\0');
            check(strlen(o->cap) == p->cap_len);
        }
    }
}

static void same(const outcome_t *a, const outcome_t *b)
{
    const ds_http_parser_t *p = &a->p, *q = &b->p;

    check(a->rc == b->rc && a->fin == b->fin && a->used == b->used);
    check(p->status == q->status && p->http_minor == q->http_minor);
    check(p->keep_alive == q->keep_alive && p->chunked == q->chunked);
    check(p->has_content_length == q->has_content_length);
    check(p->content_length == q->content_length);
    check(p->retry_after_s == q->retry_after_s);
    check(p->has_retry_after == q->has_retry_after);
    check(strcmp(p->request_id, q->request_id) == 0);
    check(strcmp(p->content_type, q->content_type) == 0);
    check(strcmp(p->date, q->date) == 0);
    check(p->body_len == q->body_len);
    check(memcmp(a->body, b->body, p->body_len) == 0);
    check(p->cap_found == q->cap_found && p->cap_len == q->cap_len);
    if (a->rc == DS_HTTP_DONE && p->cap_found)
        check(memcmp(a->cap, b->cap, p->cap_len + 1) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t seed;
    uint8_t opt;

    if (size < 5)
        return 0;
    opt = data[0];
    seed = ((uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 |
            (uint32_t)data[3] << 8 | data[4]) |
           1u;
    data += 5;
    size -= 5;

    run(&runs[0], 0, seed, opt, data, size);
    run(&runs[1], 1, seed, opt, data, size);
    run(&runs[2], 2, seed, opt, data, size);
    same(&runs[0], &runs[1]);
    same(&runs[0], &runs[2]);

    /* After DONE, feeding more is a state error and changes nothing. */
    if (runs[0].rc == DS_HTTP_DONE) {
        size_t used = 1;
        check(ds_http_feed(&runs[0].p, data, size, &used) == DS_HTTP_E_STATE);
        check(used == 0);
        check(ds_http_finish(&runs[0].p) == DS_HTTP_DONE);
    } else if (runs[0].rc < 0) {
        check(ds_http_feed(&runs[0].p, data, size, NULL) == runs[0].rc);
    }
    return 0;
}
