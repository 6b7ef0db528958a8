/*
 * Answer body -> ds_result_t. jsmn tokenizes into the caller's slots; the
 * structure is then checked here because jsmn accepts invalid JSON (a key
 * without a value, trailing commas, two top-level values). No recursion:
 * children are walked with token ends, never with a call per level.
 */
#include <stddef.h>
#include <string.h>

/* Not JSMN_STRICT: its checks cost about 200 bytes, and well_formed()
 * already refuses all that strict mode would (a key that is not a string,
 * a missing separator) plus a primitive's first character, the only
 * strict-mode check it did not make. */
#define JSMN_STATIC
#include <jsmn.h>

#include "json_map.h"

/* ds_json_slot_t is the public storage for jsmntok_t (which the public
 * header cannot name): the two must have one size and the same offsets.
 * The type may be narrower than int (arm-none-eabi has short enums), so
 * tokens are only ever read back through jsmntok_t. */
typedef char ds_json_slot_is_jsmntok[
    (sizeof(jsmntok_t) == sizeof(ds_json_slot_t) &&
     offsetof(jsmntok_t, type) == offsetof(ds_json_slot_t, type) &&
     offsetof(jsmntok_t, start) == offsetof(ds_json_slot_t, start) &&
     offsetof(jsmntok_t, end) == offsetof(ds_json_slot_t, end) &&
     offsetof(jsmntok_t, size) == offsetof(ds_json_slot_t, size)) ? 1 : -1];

enum { K_STATUS, K_RESULT, K_ERROR_CODE, K_CODE, K_ERROR_MSG, K_MESSAGE,
       K_REQUEST_ID, K_ID, K_TASK_ID, K_OTHER };
static const char keys[] = "status\0result\0error_code\0code\0error_msg\0"
                           "message\0request_id\0id\0task_id";

typedef struct map {
    const char *js;
    const jsmntok_t *t;
    int n;
    ds_result_t *res;
    const char *task_id;
    const char *record_id;
    unsigned flags;
    int code_rank;
    int msg_rank;
} map_t;

static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The container holding token k, or -1: the closest earlier token that
 * ends after k starts (strings and primitives end before the next token).
 * Needs no stack and no parent links. */
static int parent(const jsmntok_t *t, int k)
{
    int j = k;
    while (--j >= 0 && t[j].end <= t[k].start)
        ;
    return j;
}

/* What well_formed expects next. CLOSE may be or-ed into VALUE, KEY and
 * NEXT: the innermost container may end here. */
enum { VALUE = 0, KEY = 1, CLOSE = 2, COLON = 4, NEXT = 8 };

/* One pass over the text, token by token: outside tokens only whitespace
 * and the separators the grammar expects. jsmn has already matched the
 * brackets, checked string escapes and refused other characters; `cur` is
 * the innermost open container. */
static int well_formed(const char *js, int len, const jsmntok_t *t, int n)
{
    int i = 0, k = 0, cur = -1, want = VALUE;
    if (t[0].type != JSMN_OBJECT)
        return 0;
    while (i < len) {
        int c = (unsigned char)js[i];
        const jsmntok_t *tk = &t[k];
        if (k < n && i == tk->start - (tk->type == JSMN_STRING)) {
            /* A token starts: a key (a string) or a value. */
            int key = (want & ~CLOSE) == KEY;
            if ((want & ~CLOSE) != VALUE && !(key && tk->type == JSMN_STRING))
                return 0;
            want = key ? COLON : NEXT | CLOSE;
            if (tk->type == JSMN_OBJECT || tk->type == JSMN_ARRAY) {
                cur = k;
                want = (tk->type == JSMN_OBJECT ? KEY : VALUE) | CLOSE;
                i++;
            } else {
                /* A JSON primitive is a number, true, false or null: only
                 * its first character is checked, as strict jsmn would
                 * (never a NUL: jsmn stops reading there). */
                if (tk->type == JSMN_PRIMITIVE &&
                    !strchr("-0123456789tfn", js[tk->start]))
                    return 0;
                /* jsmn lets raw control characters through; JSON does not. */
                for (i = tk->start; i < tk->end; i++)
                    if ((unsigned char)js[i] < 0x20)
                        return 0;
                i += tk->type == JSMN_STRING;
            }
            k++;
            continue;
        }
        if (c == ':' && want == COLON) {
            want = VALUE;
        } else if (c == ',' && want == (NEXT | CLOSE) && cur >= 0) {
            want = t[cur].type == JSMN_OBJECT ? KEY : VALUE;
        } else if ((c == '}' || c == ']') && (want & CLOSE) && cur >= 0 &&
                   i == t[cur].end - 1) {
            cur = parent(t, cur);
            want = NEXT | CLOSE;
        } else if (!is_ws(c)) {
            return 0;
        }
        i++;
    }
    return k == n && cur < 0 && want == (NEXT | CLOSE);
}

static unsigned hex4(const char *s)
{
    unsigned v = 0;
    int i;
    for (i = 0; i < 4; i++)
        v = v * 16 + (unsigned)(s[i] <= '9' ? s[i] - '0' : (s[i] | 0x20) - 'a' + 10);
    return v;
}

/* Decode js[s..e) (escapes already checked by jsmn) into UTF-8. A unit that
 * does not fit ends the copy, so a multi-byte character is never cut.
 * \u0000 becomes U+FFFD: a NUL inside a C string would make "success\u0000x"
 * compare equal to "success". Returns 0 when the copy was cut: a cut key or
 * id must never match. */
static int unescape(const char *s, const char *e, char *out, size_t cap)
{
    static const char esc[] = "b\bf\fn\nr\rt\t";
    size_t n = 0;
    while (s < e) {
        char u[4];
        size_t k = 1;
        unsigned c = (unsigned char)*s++;
        if (c == '\\') {
            size_t i;
            c = (unsigned char)*s++;
            for (i = 0; esc[i]; i += 2)
                if ((unsigned char)esc[i] == c)
                    c = (unsigned char)esc[i + 1];
            if (c == 'u') {
                c = hex4(s);
                s += 4;
                if (c >= 0xD800 && c < 0xDC00 && e - s >= 6 && s[0] == '\\' &&
                    s[1] == 'u' && hex4(s + 2) - 0xDC00u < 0x400u) {
                    c = 0x10000 + ((c - 0xD800) << 10) + (hex4(s + 2) - 0xDC00);
                    s += 6;
                } else if (c == 0 || (c >= 0xD800 && c < 0xE000)) {
                    c = 0xFFFD; /* unpaired surrogate, or NUL */
                }
            }
            if (c >= 0x80) {
                k = c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
                for (i = k; --i;) {
                    u[i] = (char)(0x80 | (c & 0x3F));
                    c >>= 6;
                }
                c |= 0xF00u >> k; /* lead byte marker: C0, E0 or F0 */
            }
        } else {
            while (k < sizeof u && s < e && (*s & 0xC0) == 0x80)
                u[k++] = *s++;
        }
        u[0] = (char)c;
        if (n + k >= cap) {
            out[n] = 0;
            return 0;
        }
        memcpy(out + n, u, k);
        n += k;
    }
    out[n] = 0;
    return 1;
}

void ds_json_string(const char *js, const ds_json_slot_t *t, char *out,
                    size_t cap)
{
    (void)unescape(js + t->start, js + t->end, out, cap);
}

/* Keys are compared decoded: "\u0073tatus" is "status". 12 bytes hold
 * the longest key we know; anything longer is cut and matches nothing. */
static int key_of(const char *js, const jsmntok_t *t)
{
    char key[12];
    const char *k = keys;
    int i;
    if (!unescape(js + t->start, js + t->end, key, sizeof key))
        return K_OTHER;
    for (i = 0; i < K_OTHER; i++, k += strlen(k) + 1)
        if (!strcmp(k, key))
            return i;
    return K_OTHER;
}

/* Key token k (its value is k + 1) inside an object that is the top level
 * (parent -1) or the value of key `parent`. Ranks make the top level win
 * over nested objects, and error_code/error_msg over code/message. */
static void take(map_t *m, int k, int parent)
{
    const jsmntok_t *v = &m->t[k + 1];
    int key = key_of(m->js, &m->t[k]), rank = 2 - (key & 1) + 2 * (parent < 0);
    char *dst = NULL;
    size_t cap = 0;
    if (v->type != JSMN_STRING)
        return;
    switch (key) {
    case K_STATUS:
        if (parent < 0) {
            dst = m->res->status;
            cap = sizeof m->res->status;
        }
        break;
    case K_ERROR_CODE:
    case K_CODE:
        if (rank > m->code_rank) {
            m->code_rank = rank;
            dst = m->res->error_code;
            cap = sizeof m->res->error_code;
        }
        break;
    case K_ERROR_MSG:
    case K_MESSAGE:
        if (rank > m->msg_rank) {
            m->msg_rank = rank;
            dst = m->res->error_msg;
            cap = sizeof m->res->error_msg;
        }
        break;
    case K_REQUEST_ID:
        if (parent < 0 && !m->res->request_id[0]) {
            dst = m->res->request_id;
            cap = sizeof m->res->request_id;
        }
        break;
    case K_ID:
    case K_TASK_ID:
        if (parent == K_RESULT) {
            /* Room for one byte more than an id: a longer value is cut,
             * and a cut value differs even if its first 32 bytes match. */
            char id[DS_ID_LEN + 2];
            int whole = unescape(m->js + v->start, m->js + v->end, id, sizeof id);
            m->flags |= !whole || strcmp(id, key == K_ID ? m->record_id : m->task_id) != 0
                            ? DS_JSON_ID_BAD
                            : key == K_ID ? DS_JSON_ID_OK : DS_JSON_TASK_OK;
        }
        break;
    default:
        break;
    }
    if (dst)
        (void)unescape(m->js + v->start, m->js + v->end, dst, cap);
}

unsigned ds_json_map(const char *js, size_t len, ds_json_slot_t *tok,
                     unsigned ntok, const char *task_id,
                     const char *record_id, ds_result_t *res)
{
    jsmn_parser p;
    map_t m;
    int k;
    m.t = (const jsmntok_t *)tok;
    /* Lets the compiler drop jsmn's count-only (NULL tokens) paths. */
    if (!tok)
        return 0;
    jsmn_init(&p);
    m.n = jsmn_parse(&p, js, len, (jsmntok_t *)tok, ntok);
    if (m.n < 1 || !well_formed(js, (int)len, m.t, m.n))
        return 0;
    m.js = js;
    m.res = res;
    m.task_id = task_id;
    m.record_id = record_id;
    m.flags = DS_JSON_VALID;
    m.code_rank = m.msg_rank = 0;
    /* Keys (strings with a value) of the top object, and of objects that
     * are values of its keys; document order, as the ranks expect. */
    for (k = 1; k < m.n; k++) {
        int o = parent(m.t, k);
        if (m.t[k].type != JSMN_STRING || m.t[k].size != 1 ||
            (o && (m.t[o].type != JSMN_OBJECT || parent(m.t, o))))
            continue;
        take(&m, k, o ? key_of(js, &m.t[o - 1]) : -1);
    }
    return m.flags;
}
