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
typedef char ds_json_slot_is_jsmntok
    [(sizeof(jsmntok_t) == sizeof(ds_json_slot_t) &&
      offsetof(jsmntok_t, type) == offsetof(ds_json_slot_t, type) &&
      offsetof(jsmntok_t, start) == offsetof(ds_json_slot_t, start) &&
      offsetof(jsmntok_t, end) == offsetof(ds_json_slot_t, end) &&
      offsetof(jsmntok_t, size) == offsetof(ds_json_slot_t, size))
         ? 1
         : -1];

/* Token types by jsmn's names (Debian's jsmn numbers them differently from
 * upstream's: only the names are used). */
#define T_OBJECT JSMN_OBJECT
#define T_ARRAY JSMN_ARRAY
#define T_STRING JSMN_STRING
#define T_PRIMITIVE JSMN_PRIMITIVE
typedef jsmntok_t tok_t;

enum {
    K_STATUS,
    K_RESULT,
    K_ERROR_CODE,
    K_CODE,
    K_ERROR_MSG,
    K_MESSAGE,
    K_REQUEST_ID,
    K_ID,
    K_TASK_ID,
    K_RECORD_ID,
    K_STEP,
    K_START_TIME,
    K_OTHER
};
static const char keys[] = "status\0result\0error_code\0code\0error_msg\0"
                           "message\0request_id\0id\0task_id\0record_id\0"
                           "step\0start_time";

typedef struct map {
    const char *js;
    const tok_t *t;
    int n;
    ds_result_t *res;
    const char *task_id;
    const char *record_id;
    const ds_json_fields_t *f;
    int record_key;
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
static int parent(const tok_t *t, int k)
{
    int j = k;
    while (--j >= 0 && t[j].end <= t[k].start)
        ;
    return j;
}

/* What well_formed expects next. CLOSE may be or-ed into VALUE, KEY and
 * NEXT: the innermost container may end here. */
enum { VALUE = 0, KEY = 1, CLOSE = 2, COLON = 4, NEXT = 8 };

typedef struct wf {
    const char *js;
    const tok_t *t;
    int i, k, cur, want;
} wf_t;

/* Token w->k starts at w->i: a key (a string) or a value. 0 when it is not
 * what the grammar expects here. */
static int wf_token(wf_t *w)
{
    const tok_t *tk = &w->t[w->k];
    int key = (w->want & ~CLOSE) == KEY;
    if ((w->want & ~CLOSE) != VALUE && !(key && tk->type == T_STRING))
        return 0;
    w->want = key ? COLON : NEXT | CLOSE;
    w->k++;
    if (tk->type == T_OBJECT || tk->type == T_ARRAY) {
        w->cur = w->k - 1;
        w->want = (tk->type == T_OBJECT ? KEY : VALUE) | CLOSE;
        w->i++;
        return 1;
    }
    /* A JSON primitive is a number, true, false or null: only its first
     * character is checked, as strict jsmn would (never a NUL: jsmn stops
     * reading there). */
    if (tk->type == T_PRIMITIVE && !strchr("-0123456789tfn", w->js[tk->start]))
        return 0;
    /* jsmn lets raw control characters through; JSON does not. */
    for (w->i = tk->start; w->i < tk->end; w->i++)
        if ((unsigned char)w->js[w->i] < 0x20)
            return 0;
    w->i += tk->type == T_STRING;
    return 1;
}

/* A character between tokens: a separator the grammar expects, or
 * whitespace. 0 otherwise. */
static int wf_between(wf_t *w, int c)
{
    if (c == ':' && w->want == COLON) {
        w->want = VALUE;
    } else if (c == ',' && w->want == (NEXT | CLOSE) && w->cur >= 0) {
        w->want = w->t[w->cur].type == T_OBJECT ? KEY : VALUE;
    } else if ((c == '}' || c == ']') && (w->want & CLOSE) && w->cur >= 0 &&
               w->i == w->t[w->cur].end - 1) {
        w->cur = parent(w->t, w->cur);
        w->want = NEXT | CLOSE;
    } else if (!is_ws(c)) {
        return 0;
    }
    w->i++;
    return 1;
}

/* One pass over the text, token by token: outside tokens only whitespace
 * and the separators the grammar expects. jsmn has already matched the
 * brackets, checked string escapes and refused other characters; `cur` is
 * the innermost open container. */
static int well_formed(const char *js, int len, const tok_t *t, int n)
{
    wf_t w;
    if (t[0].type != T_OBJECT)
        return 0;
    w.js = js;
    w.t = t;
    w.i = w.k = 0;
    w.cur = -1;
    w.want = VALUE;
    while (w.i < len) {
        int ok = w.k < n && w.i == t[w.k].start - (t[w.k].type == T_STRING)
                     ? wf_token(&w)
                     : wf_between(&w, (unsigned char)js[w.i]);
        if (!ok)
            return 0;
    }
    return w.k == n && w.cur < 0 && w.want == (NEXT | CLOSE);
}

/* jsmn, then the structure check; the token count, or 0. */
static int tokenize(const char *js, size_t len, ds_json_slot_t *tok,
                    unsigned ntok)
{
    jsmn_parser p;
    int n;
    /* Lets the compiler drop jsmn's count-only (NULL tokens) paths. */
    if (!tok)
        return 0;
    jsmn_init(&p);
    n = jsmn_parse(&p, js, len, (jsmntok_t *)tok, ntok);
    if (n < 1 || !well_formed(js, (int)len, (const tok_t *)tok, n))
        return 0;
    return n;
}

/* A key: a string with a value (jsmn gives it size 1). */
static int is_key(const tok_t *t)
{
    return t->type == T_STRING && t->size == 1;
}

static unsigned hex4(const char *s)
{
    unsigned v = 0;
    int i;
    for (i = 0; i < 4; i++)
        v = v * 16 +
            (unsigned)(s[i] <= '9' ? s[i] - '0' : (s[i] | 0x20) - 'a' + 10);
    return v;
}

/* The code point of the escape after a backslash at *s (escapes already
 * checked by the tokenizer); a surrogate pair counts as one. \u0000 becomes U+FFFD:
 * a NUL inside a C string would make "success\u0000x" compare equal to
 * "success"; an unpaired surrogate does too. */
static unsigned unescape_one(const char **sp, const char *e)
{
    static const char esc[] = "b\bf\fn\nr\rt\t";
    const char *s = *sp;
    unsigned c = (unsigned char)*s++;
    const char *m = strchr(esc, (int)c);
    if (m && c != 0 && (m - esc) % 2 == 0)
        c = (unsigned char)m[1];
    if (c == 'u' && e - s < 4) {
        c = 0xFFFD; /* only from the scanner: tokens are checked */
        s = e;
    } else if (c == 'u') {
        c = hex4(s);
        s += 4;
        if (c >= 0xD800 && c < 0xDC00 && e - s >= 6 && s[0] == '\\' &&
            s[1] == 'u' && hex4(s + 2) - 0xDC00u < 0x400u) {
            c = 0x10000 + ((c - 0xD800) << 10) + (hex4(s + 2) - 0xDC00);
            s += 6;
        } else if (c == 0 || (c >= 0xD800 && c < 0xE000)) {
            c = 0xFFFD;
        }
    }
    *sp = s;
    return c;
}

/* Decode js[s..e) into UTF-8. A unit that does not fit ends the copy, so a
 * multi-byte character is never cut. Returns 0 when the copy was cut: a
 * cut key or id must never match. */
static int unescape(const char *s, const char *e, char *out, size_t cap)
{
    size_t n = 0;
    while (s < e) {
        char u[4];
        size_t k = 1;
        unsigned c = (unsigned char)*s++;
        if (c == '\\') {
            size_t i;
            c = unescape_one(&s, e);
            k = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
            for (i = k; --i;) {
                u[i] = (char)(0x80 | (c & 0x3F));
                c >>= 6;
            }
            /* lead byte marker: none, C0, E0 or F0 */
            if (k > 1)
                c |= 0xF00u >> k;
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

/* Keys are compared decoded: "\u0073tatus" is "status". 12 bytes hold
 * the longest key we know; anything longer is cut and matches nothing. */
static int key_of(const char *js, const tok_t *t)
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

/* Copy the value token v (a string decoded, a primitive as written). */
static int copy_value(const map_t *m, const tok_t *v, char *dst, size_t cap)
{
    if (v->type == T_STRING)
        return unescape(m->js + v->start, m->js + v->end, dst, cap);
    if ((size_t)(v->end - v->start) >= cap)
        return 0;
    memcpy(dst, m->js + v->start, (size_t)(v->end - v->start));
    dst[v->end - v->start] = 0;
    return 1;
}

/* An id in "result": room for one byte more than an id, so a longer value
 * is cut, and a cut value differs even if its first 32 bytes match. */
static void compare_id(map_t *m, const tok_t *v, const char *want, unsigned ok)
{
    char id[DS_ID_LEN + 2];
    int whole;
    if (!want || v->type != T_STRING)
        return;
    whole = unescape(m->js + v->start, m->js + v->end, id, sizeof id);
    m->flags |= !whole || strcmp(id, want) != 0 ? DS_JSON_ID_BAD : ok;
}

/* Copies of the state call's result fields (see json_map.h); reached only
 * through ds_json_fields_t.take, which only that call sets. */
void ds_json_take_fields(const ds_json_fields_t *f, int key, const char *js,
                         const ds_json_slot_t *slot)
{
    const tok_t *v = (const tok_t *)slot;
    char *dst = key == K_STATUS       ? f->status
                : key == K_STEP       ? f->step
                : key == K_START_TIME ? f->start_time
                                      : NULL;
    size_t cap = key == K_STATUS ? f->status_cap
                 : key == K_STEP ? f->step_cap
                                 : f->start_cap;
    if (dst && v->type == T_STRING)
        (void)unescape(js + v->start, js + v->end, dst, cap);
}

/* Ranked copy: the top level wins over nested objects, and
 * error_code/error_msg over code/message. */
static void ranked(map_t *m, const tok_t *v, int rank, int *have, char *dst,
                   size_t cap)
{
    if (rank > *have) {
        *have = rank;
        (void)copy_value(m, v, dst, cap);
    }
}

/* A key of the result object. */
static void take_result(map_t *m, int key, const tok_t *v)
{
    if (key == m->record_key)
        compare_id(m, v, m->record_id, DS_JSON_ID_OK);
    else if (key == K_TASK_ID)
        compare_id(m, v, m->task_id, DS_JSON_TASK_OK);
    else if (m->f && m->f->take)
        m->f->take(m->f, key, m->js, (const ds_json_slot_t *)v);
}

/* A key of the top level. */
static void take_top(map_t *m, int key, const tok_t *v)
{
    ds_result_t *res = m->res;
    if (v->type != T_STRING)
        return;
    if (key == K_STATUS)
        (void)copy_value(m, v, res->status, sizeof res->status);
    else if (key == K_REQUEST_ID && !res->request_id[0])
        (void)copy_value(m, v, res->request_id, sizeof res->request_id);
}

/* Key token k (its value is k + 1) inside an object that is the top level
 * (parent -1) or the value of key `parent`. Error codes may be numbers
 * (IAM's Keystone answers say "code":401). */
static void take(map_t *m, int k, int parent)
{
    const tok_t *v = &m->t[k + 1];
    int key = key_of(m->js, &m->t[k]), rank = 2 - (key & 1) + 2 * (parent < 0);
    ds_result_t *res = m->res;
    int scalar = v->type == T_STRING || v->type == T_PRIMITIVE;
    if (parent < 0)
        take_top(m, key, v);
    else if (parent == K_RESULT)
        take_result(m, key, v);
    if ((key == K_ERROR_CODE || key == K_CODE) && scalar)
        ranked(m, v, rank, &m->code_rank, res->error_code,
               sizeof res->error_code);
    else if ((key == K_ERROR_MSG || key == K_MESSAGE) && v->type == T_STRING)
        ranked(m, v, rank, &m->msg_rank, res->error_msg, sizeof res->error_msg);
}

unsigned ds_json_map_fields(const char *js, size_t len, ds_json_slot_t *tok,
                            unsigned ntok, const char *task_id,
                            const char *record_id, ds_result_t *res,
                            const ds_json_fields_t *f)
{
    map_t m;
    int k;
    m.n = tokenize(js, len, tok, ntok);
    if (!m.n)
        return 0;
    m.t = (const tok_t *)tok;
    m.js = js;
    m.res = res;
    m.task_id = task_id;
    m.record_id = record_id;
    m.f = f;
    m.record_key = f && f->record_key ? K_RECORD_ID : K_ID;
    m.flags = DS_JSON_VALID;
    m.code_rank = m.msg_rank = 0;
    /* Keys (strings with a value) of the top object, and of
     * objects that are values of its keys; document order, as the ranks
     * expect. */
    for (k = 1; k < m.n; k++) {
        int o = parent(m.t, k);
        if (!is_key(&m.t[k]) || (o && parent(m.t, o)))
            continue;
        take(&m, k, o ? key_of(js, &m.t[o - 1]) : -1);
    }
    return m.flags;
}

unsigned ds_json_map(const char *js, size_t len, ds_json_slot_t *tok,
                     unsigned ntok, const char *task_id, const char *record_id,
                     ds_result_t *res)
{
    return ds_json_map_fields(js, len, tok, ntok, task_id, record_id, res,
                              NULL);
}

int ds_json_pick(const char *js, size_t len, ds_json_slot_t *tok, unsigned ntok,
                 const char *const *want, char *const *out, const size_t *caps,
                 unsigned n)
{
    const tok_t *t = (const tok_t *)tok;
    int cnt = tokenize(js, len, tok, ntok), k;
    unsigned i;
    for (i = 0; i < n; i++)
        out[i][0] = 0;
    for (k = 1; k < cnt; k++) {
        char key[16];
        if (!is_key(&t[k]) || parent(t, k) || t[k + 1].type != T_STRING ||
            !unescape(js + t[k].start, js + t[k].end, key, sizeof key))
            continue;
        for (i = 0; i < n; i++)
            if (!strcmp(key, want[i]) &&
                !unescape(js + t[k + 1].start, js + t[k + 1].end, out[i],
                          caps[i]))
                out[i][0] = 0;
    }
    return cnt > 0;
}

/* ---- the constant-memory scanner ------------------------------------- */

static size_t skip_ws(const char *js, size_t len, size_t i)
{
    while (i < len && is_ws((unsigned char)js[i]))
        i++;
    return i;
}

/* One past the closing quote of the string opening at js[i]; len when
 * it is not closed. */
static size_t skip_string(const char *js, size_t len, size_t i)
{
    for (i++; i < len && js[i] != '"'; i++)
        if (js[i] == '\\')
            i++;
    return i < len ? i + 1 : len + 1;
}

/* Brackets are tracked in a 32-level bit stack: 1 for '{', 0 for '['. */
static int bracket(char c, uint32_t *stack, int *depth)
{
    if (c == '{' || c == '[') {
        if (*depth >= 32)
            return -1;
        *stack = *stack << 1 | (c == '{');
        (*depth)++;
        return 1;
    }
    if (!*depth || (c == '}') != (int)(*stack & 1u))
        return -1;
    *stack >>= 1;
    (*depth)--;
    return *depth ? 1 : 0;
}

long ds_json_skip(const char *js, size_t len, size_t at)
{
    uint32_t stack = 0;
    int depth = 0;
    size_t i = skip_ws(js, len, at), first = i;
    while (i < len) {
        char c = js[i];
        if (c == '"') {
            i = skip_string(js, len, i);
            if (!depth)
                return i <= len ? (long)i : -1;
            continue;
        }
        if (!depth && i > first &&
            (c == ',' || c == '}' || c == ']' || is_ws((unsigned char)c))) {
            return (long)i; /* the end of a number or literal */
        }
        if (c == '{' || c == '[' || c == '}' || c == ']') {
            int r = bracket(c, &stack, &depth);
            if (r <= 0)
                return r < 0 ? -1 : (long)i + 1;
        }
        i++;
    }
    return !depth && i > first ? (long)i : -1;
}

void ds_json_array_open(ds_json_array_t *a, size_t at)
{
    a->pos = at + 1;
    a->after = 0;
}

long ds_json_array_next(const char *js, size_t len, ds_json_array_t *a,
                        size_t *start)
{
    size_t i = skip_ws(js, len, a->pos);
    long end;
    if (a->after) {
        if (i >= len || (js[i] != ',' && js[i] != ']'))
            return -1;
        if (js[i] == ']')
            return 0;
        i = skip_ws(js, len, i + 1);
    } else if (i < len && js[i] == ']') {
        return 0;
    }
    end = ds_json_skip(js, len, i);
    if (end < 0)
        return -1;
    *start = i;
    a->pos = (size_t)end;
    a->after = 1;
    return end;
}

/* Offset of the value after the key string that ends at js[i - 1] (the
 * ':' and whitespace skipped), or 0 when no ':' follows (a string value). */
static size_t after_colon(const char *js, size_t len, size_t i)
{
    i = skip_ws(js, len, i);
    if (i >= len || js[i] != ':')
        return 0;
    return skip_ws(js, len, i + 1);
}

static int raw_eq(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && !memcmp(s, lit, n);
}

/* Offset of the value of `key` among the members of the object that
 * opens at js[at] (after whitespace), or -1. */
static long member(const char *js, size_t len, size_t at, const char *key)
{
    size_t i = skip_ws(js, len, at);
    if (i >= len || js[i] != '{')
        return -1;
    for (i++;;) {
        size_t k, v;
        long end;
        i = skip_ws(js, len, i);
        if (i >= len || js[i] != '"')
            return -1;
        k = i + 1;
        i = skip_string(js, len, i);
        v = i <= len ? after_colon(js, len, i) : 0;
        if (!v)
            return -1;
        if (raw_eq(js + k, i - 1 - k, key))
            return (long)v;
        end = ds_json_skip(js, len, v);
        i = end < 0 ? len : skip_ws(js, len, (size_t)end);
        if (i >= len || js[i] != ',')
            return -1;
        i++;
    }
}

long ds_json_find(const char *js, size_t len, const char *parent_key,
                  const char *key)
{
    long at = 0;
    if (parent_key) {
        at = member(js, len, 0, parent_key);
        if (at < 0)
            return -1;
    }
    return member(js, len, (size_t)at, key);
}

int ds_json_scalar(const char *js, size_t len, size_t at, char *out, size_t cap)
{
    long end = ds_json_skip(js, len, at);
    size_t s = skip_ws(js, len, at);
    out[0] = 0;
    if (end < 0 || (size_t)end <= s || js[s] == '{' || js[s] == '[')
        return -1;
    if (js[s] == '"')
        return unescape(js + s + 1, js + end - 1, out, cap) && out[0] ? 0 : -1;
    if ((size_t)end - s >= cap)
        return -1;
    memcpy(out, js + s, (size_t)end - s);
    out[end - (long)s] = 0;
    return 0;
}
