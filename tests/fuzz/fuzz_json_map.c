/*
 * libFuzzer target for core/json_map.c: any bytes as an answer body.
 * Oracle: an independent recursive-descent checker of the JSON that
 * ds_json_map promises to accept (one object at the top, proper
 * key/value pairing, JSON strings, jsmn's loose primitives (any
 * visible characters after a JSON primitive's first character), at most
 * DS_JSON_TOKENS tokens). Every copy in the result must be NUL-terminated
 * inside its field, and valid UTF-8 whenever the body is ASCII.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deploystop.h"
#include "json_map.h"

#define TASK "e700f15965694253940502911220d76b"
#define RECORD "2c82ffe8d00d4968a4e5f7a36d87ae17"

typedef struct ref {
    const uint8_t *s;
    size_t n, i;
    unsigned tokens;
    int depth;
} ref_t;

static void ws(ref_t *r)
{
    while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' ||
                           r->s[r->i] == '\n' || r->s[r->i] == '\r'))
        r->i++;
}

static int is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

static int string(ref_t *r)
{
    if (r->i >= r->n || r->s[r->i] != '"')
        return 0;
    r->tokens++;
    for (r->i++; r->i < r->n; r->i++) {
        int c = r->s[r->i];
        if (c == '"') {
            r->i++;
            return 1;
        }
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            int k;
            if (++r->i >= r->n)
                return 0;
            c = r->s[r->i];
            if (c == 'u') {
                for (k = 0; k < 4; k++)
                    if (++r->i >= r->n || !is_hex(r->s[r->i]))
                        return 0;
            } else if (!strchr("\"\\/bfnrt", c) || c == 0) {
                return 0;
            }
        }
    }
    return 0;
}

static int value(ref_t *r);

static int primitive(ref_t *r)
{
    size_t start = r->i;
    if (r->i >= r->n || !strchr("-0123456789tfn", r->s[r->i]) ||
        r->s[r->i] == 0)
        return 0;
    r->tokens++;
    /* jsmn (not strict) also ends a primitive at ':' (which then is a
     * misplaced separator) and at a NUL (where it stops reading). */
    while (r->i < r->n && !strchr("\t\r\n ,]}:", r->s[r->i])) {
        if (r->s[r->i] < 32 || r->s[r->i] >= 127)
            return 0;
        r->i++;
    }
    /* a primitive ending the input cannot be inside the top object */
    return r->i < r->n && r->i > start;
}

static int container(ref_t *r, int obj)
{
    int first = 1;
    r->tokens++;
    if (++r->depth > 200)
        return 0;
    r->i++;
    for (;;) {
        ws(r);
        if (r->i >= r->n)
            return 0;
        if (r->s[r->i] == (obj ? '}' : ']')) {
            r->i++;
            r->depth--;
            return 1;
        }
        if (!first) {
            if (r->s[r->i] != ',')
                return 0;
            r->i++;
            ws(r);
        }
        first = 0;
        if (obj) {
            if (!string(r))
                return 0;
            ws(r);
            if (r->i >= r->n || r->s[r->i] != ':')
                return 0;
            r->i++;
            ws(r);
        }
        if (!value(r))
            return 0;
    }
}

static int value(ref_t *r)
{
    if (r->i >= r->n)
        return 0;
    switch (r->s[r->i]) {
    case '{': return container(r, 1);
    case '[': return container(r, 0);
    case '"': return string(r);
    default: return primitive(r);
    }
}

static int ref_valid(const uint8_t *s, size_t n)
{
    ref_t r = {s, n, 0, 0, 0};
    ws(&r);
    if (r.i >= n || s[r.i] != '{' || !container(&r, 1))
        return 0;
    ws(&r);
    return r.i == n && r.tokens <= DS_JSON_TOKENS;
}

/* Complete, minimal UTF-8 without surrogates. */
static int utf8_valid(const unsigned char *p)
{
    while (*p) {
        unsigned c = *p++, k, v;
        if (c < 0x80)
            continue;
        if (c < 0xC2 || c > 0xF4)
            return 0;
        k = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
        v = c & (0x3Fu >> k);
        while (k--) {
            if ((*p & 0xC0) != 0x80)
                return 0;
            v = v << 6 | (*p++ & 0x3Fu);
        }
        if ((v >= 0xD800 && v < 0xE000) || (c == 0xE0 && v < 0x800) ||
            (c == 0xF0 && v < 0x10000) || v > 0x10FFFF)
            return 0;
    }
    return 1;
}

/* Each copy is NUL-terminated inside its field. When the body is pure
 * ASCII (escapes only), every copy must be valid UTF-8: the decoder may cut
 * a string, never a character, and pairs surrogates or replaces them. */
static void check_copy(const char *f, size_t cap, int ascii_input)
{
    size_t n = 0;
    while (n < cap && f[n])
        n++;
    if (n >= cap)
        abort();
    if (ascii_input && !utf8_valid((const unsigned char *)f))
        abort();
}

static ds_json_slot_t tok[DS_JSON_TOKENS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ds_result_t res;
    unsigned f;
    size_t i;
    char *copy;
    if (size > DS_HTTP_BODY_MAX)
        return 0;
    /* An exact-size heap copy so ASan sees any read past the body. */
    copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    memset(&res, 0, sizeof res);
    f = ds_json_map(copy, size, tok, DS_JSON_TOKENS, TASK, RECORD, &res);
    if (((f & DS_JSON_VALID) != 0) != ref_valid(data, size))
        abort();
    if (!(f & DS_JSON_VALID) && f)
        abort();
    for (i = 0; i < size && data[i] < 0x80; i++)
        ;
    check_copy(res.status, sizeof res.status, i == size);
    check_copy(res.error_code, sizeof res.error_code, i == size);
    check_copy(res.error_msg, sizeof res.error_msg, i == size);
    check_copy(res.request_id, sizeof res.request_id, i == size);
    free(copy);
    return 0;
}
