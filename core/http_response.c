/*
 * Streaming HTTP/1.x response parser (see include/ds_http.h).
 *
 * Decisions the RFCs leave to the recipient, fixed here so that every
 * fragmentation of the stream gives the same answer:
 * - Line ends: CRLF or a bare LF (servers and proxies still send bare LF);
 *   a CR not followed by LF is malformed. DS_HTTP_LINE_MAX counts the bytes
 *   of a line without its CR/LF.
 * - DS_HTTP_HEADERS_MAX counts every byte (CR/LF included) of the status
 *   lines, header lines, blank lines and trailers, summed over skipped 1xx
 *   interim responses too, so an endless stream of 1xx answers is bounded.
 *   The visible bytes of a value captured with ds_http_capture do not
 *   count (a 20,000-byte token fits whatever the limits); its whitespace
 *   and line end do, so a captured header cannot stream forever.
 * - Status line: HTTP/1.0 and HTTP/1.1; any other HTTP/1.x (one digit)
 *   is read as HTTP/1.1 (RFC 9110 6.2: http_minor 1, 1.1 keep-alive
 *   rules); other major versions are a bad status line.
 * - 1xx answers other than 101 are skipped; 101 is a bad status line since
 *   deploystop never asks for an upgrade.
 * - obs-fold (RFC 9112 5.2): a header or trailer line starting with SP/HT
 *   continues the line before it; the line end and that SP/HT become one
 *   SP (so a header line waits for the next byte before it is used). The
 *   joined line counts as one line against DS_HTTP_LINE_MAX and on_line
 *   gets it joined; every byte still counts against DS_HTTP_HEADERS_MAX.
 *   A fold with no line before it (first header after a status line, first
 *   trailer) is a bad header. Folded Content-Length or Transfer-Encoding
 *   are refused (DS_HTTP_E_LENGTH / DS_HTTP_E_TRANSFER_ENCODING: framing
 *   must not depend on a join); folded Connection, Retry-After,
 *   X-Request-Id, Content-Type and Date are used joined; a fold after the
 *   captured header (ds_http_capture) is a bad header, never joined into
 *   the captured value.
 * - Header names are tokens with no whitespace before the colon; values
 *   may not hold control characters other than HT.
 * - Content-Length: digits only; identical duplicates are accepted,
 *   differing ones are an error; with Transfer-Encoding it is an error.
 * - Transfer-Encoding must be exactly "chunked" (once).
 * - Retry-After: delta-seconds only; an HTTP-date or an out-of-range value
 *   leaves has_retry_after at 0.
 * - Repeated X-Request-Id, Content-Type, Date, Retry-After or captured
 *   headers: the last one wins.
 * - Chunk-size lines follow RFC 9112 7.1.1 strictly: hex digits, then
 *   only chunk extensions (";" token ["=" (token / quoted-string)], with
 *   BWS only before ";" and around "="), checked and ignored. Whitespace
 *   at the line end, an empty extension name or value, and an unclosed
 *   quoted-string are malformed.
 * - Trailers are checked for syntax and counted, never interpreted.
 */
#include "ds_http.h"

#include <stddef.h>
#include <string.h>

enum {
    S_STATUS,     /* reading a status line */
    S_HEADER,     /* reading header lines */
    S_TRAILER,    /* reading trailer lines */
    S_CAPTURE,    /* streaming the captured header's value */
    S_CHUNK_SIZE, /* reading a chunk-size line */
    S_CHUNK_CRLF, /* expecting the line end after chunk data */
    S_BODY_LEN,   /* Content-Length body */
    S_CHUNK_DATA, /* chunk data */
    S_BODY_CLOSE, /* body until the peer closes */
    S_DONE,
    S_ERROR
};

/* Internal "keep going" value; equal to DS_HTTP_NEED_MORE on purpose. */
#define OK DS_HTTP_NEED_MORE

/* line_cr: a CR was read; LINE_HELD: a header or trailer line ended and
 * waits in line[] for the next byte (an obs-fold continues it). While a
 * folded line waits, remaining is 1. */
#define LINE_HELD 2

/* keep_alive holds these Connection tokens until the headers end. */
#define CONN_CLOSE 1
#define CONN_KEEP 2

static int is_ws(int c)
{
    return c == ' ' || c == '\t';
}

/* Case-insensitive compare of s[0..n) with lower-case NUL-ended lit. */
static int ieq(const char *s, size_t n, const char *lit)
{
    size_t k;

    for (k = 0; k < n; k++) {
        int c = (unsigned char)s[k];
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        /* !c: raw line bytes may hold a NUL matching lit's end. */
        if (c != (unsigned char)lit[k] || !c)
            return 0;
    }
    return lit[n] == '\0';
}

/* Decimal digits only, no sign, no overflow; 0 on success. */
static int parse_u32(const char *s, size_t n, uint32_t *out)
{
    uint32_t v = 0;

    if (!n)
        return -1;
    while (n--) {
        uint32_t d = (uint32_t)((unsigned char)*s++ - '0');
        if (d > 9 || v > (UINT32_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* cap_fn's non-byte events: a header name and its ':' are in p->line; a
 * new message begins (after a 1xx). */
#define CAP_NAME (-1)
#define CAP_RESET (-2)

/* Forget everything learnt from a message (used again after a 1xx). */
static void begin_message(ds_http_parser_t *p)
{
    memset(p, 0, offsetof(ds_http_parser_t, body));
    if (p->cap_fn)
        p->cap_fn(p, CAP_RESET);
    p->state = S_STATUS;
}

void ds_http_init(ds_http_parser_t *p, char *body, size_t body_cap)
{
    memset(p, 0, offsetof(ds_http_parser_t, line));
    p->body = body;
    p->body_cap = body_cap < DS_HTTP_BODY_MAX ? body_cap : DS_HTTP_BODY_MAX;
}

/* The captured header, from its ':' to its line end, one byte at a time;
 * or a CAP_* event. Line ends, CR and control characters as line_byte. */
static int capture(ds_http_parser_t *p, int c)
{
    if (c == CAP_NAME) {
        if (p->state == S_HEADER &&
            ieq(p->line, p->line_len - 1, p->cap_name)) {
            p->state = S_CAPTURE;
            p->cap_len = 0;
            p->remaining = 0;
        }
        return OK;
    }
    if (c == CAP_RESET) {
        p->cap_len = 0;
        p->cap_found = 0;
        if (p->cap_cap)
            p->cap_buf[0] = '\0';
        return OK;
    }
    /* A captured value's visible bytes do not count; its whitespace and
     * line end do, so that it cannot stream forever. */
    if (c <= ' ' && ++p->header_bytes > DS_HTTP_HEADERS_MAX)
        return DS_HTTP_E_HEADERS_TOO_LARGE;
    if (c == '\n') {
        p->line_len = 0;
        p->line_cr = 0;
        while (p->cap_len && is_ws((unsigned char)p->cap_buf[p->cap_len - 1]))
            p->cap_len--;
        if (p->cap_len >= p->cap_cap)
            return DS_HTTP_E_HEADERS_TOO_LARGE;
        p->cap_buf[p->cap_len] = '\0';
        p->cap_found = 1;
        p->state = S_HEADER;
        p->remaining = 0; /* no folded line waiting */
        return OK;
    }
    if (p->line_cr)
        return DS_HTTP_E_HEADER;
    if (c == '\r') {
        p->line_cr = 1;
        return OK;
    }
    if ((c < 0x20 && c != '\t') || c == 0x7f)
        return DS_HTTP_E_HEADER;
    /* Leading whitespace is skipped; remaining flags whitespace that did
     * not fit: harmless if trailing, too large if more follows. */
    if (!p->cap_len && is_ws(c))
        return OK;
    if (p->cap_len + 1 < p->cap_cap && !p->remaining)
        p->cap_buf[p->cap_len++] = (char)c;
    else if (is_ws(c))
        p->remaining = 1;
    else
        return DS_HTTP_E_HEADERS_TOO_LARGE;
    return OK;
}

void ds_http_capture(ds_http_parser_t *p, const char *name, char *buf,
                     size_t cap)
{
    p->cap_name = name;
    p->cap_buf = buf;
    p->cap_cap = buf ? cap : 0;
    p->cap_fn = name ? capture : NULL;
    if (p->cap_cap)
        buf[0] = '\0';
}

static int status_line(ds_http_parser_t *p, size_t n)
{
    const char *l = p->line;
    uint32_t st;

    /* HTTP/1.x, x any digit: a minor above 1 is read as 1.1 (RFC 9110
     * 6.2), so http_minor is 0 or 1. */
    if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || (unsigned)(l[7] - '0') > 9 ||
        l[8] != ' ' || (n > 12 && l[12] != ' ') ||
        parse_u32(l + 9, 3, &st) != 0 || st - 100 > 499 || st == 101)
        return DS_HTTP_E_STATUS_LINE;
    p->status = (int)st;
    p->http_minor = l[7] != '0';
    p->state = S_HEADER;
    return OK;
}

/* Names of the headers header_line() interprets, in its switch order. */
static const char known[] = "content-length\0transfer-encoding\0connection\0"
                            "retry-after\0x-request-id\0content-type\0date\0";

/* Where header_line copies known names 4..6: offset, capacity. */
#define FIELD_(f)                                                              \
    {                                                                          \
        offsetof(ds_http_parser_t, f), sizeof((ds_http_parser_t *)0)->f        \
    }
static const uint16_t copied[3][2] = {FIELD_(request_id), FIELD_(content_type),
                                      FIELD_(date)};
#undef FIELD_

static int header_line(ds_http_parser_t *p, size_t n)
{
    const char *l = p->line, *v, *name = known;
    size_t k = 0, vn, a, b;
    int which = 0;
    uint32_t u;

    /* Name: a token (loosely: visible ASCII) right before the colon; a
     * leading SP/HT (obs-fold) fails here too. */
    while (k < n && l[k] != ':') {
        int c = (unsigned char)l[k++];
        if (c <= ' ' || c >= 0x7f)
            return DS_HTTP_E_HEADER;
    }
    if (k == 0 || k == n)
        return DS_HTTP_E_HEADER;
    if (p->state == S_TRAILER)
        return OK;
    v = l + k + 1;
    vn = n - k - 1;
    while (vn && is_ws((unsigned char)*v)) {
        v++;
        vn--;
    }
    while (vn && is_ws((unsigned char)v[vn - 1]))
        vn--;
    while (*name && !ieq(l, k, name)) {
        name += strlen(name) + 1;
        which++;
    }

    switch (which) {
    case 0: /* Content-Length */
        if (p->remaining || parse_u32(v, vn, &u) != 0 ||
            (p->has_content_length && u != p->content_length))
            return DS_HTTP_E_LENGTH;
        p->content_length = u;
        p->has_content_length = 1;
        break;
    case 1: /* Transfer-Encoding */
        if (p->remaining || p->chunked || !ieq(v, vn, "chunked"))
            return DS_HTTP_E_TRANSFER_ENCODING;
        p->chunked = 1;
        break;
    case 2: /* Connection: a list of tokens (commas, whitespace between) */
        for (a = b = 0; b <= vn; b++) {
            if (b < vn && !is_ws((unsigned char)v[b]) && v[b] != ',')
                continue;
            /* v[a..b) is one token, empty between two separators */
            if (ieq(v + a, b - a, "close"))
                p->keep_alive |= CONN_CLOSE;
            if (ieq(v + a, b - a, "keep-alive"))
                p->keep_alive |= CONN_KEEP;
            a = b + 1;
        }
        break;
    case 3: /* Retry-After */
        u = 0;
        p->has_retry_after = parse_u32(v, vn, &u) == 0;
        p->retry_after_s = u;
        break;
    case 4: /* X-Request-Id, Content-Type, Date: copied, truncated */
    case 5:
    case 6: {
        char *d = (char *)p + copied[which - 4][0];
        size_t cap = copied[which - 4][1];
        if (vn >= cap)
            vn = cap - 1;
        memcpy(d, v, vn);
        d[vn] = '\0';
        break;
    }
    default: break;
    }
    return OK;
}

/* The blank line after the headers: pick the body framing. */
static int headers_end(ds_http_parser_t *p)
{
    int conn = p->keep_alive;

    if (p->status < 200) {
        begin_message(p);
        return OK;
    }
    p->keep_alive =
        !(conn & CONN_CLOSE) && (p->http_minor || (conn & CONN_KEEP));
    if (p->chunked && p->has_content_length)
        return DS_HTTP_E_LENGTH;
    if (p->status == 204 || p->status == 304)
        return DS_HTTP_DONE;
    p->state = S_CHUNK_SIZE;
    if (p->chunked)
        return OK;
    p->state = S_BODY_CLOSE;
    if (!p->has_content_length) {
        p->keep_alive = 0;
        return OK;
    }
    if (p->content_length > p->body_cap)
        return DS_HTTP_E_BODY_TOO_LARGE;
    p->remaining = p->content_length;
    p->state = S_BODY_LEN;
    return p->remaining ? OK : DS_HTTP_DONE;
}

/* Byte classes of chunk_ext, one nibble per byte 0x20..0x7f (low nibble
 * first): 0 SP (and HT), 1 tchar (RFC 9110 5.6.2), 2 ';', 3 '=', 4 '"',
 * 5 '\\', 6 any other (other delimiters, DEL; obs-text too). */
static const uint8_t ext_class[48] = {
    0x10, 0x14, 0x11, 0x11, 0x66, 0x11, 0x16, 0x61, 0x11, 0x11, 0x11, 0x11,
    0x11, 0x26, 0x36, 0x66, 0x16, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
    0x11, 0x11, 0x11, 0x11, 0x11, 0x61, 0x65, 0x11, 0x11, 0x11, 0x11, 0x11,
    0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x61, 0x61, 0x61};

/* chunk_ext's next state by class, one nibble per class (class 0 lowest).
 * States: 0 after the size or a quoted value, 1 BWS, 2 after ';',
 * 3 in a name, 4 BWS after a name, 5 after '=', 6 in a token value,
 * 7 in a quoted-string, 8 after its backslash, 9 malformed (stays). */
#define X_(ws, tc, semi, eq, dq, bs, other)                                    \
    ((uint32_t)(ws) | (uint32_t)(tc) << 4 | (uint32_t)(semi) << 8 |            \
     (uint32_t)(eq) << 12 | (uint32_t)(dq) << 16 | (uint32_t)(bs) << 20 |      \
     (uint32_t)(other) << 24)
static const uint32_t ext_next[10] = {
    X_(1, 9, 2, 9, 9, 9, 9), X_(1, 9, 2, 9, 9, 9, 9), X_(2, 3, 9, 9, 9, 9, 9),
    X_(4, 3, 2, 5, 9, 9, 9), X_(4, 9, 2, 5, 9, 9, 9), X_(5, 6, 9, 9, 7, 9, 9),
    X_(1, 6, 2, 9, 9, 9, 9), X_(7, 7, 7, 7, 0, 8, 7), X_(7, 7, 7, 7, 7, 7, 7),
    X_(9, 9, 9, 9, 9, 9, 9)};
#undef X_

/* l[k..n), after the chunk size, is a well-formed chunk-ext (RFC 9112
 * 7.1.1): *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ),
 * name a token; BWS only before a ';' or around a '=', never at the end.
 * Returns 0 if so. line_byte already refused the controls (but HT) that
 * qdtext and quoted-pair exclude. */
static int chunk_ext(const char *l, size_t k, size_t n)
{
    unsigned s = 0;

    for (; k < n; k++) {
        unsigned b = (unsigned char)l[k], c = b - 0x20u;
        unsigned t = b == '\t' ? 0
                     : c < 96  ? ext_class[c >> 1] >> (c & 1) * 4 & 15
                               : 6;
        s = ext_next[s] >> t * 4 & 15;
    }
    /* accepting: after the size, a name or a value */
    return 0x49 >> s & 1 ? 0 : -1;
}

static int chunk_size_line(ds_http_parser_t *p, size_t n)
{
    const char *l = p->line;
    size_t k = 0;
    uint32_t v = 0;

    for (; k < n; k++) {
        uint32_t d = (uint32_t)((unsigned char)l[k] - '0');
        if (d > 9) {
            d = (uint32_t)(((unsigned char)l[k] | 0x20) - 'a');
            if (d > 5)
                break;
            d += 10;
        }
        if (v > 0x0fffffffu)
            return DS_HTTP_E_CHUNK;
        v = v << 4 | d;
    }
    /* Chunk extensions are checked and ignored. */
    if (k == 0 || chunk_ext(l, k, n) != 0)
        return DS_HTTP_E_CHUNK;
    p->state = S_TRAILER;
    if (v) {
        if (v > p->body_cap - p->body_len)
            return DS_HTTP_E_BODY_TOO_LARGE;
        p->remaining = v;
        p->state = S_CHUNK_DATA;
    }
    return OK;
}

static int end_line(ds_http_parser_t *p)
{
    size_t n = p->line_len;

    p->line_len = 0;
    p->line_cr = 0;
    if (p->on_line && p->state <= S_HEADER && n)
        p->on_line(p->on_line_ctx, p->line, n);
    switch (p->state) {
    case S_STATUS: return status_line(p, n);
    case S_HEADER: return n ? header_line(p, n) : headers_end(p);
    case S_TRAILER: return n ? header_line(p, n) : DS_HTTP_DONE;
    case S_CHUNK_SIZE: return chunk_size_line(p, n);
    default: /* S_CHUNK_CRLF: any other byte was already rejected */
        p->state = S_CHUNK_SIZE;
        return OK;
    }
}

/* One byte of the status line, a header, trailer or chunk-size line. */
static int line_byte(ds_http_parser_t *p, int c)
{
    int st = p->state;
    int bad = st == S_STATUS      ? DS_HTTP_E_STATUS_LINE
              : st < S_CHUNK_SIZE ? DS_HTTP_E_HEADER
                                  : DS_HTTP_E_CHUNK;

    if (st == S_CAPTURE)
        return p->cap_fn(p, c);
    if (st < S_CHUNK_SIZE && ++p->header_bytes > DS_HTTP_HEADERS_MAX)
        return DS_HTTP_E_HEADERS_TOO_LARGE;
    if (p->line_cr == LINE_HELD) {
        p->line_cr = 0;
        if (is_ws(c)) {
            /* obs-fold: the line end and this SP/HT become one SP */
            p->remaining = 1;
            c = ' ';
        } else {
            bad = end_line(p);
            p->remaining = 0;
            if (bad != OK)
                return bad;
            bad = DS_HTTP_E_HEADER;
        }
    }
    if (c == '\n') {
        if ((st == S_HEADER || st == S_TRAILER) && p->line_len) {
            /* held until the next byte shows whether an obs-fold
             * continues it */
            p->line_cr = LINE_HELD;
            return OK;
        }
        return end_line(p);
    }
    if (p->line_cr)
        return bad;
    if (c == '\r') {
        p->line_cr = 1;
        return OK;
    }
    if ((c < 0x20 && c != '\t') || c == 0x7f || st == S_CHUNK_CRLF)
        return bad;
    if (p->line_len == DS_HTTP_LINE_MAX)
        return DS_HTTP_E_LINE_TOO_LONG;
    p->line[p->line_len++] = (char)c;
    if (c == ':' && p->cap_fn)
        p->cap_fn(p, CAP_NAME);
    return OK;
}

int ds_http_feed(ds_http_parser_t *p, const uint8_t *data, size_t len,
                 size_t *consumed)
{
    size_t i = 0;
    int r = OK;

    if (p->state >= S_DONE) {
        r = p->state == S_DONE ? DS_HTTP_E_STATE : p->error;
        len = 0;
    }
    while (r == OK && i < len) {
        int st = p->state;

        if (st >= S_BODY_LEN) {
            size_t n = len - i;
            if (st != S_BODY_CLOSE && n > p->remaining)
                n = p->remaining;
            /* Only a body until close can get here too large: the other
             * framings were checked against the cap in advance. */
            if (n > p->body_cap - p->body_len) {
                n = p->body_cap - p->body_len;
                r = DS_HTTP_E_BODY_TOO_LARGE;
            }
            if (n)
                memcpy(p->body + p->body_len, data + i, n);
            p->body_len += n;
            i += n;
            if (st != S_BODY_CLOSE) {
                p->remaining -= (uint32_t)n;
                if (!p->remaining) {
                    if (st == S_BODY_LEN)
                        r = DS_HTTP_DONE;
                    p->state = S_CHUNK_CRLF;
                }
            }
            continue;
        }
        r = line_byte(p, data[i++]);
    }
    if (r == DS_HTTP_DONE) {
        p->state = S_DONE;
    } else if (r < 0 && p->state != S_DONE) {
        p->state = S_ERROR;
        p->error = r;
    }
    if (consumed)
        *consumed = i;
    return r;
}

int ds_http_finish(ds_http_parser_t *p)
{
    if (p->state == S_BODY_CLOSE)
        p->state = S_DONE;
    if (p->state < S_DONE) {
        p->state = S_ERROR;
        p->error = DS_HTTP_E_TRUNCATED;
    }
    return p->state == S_DONE ? DS_HTTP_DONE : p->error;
}

const char *ds_http_strerror(int code)
{
    /* One string, NUL-separated, in code order from NEED_MORE down. */
    const char *s = "need more\0done\0bad status line\0bad header\0"
                    "line too long\0headers too large\0body too large\0"
                    "bad length\0bad chunk\0bad encoding\0truncated\0"
                    "after end\0unknown";
    int k = code > DS_HTTP_NEED_MORE || code < DS_HTTP_E_STATE
                ? 12
                : DS_HTTP_NEED_MORE - code;

    while (k)
        if (!*s++)
            k--;
    return s;
}
