/*
 * Unit tests of the streaming HTTP/1.x response parser (core/http_response.c).
 *
 * Every case goes through parse_all_ways(): the input is fed whole, one
 * byte at a time and in 200 seeded random splits (with empty slices mixed
 * in), and every run must reach the same outcome (return code, bytes
 * consumed, every result field, the body, the captured value, and what
 * ds_http_finish says afterwards) before the test looks at the fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ds_http.h"

#define RANDOM_SPLITS 200
#define BODY_BUF (DS_HTTP_BODY_MAX + 64u)
#define CAP_BUF 24000u
#define LINES_BUF (DS_HTTP_HEADERS_MAX + 4096u)

typedef struct outcome {
    int rc;      /* last ds_http_feed result */
    size_t used; /* bytes consumed in total */
    int fin;     /* ds_http_finish afterwards */
    int status, http_minor, keep_alive, chunked, has_content_length;
    uint32_t content_length, retry_after_s;
    int has_retry_after;
    char request_id[DS_REQUEST_ID_MAX];
    char content_type[64];
    char date[DS_DATE_MAX];
    size_t body_len;
    char body[BODY_BUF];
    int cap_found;
    size_t cap_len;
    char cap[CAP_BUF];
    /* Every line given to on_line, each followed by '\n'. */
    size_t nlines;
    size_t lines_len;
    char lines[LINES_BUF];
} outcome_t;

typedef struct opts {
    size_t body_cap;      /* capacity handed to ds_http_init */
    const char *cap_name; /* NULL: no capture */
    size_t cap_cap;
} opts_t;

static const opts_t default_opts = {BODY_BUF, NULL, 0};

static outcome_t whole_run, other_run;
static char body_buf[BODY_BUF];
static char cap_buf[CAP_BUF];
static size_t cuts[64];

static uint32_t prng_state;

/* on_line hook of every run: records the line and checks it is whole. */
static void record_line(void *ctx, const char *line, size_t len)
{
    outcome_t *o = ctx;
    assert_true(len > 0 && len <= DS_HTTP_LINE_MAX);
    assert_null(memchr(line, '\n', len));
    assert_true(o->lines_len + len + 1 <= sizeof o->lines);
    memcpy(o->lines + o->lines_len, line, len);
    o->lines_len += len;
    o->lines[o->lines_len++] = '\n';
    o->lines[o->lines_len] = '\0';
    o->nlines++;
}

static uint32_t prng(void)
{
    /* xorshift32: deterministic, so a failing split can be replayed. */
    uint32_t x = prng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    prng_state = x;
    return x;
}

/* Feed `in` in slices ending at cuts[0..ncuts) (the last must be len). */
static void run(const char *in, size_t len, size_t ncuts, const opts_t *o,
                outcome_t *out)
{
    ds_http_parser_t p;
    size_t k, start = 0, used;
    int rc = DS_HTTP_NEED_MORE;

    assert_int_equal(cuts[ncuts - 1], len);
    memset(out, 0, sizeof *out);
    memset(body_buf, 0x5a, sizeof body_buf);
    memset(cap_buf, 0x5a, sizeof cap_buf);
    ds_http_init(&p, body_buf, o->body_cap);
    if (o->cap_name)
        ds_http_capture(&p, o->cap_name, cap_buf, o->cap_cap);
    p.on_line = record_line;
    p.on_line_ctx = out;
    out->used = 0;
    for (k = 0; k < ncuts; k++) {
        size_t end = cuts[k];
        used = 12345;
        rc = ds_http_feed(&p, (const uint8_t *)in + start, end - start, &used);
        assert_true(used <= end - start);
        out->used += used;
        if (rc != DS_HTTP_NEED_MORE)
            break;
        assert_int_equal(used, end - start);
        start = end;
    }
    out->rc = rc;
    out->fin = ds_http_finish(&p);
    out->status = p.status;
    out->http_minor = p.http_minor;
    out->keep_alive = p.keep_alive;
    out->chunked = p.chunked;
    out->has_content_length = p.has_content_length;
    out->content_length = p.content_length;
    out->retry_after_s = p.retry_after_s;
    out->has_retry_after = p.has_retry_after;
    memcpy(out->request_id, p.request_id, sizeof out->request_id);
    memcpy(out->content_type, p.content_type, sizeof out->content_type);
    memcpy(out->date, p.date, sizeof out->date);
    out->body_len = p.body_len;
    assert_true(p.body_len <= o->body_cap);
    assert_true(p.body_len <= DS_HTTP_BODY_MAX);
    memcpy(out->body, body_buf, p.body_len);
    /* The parser never writes past what it reports. */
    if (p.body_len < BODY_BUF)
        assert_int_equal((unsigned char)body_buf[p.body_len], 0x5a);
    out->cap_found = p.cap_found;
    out->cap_len = p.cap_len;
    if (o->cap_name && o->cap_cap) {
        memcpy(out->cap, cap_buf, o->cap_cap);
        if (o->cap_cap < CAP_BUF)
            assert_int_equal((unsigned char)cap_buf[o->cap_cap], 0x5a);
    }
    if (out->rc == DS_HTTP_DONE && o->cap_name && o->cap_cap) {
        assert_int_equal(out->cap[out->cap_found ? out->cap_len : 0], '\0');
        if (out->cap_found)
            assert_int_equal(strlen(out->cap), out->cap_len);
    }
}

static void assert_same(const outcome_t *a, const outcome_t *b, const opts_t *o)
{
    assert_int_equal(a->rc, b->rc);
    assert_int_equal(a->used, b->used);
    assert_int_equal(a->fin, b->fin);
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->http_minor, b->http_minor);
    assert_int_equal(a->keep_alive, b->keep_alive);
    assert_int_equal(a->chunked, b->chunked);
    assert_int_equal(a->has_content_length, b->has_content_length);
    assert_int_equal(a->content_length, b->content_length);
    assert_int_equal(a->retry_after_s, b->retry_after_s);
    assert_int_equal(a->has_retry_after, b->has_retry_after);
    assert_string_equal(a->request_id, b->request_id);
    assert_string_equal(a->content_type, b->content_type);
    assert_string_equal(a->date, b->date);
    assert_int_equal(a->body_len, b->body_len);
    assert_memory_equal(a->body, b->body, a->body_len);
    assert_int_equal(a->cap_found, b->cap_found);
    assert_int_equal(a->cap_len, b->cap_len);
    if (o->cap_name && a->rc == DS_HTTP_DONE && a->cap_found)
        assert_memory_equal(a->cap, b->cap, a->cap_len + 1);
    assert_int_equal(a->nlines, b->nlines);
    assert_int_equal(a->lines_len, b->lines_len);
    assert_memory_equal(a->lines, b->lines, a->lines_len);
}

/* Parse whole, byte by byte and in random splits; all must agree.
 * Returns the whole-input outcome. */
static const outcome_t *parse_opts(const char *in, size_t len, const opts_t *o)
{
    size_t k, n, j;
    int r;

    cuts[0] = len;
    run(in, len, 1, o, &whole_run);

    /* One byte at a time, in groups so that cuts[] stays small. */
    {
        ds_http_parser_t p;
        size_t used, total = 0;
        int rc = DS_HTTP_NEED_MORE;

        memset(&other_run, 0, sizeof other_run);
        memset(body_buf, 0x5a, sizeof body_buf);
        ds_http_init(&p, body_buf, o->body_cap);
        if (o->cap_name)
            ds_http_capture(&p, o->cap_name, cap_buf, o->cap_cap);
        p.on_line = record_line;
        p.on_line_ctx = &other_run;
        for (k = 0; k < len; k++) {
            rc = ds_http_feed(&p, (const uint8_t *)in + k, 1, &used);
            total += used;
            if (rc != DS_HTTP_NEED_MORE)
                break;
            assert_int_equal(used, 1);
        }
        if (len == 0)
            rc = ds_http_feed(&p, NULL, 0, NULL);
        assert_int_equal(rc, whole_run.rc);
        assert_int_equal(total, whole_run.used);
        assert_int_equal(ds_http_finish(&p), whole_run.fin);
        assert_int_equal(p.status, whole_run.status);
        assert_int_equal(p.keep_alive, whole_run.keep_alive);
        assert_int_equal(p.body_len, whole_run.body_len);
        assert_memory_equal(body_buf, whole_run.body, p.body_len);
        assert_int_equal(p.cap_found, whole_run.cap_found);
        assert_int_equal(p.cap_len, whole_run.cap_len);
        assert_int_equal(p.content_length, whole_run.content_length);
        assert_int_equal(p.retry_after_s, whole_run.retry_after_s);
        assert_string_equal(p.request_id, whole_run.request_id);
        assert_string_equal(p.content_type, whole_run.content_type);
        assert_string_equal(p.date, whole_run.date);
        if (o->cap_name && rc == DS_HTTP_DONE && p.cap_found)
            assert_memory_equal(cap_buf, whole_run.cap, p.cap_len + 1);
        assert_int_equal(other_run.nlines, whole_run.nlines);
        assert_int_equal(other_run.lines_len, whole_run.lines_len);
        assert_memory_equal(other_run.lines, whole_run.lines,
                            whole_run.lines_len);
    }

    prng_state = 0x9e3779b9u ^ (uint32_t)len;
    for (r = 0; r < RANDOM_SPLITS; r++) {
        n = 1 + prng() % (sizeof cuts / sizeof cuts[0] - 1);
        for (k = 0; k + 1 < n; k++)
            cuts[k] = len ? prng() % (len + 1) : 0;
        cuts[n - 1] = len;
        /* Sort (insertion): repeated cuts give empty slices on purpose. */
        for (k = 1; k < n; k++) {
            size_t v = cuts[k];
            for (j = k; j > 0 && cuts[j - 1] > v; j--)
                cuts[j] = cuts[j - 1];
            cuts[j] = v;
        }
        run(in, len, n, o, &other_run);
        assert_same(&whole_run, &other_run, o);
    }
    return &whole_run;
}

static const outcome_t *parse_n(const char *in, size_t len)
{
    return parse_opts(in, len, &default_opts);
}

static const outcome_t *parse(const char *in)
{
    return parse_n(in, strlen(in));
}

static const outcome_t *parse_cap(const char *in, const char *name, size_t cap)
{
    opts_t o = default_opts;
    o.cap_name = name;
    o.cap_cap = cap;
    return parse_opts(in, strlen(in), &o);
}

static const outcome_t *parse_body_cap(const char *in, size_t body_cap)
{
    opts_t o = default_opts;
    o.body_cap = body_cap;
    return parse_opts(in, strlen(in), &o);
}

static void expect_rc(const char *in, int rc)
{
    assert_int_equal(parse(in)->rc, rc);
}

/* Big generated inputs. */
static char big[64 * 1024];
static size_t big_len;

static void big_reset(void)
{
    big_len = 0;
    big[0] = '\0';
}

static void big_add(const char *s)
{
    size_t n = strlen(s);
    assert_true(big_len + n < sizeof big);
    memcpy(big + big_len, s, n + 1);
    big_len += n;
}

static void big_rep(char c, size_t n)
{
    assert_true(big_len + n < sizeof big);
    memset(big + big_len, c, n);
    big_len += n;
    big[big_len] = '\0';
}

#define OK200 "HTTP/1.1 200 OK\r\n"

/* ---------------------------------------------------------------- status */

static void test_status_line_http11_with_reason(void **state)
{
    const outcome_t *o = parse(OK200 "Content-Length: 2\r\n\r\n{}");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->status, 200);
    assert_int_equal(o->http_minor, 1);
    assert_int_equal(o->keep_alive, 1);
    assert_int_equal(o->body_len, 2);
    assert_memory_equal(o->body, "{}", 2);
}

static void test_status_line_http10_sets_minor_and_default_close(void **state)
{
    const outcome_t *o =
        parse("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->status, 404);
    assert_int_equal(o->http_minor, 0);
    assert_int_equal(o->keep_alive, 0);
}

static void test_status_line_without_reason_phrase(void **state)
{
    const outcome_t *o = parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->status, 200);
}

static void test_status_line_with_empty_reason_phrase(void **state)
{
    const outcome_t *o = parse("HTTP/1.1 503 \r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->status, 503);
}

static void test_status_line_reason_may_hold_spaces_and_tabs(void **state)
{
    const outcome_t *o =
        parse("HTTP/1.1 429 Too Many\tRequests \r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->status, 429);
}

static void test_status_line_http12_is_read_as_http11(void **state)
{
    const outcome_t *o =
        parse("HTTP/1.2 200 OK\r\nContent-Length: 2\r\n\r\n{}");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->status, 200);
    assert_int_equal(o->http_minor, 1);
    assert_int_equal(o->keep_alive, 1); /* 1.1 default: persistent */
    assert_int_equal(o->body_len, 2);
}

static void test_status_line_http19_is_read_as_http11(void **state)
{
    const outcome_t *o = parse("HTTP/1.9 503\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->status, 503);
    assert_int_equal(o->http_minor, 1);
    assert_int_equal(o->keep_alive, 1);
}

static void
test_status_line_http12_follows_http11_connection_close(void **state)
{
    const outcome_t *o = parse("HTTP/1.2 200 OK\r\nConnection: close\r\n"
                               "Content-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->http_minor, 1);
    assert_int_equal(o->keep_alive, 0);
}

static void
test_status_line_http12_without_length_reads_until_close(void **state)
{
    const outcome_t *o = parse("HTTP/1.2 200 OK\r\n\r\nabc");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_NEED_MORE);
    assert_int_equal(o->fin, DS_HTTP_DONE);
    assert_int_equal(o->http_minor, 1);
    assert_int_equal(o->keep_alive, 0);
    assert_int_equal(o->body_len, 3);
    assert_memory_equal(o->body, "abc", 3);
}

static void test_status_line_rejects_other_versions(void **state)
{
    (void)state;
    expect_rc("HTTP/2.0 200 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("HTTP/0.9 200 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("HTTP/3.1 200 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("HTTP/1.x 200 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("HTTP/1./ 200 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("HTTP/1.: 200 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("HTTP/1.10 200 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("HTTP/1 200 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("http/1.1 200 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("HTTP/1.1x200 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("ICY 200 OK\r\n", DS_HTTP_E_STATUS_LINE);
}

static void test_status_line_rejects_bad_codes(void **state)
{
    (void)state;
    expect_rc("HTTP/1.1 20 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("HTTP/1.1 2000 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("HTTP/1.1 2x0 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("HTTP/1.1 099 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("HTTP/1.1 600 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("HTTP/1.1  200 OK\r\n", DS_HTTP_E_STATUS_LINE);
    expect_rc("HTTP/1.1 200\tOK\r\n", DS_HTTP_E_STATUS_LINE);
}

static void test_status_line_accepts_range_bounds(void **state)
{
    (void)state;
    assert_int_equal(
        parse("HTTP/1.1 599 X\r\nContent-Length: 0\r\n\r\n")->status, 599);
    assert_int_equal(
        parse("HTTP/1.1 200 X\r\nContent-Length: 0\r\n\r\n")->status, 200);
}

static void test_status_line_rejects_101_switching_protocols(void **state)
{
    (void)state;
    expect_rc("HTTP/1.1 101 Switching Protocols\r\n\r\n",
              DS_HTTP_E_STATUS_LINE);
}

static void test_status_line_rejects_empty_line(void **state)
{
    (void)state;
    expect_rc("\r\nHTTP/1.1 200 OK\r\n", DS_HTTP_E_STATUS_LINE);
}

static void test_status_line_rejects_control_characters(void **state)
{
    (void)state;
    expect_rc("HTTP/1.1 200 O\001K\r\n", DS_HTTP_E_STATUS_LINE);
    assert_int_equal(
        parse_n("HTTP/1.1 200 O\0K\r\n", sizeof "HTTP/1.1 200 O\0K\r\n" - 1)
            ->rc,
        DS_HTTP_E_STATUS_LINE);
}

static void test_status_line_rejects_bare_cr(void **state)
{
    (void)state;
    expect_rc("HTTP/1.1 200 OK\rX", DS_HTTP_E_STATUS_LINE);
}

/* --------------------------------------------------------------- interim */

static void test_skips_100_continue(void **state)
{
    const outcome_t *o = parse("HTTP/1.1 100 Continue\r\n\r\n" OK200
                               "Content-Length: 2\r\n\r\n{}");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->status, 200);
    assert_memory_equal(o->body, "{}", 2);
}

static void test_skips_several_interim_responses(void **state)
{
    const outcome_t *o =
        parse("HTTP/1.1 100 Continue\r\n\r\n"
              "HTTP/1.1 102 Processing\r\n\r\n"
              "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
              "HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->status, 201);
    assert_int_equal(o->body_len, 1);
}

static void test_interim_headers_are_forgotten(void **state)
{
    const outcome_t *o =
        parse("HTTP/1.1 100 Continue\r\nX-Request-Id: early\r\n"
              "Content-Length: 7\r\nRetry-After: 9\r\n"
              "Connection: close\r\n\r\n" OK200 "Content-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->request_id, "");
    assert_int_equal(o->content_length, 0);
    assert_int_equal(o->has_retry_after, 0);
    assert_int_equal(o->keep_alive, 1);
}

static void test_interim_response_alone_needs_more(void **state)
{
    const outcome_t *o = parse("HTTP/1.1 100 Continue\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_NEED_MORE);
    assert_int_equal(o->used, 25);
    assert_int_equal(o->fin, DS_HTTP_E_TRUNCATED);
}

/* --------------------------------------------------------------- headers */

static void test_header_names_are_case_insensitive(void **state)
{
    const outcome_t *o =
        parse(OK200 "cOnTeNt-LeNgTh: 3\r\nX-REQUEST-ID: abc\r\n"
                    "content-type: text/plain\r\nDATE: Tue\r\n"
                    "RETRY-after: 5\r\n\r\nxyz");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->content_length, 3);
    assert_string_equal(o->request_id, "abc");
    assert_string_equal(o->content_type, "text/plain");
    assert_string_equal(o->date, "Tue");
    assert_int_equal(o->retry_after_s, 5);
}

static void test_header_values_trim_optional_whitespace(void **state)
{
    const outcome_t *o = parse(
        OK200 "X-Request-Id: \t id 1 \t\r\n"
              "Content-Length:\t2 \r\nContent-Type:application/json\r\n\r\n{}");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->request_id, "id 1");
    assert_string_equal(o->content_type, "application/json");
    assert_int_equal(o->content_length, 2);
}

static void test_header_empty_value_is_accepted(void **state)
{
    const outcome_t *o =
        parse(OK200 "X-Empty:\r\nX-Request-Id:  \r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->request_id, "");
}

static void test_header_unknown_headers_are_ignored(void **state)
{
    const outcome_t *o =
        parse(OK200 "Server: x\r\nX-Content-Length: 99\r\n"
                    "Content-Lengthy: 5\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->content_length, 0);
}

static void test_header_obs_fold_joins_the_previous_value(void **state)
{
    const outcome_t *o =
        parse(OK200 "X-Request-Id: abc\r\n def\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->request_id, "abc def"); /* CRLF SP -> one SP */
}

static void test_header_obs_fold_tab_becomes_a_space(void **state)
{
    const outcome_t *o =
        parse(OK200 "X-Request-Id: abc\r\n\tdef\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->request_id, "abc def");
}

static void test_header_obs_fold_with_bare_lf_line_ends(void **state)
{
    const outcome_t *o =
        parse("HTTP/1.1 200 OK\nX-Request-Id: a\n\tb\nContent-Length: 0\n\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->request_id, "a b");
}

static void test_header_obs_fold_several_continuation_lines(void **state)
{
    const outcome_t *o = parse(OK200 "X-Request-Id: a\r\n\tb\r\n\tc\r\n\td\r\n"
                                     "Content-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->request_id, "a b c d");
}

static void test_header_obs_fold_of_an_empty_value(void **state)
{
    const outcome_t *o =
        parse(OK200 "X-Request-Id:\r\n\tlate\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->request_id, "late");
}

static void test_header_obs_fold_of_only_whitespace_is_trimmed(void **state)
{
    const outcome_t *o =
        parse(OK200 "X-Request-Id: r1 \r\n \t \r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->request_id, "r1");
}

static void test_header_obs_fold_last_header_before_blank_line(void **state)
{
    const outcome_t *o =
        parse(OK200 "Content-Length: 2\r\nX-Request-Id: a\r\n b\r\n\r\n{}");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->request_id, "a b");
    assert_int_equal(o->body_len, 2);
}

static void test_header_obs_fold_of_an_unknown_header_is_accepted(void **state)
{
    const outcome_t *o =
        parse(OK200 "X-Other: 1\r\n 2\r\nContent-Length: 1\r\n\r\nx");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->body_len, 1);
}

static void test_header_obs_fold_as_first_header_line_is_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 " X-A: 1\r\nContent-Length: 0\r\n\r\n", DS_HTTP_E_HEADER);
    expect_rc(OK200 "\tX-A: 1\r\nContent-Length: 0\r\n\r\n", DS_HTTP_E_HEADER);
    expect_rc("HTTP/1.1 200 OK\n continued\nContent-Length: 0\n\n",
              DS_HTTP_E_HEADER);
}

static void
test_header_obs_fold_after_interim_status_line_is_rejected(void **state)
{
    (void)state;
    expect_rc("HTTP/1.1 100 Continue\r\nX-A: 1\r\n\r\n" OK200 " x\r\n\r\n",
              DS_HTTP_E_HEADER);
}

static void
test_header_obs_fold_does_not_continue_across_the_blank_line(void **state)
{
    /* the blank line ends the headers: a SP after it is body */
    const outcome_t *o = parse(OK200 "X-A: 1\r\nContent-Length: 2\r\n\r\n x");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_memory_equal(o->body, " x", 2);
}

static void test_header_obs_fold_in_content_length_is_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "Content-Length: 1\r\n 0\r\n\r\n0123456789",
              DS_HTTP_E_LENGTH);
    expect_rc(OK200 "Content-Length:\r\n 2\r\n\r\n{}", DS_HTTP_E_LENGTH);
    expect_rc(OK200 "content-length: 2\r\n\t\r\n\r\n{}", DS_HTTP_E_LENGTH);
}

static void test_header_obs_fold_in_transfer_encoding_is_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
              DS_HTTP_E_TRANSFER_ENCODING);
    expect_rc(OK200 "Transfer-Encoding: chunked\r\n \r\n\r\n0\r\n\r\n",
              DS_HTTP_E_TRANSFER_ENCODING);
}

static void test_header_obs_fold_in_connection_is_interpreted(void **state)
{
    const outcome_t *o = parse(
        OK200 "Connection: keep-alive,\r\n close\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->keep_alive, 0);
    o = parse(
        "HTTP/1.0 200 OK\r\nConnection:\r\n\tkeep-alive\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->keep_alive, 1);
}

static void test_header_obs_fold_in_retry_after_is_interpreted(void **state)
{
    const outcome_t *o = parse(
        "HTTP/1.1 503 X\r\nRetry-After:\r\n 120\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->has_retry_after, 1);
    assert_int_equal(o->retry_after_s, 120);
    /* folded inside the number: not delta-seconds any more */
    o = parse(
        "HTTP/1.1 503 X\r\nRetry-After: 1\r\n 20\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->has_retry_after, 0);
}

static void test_header_obs_fold_in_content_type_is_interpreted(void **state)
{
    const outcome_t *o =
        parse(OK200 "Content-Type: application/json;\r\n charset=utf-8\r\n"
                    "Content-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->content_type, "application/json; charset=utf-8");
}

static void test_header_obs_fold_in_date_is_interpreted(void **state)
{
    const outcome_t *o =
        parse(OK200 "Date: Sun, 06 Nov 1994\r\n\t08:49:37 GMT\r\n"
                    "Content-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->date, "Sun, 06 Nov 1994 08:49:37 GMT");
}

static void test_header_obs_fold_in_interim_response_is_accepted(void **state)
{
    const outcome_t *o =
        parse("HTTP/1.1 100 Continue\r\nX-A: 1\r\n 2\r\n\r\n" OK200
              "Content-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->status, 200);
}

static void test_header_obs_fold_continuation_needs_no_colon(void **state)
{
    const outcome_t *o = parse(
        OK200 "X-Request-Id: a\r\n no colon here\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->request_id, "a no colon here");
}

static void
test_header_obs_fold_control_character_in_continuation_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "X-A: 1\r\n 2\001\r\nContent-Length: 0\r\n\r\n",
              DS_HTTP_E_HEADER);
    expect_rc(OK200 "X-A: 1\r\n 2\rx\r\nContent-Length: 0\r\n\r\n",
              DS_HTTP_E_HEADER);
}

static void test_header_malformed_line_before_a_fold_is_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "No colon\r\n here either\r\nContent-Length: 0\r\n\r\n",
              DS_HTTP_E_HEADER);
    expect_rc(OK200 "X-A\r\n :1\r\nContent-Length: 0\r\n\r\n",
              DS_HTTP_E_HEADER);
}

static void test_header_without_colon_is_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "NoColonHere\r\n\r\n", DS_HTTP_E_HEADER);
}

static void test_header_whitespace_before_colon_is_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "Content-Length : 0\r\n\r\n", DS_HTTP_E_HEADER);
}

static void test_header_empty_name_is_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 ": value\r\n\r\n", DS_HTTP_E_HEADER);
}

/* Names are checked loosely (visible ASCII, no separators check): an odd
 * name can only be ignored, never mistaken for a known header. */
static void test_header_name_must_be_visible_ascii(void **state)
{
    (void)state;
    expect_rc(OK200 "X\177a: 1\r\n\r\n", DS_HTTP_E_HEADER);
    expect_rc(OK200 "X\200a: 1\r\n\r\n", DS_HTTP_E_HEADER);
}

static void test_header_control_character_in_value_is_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "X-A: a\001b\r\n\r\n", DS_HTTP_E_HEADER);
    expect_rc(OK200 "X-A: a\177b\r\n\r\n", DS_HTTP_E_HEADER);
    assert_int_equal(
        parse_n(OK200 "X-A: a\0b\r\n\r\n", sizeof OK200 "X-A: a\0b\r\n\r\n" - 1)
            ->rc,
        DS_HTTP_E_HEADER);
}

static void test_header_obs_text_in_value_is_accepted(void **state)
{
    const outcome_t *o =
        parse(OK200 "X-Request-Id: \303\251t\351\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->request_id, "\303\251t\351");
}

static void test_header_bare_cr_is_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "X-A: 1\rX-B: 2\r\n\r\n", DS_HTTP_E_HEADER);
    expect_rc(OK200 "X-A: 1\r\r\n\r\n", DS_HTTP_E_HEADER);
}

static void test_request_id_is_copied(void **state)
{
    const outcome_t *o = parse(
        OK200 "X-Request-Id: 6f1c0e7d2b8a4f35\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_string_equal(o->request_id, "6f1c0e7d2b8a4f35");
}

static void test_request_id_is_truncated_to_its_field(void **state)
{
    const outcome_t *o;
    (void)state;
    big_reset();
    big_add(OK200 "X-Request-Id: ");
    big_rep('r', DS_REQUEST_ID_MAX + 10);
    big_add("\r\nContent-Length: 0\r\n\r\n");
    o = parse_n(big, big_len);
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(strlen(o->request_id), DS_REQUEST_ID_MAX - 1);
}

static void test_repeated_request_id_last_wins(void **state)
{
    const outcome_t *o = parse(
        OK200
        "X-Request-Id: one\r\nX-Request-Id: two\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_string_equal(o->request_id, "two");
}

static void test_content_type_is_copied_and_truncated(void **state)
{
    const outcome_t *o;
    (void)state;
    assert_string_equal(parse(OK200
                              "Content-Type: application/json;charset=utf8\r\n"
                              "Content-Length: 0\r\n\r\n")
                            ->content_type,
                        "application/json;charset=utf8");
    big_reset();
    big_add(OK200 "Content-Type: ");
    big_rep('t', 100);
    big_add("\r\nContent-Length: 0\r\n\r\n");
    o = parse_n(big, big_len);
    assert_int_equal(strlen(o->content_type), sizeof o->content_type - 1);
}

static void test_date_is_copied_and_truncated(void **state)
{
    const outcome_t *o;
    (void)state;
    assert_string_equal(parse(OK200 "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                                    "Content-Length: 0\r\n\r\n")
                            ->date,
                        "Sun, 06 Nov 1994 08:49:37 GMT");
    big_reset();
    big_add(OK200 "Date: ");
    big_rep('d', DS_DATE_MAX + 5);
    big_add("\r\nContent-Length: 0\r\n\r\n");
    o = parse_n(big, big_len);
    assert_int_equal(strlen(o->date), DS_DATE_MAX - 1);
}

static void test_retry_after_delta_seconds(void **state)
{
    const outcome_t *o =
        parse("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 120\r\n"
              "Content-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->has_retry_after, 1);
    assert_int_equal(o->retry_after_s, 120);
}

static void test_retry_after_zero(void **state)
{
    const outcome_t *o =
        parse("HTTP/1.1 503 X\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->has_retry_after, 1);
    assert_int_equal(o->retry_after_s, 0);
}

static void test_retry_after_largest_value(void **state)
{
    const outcome_t *o = parse(
        "HTTP/1.1 503 X\r\nRetry-After: 4294967295\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->has_retry_after, 1);
    assert_int_equal(o->retry_after_s, 4294967295u);
}

static void test_retry_after_http_date_is_ignored(void **state)
{
    const outcome_t *o =
        parse("HTTP/1.1 503 X\r\nRetry-After: Fri, 31 Dec 1999 23:59:59 GMT\r\n"
              "Content-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->has_retry_after, 0);
    assert_int_equal(o->retry_after_s, 0);
}

static void test_retry_after_overflow_is_ignored(void **state)
{
    const outcome_t *o = parse(
        "HTTP/1.1 503 X\r\nRetry-After: 4294967296\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->has_retry_after, 0);
    assert_int_equal(o->retry_after_s, 0);
}

static void test_retry_after_absent(void **state)
{
    const outcome_t *o = parse(OK200 "Content-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->has_retry_after, 0);
    assert_int_equal(o->retry_after_s, 0);
}

static void test_connection_close_on_http11(void **state)
{
    const outcome_t *o =
        parse(OK200 "Connection: close\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->keep_alive, 0);
}

static void test_connection_keep_alive_on_http10(void **state)
{
    const outcome_t *o = parse(
        "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->keep_alive, 1);
}

static void test_connection_token_list(void **state)
{
    (void)state;
    assert_int_equal(
        parse(OK200 "Connection: Upgrade, CLOSE \r\nContent-Length: 0\r\n\r\n")
            ->keep_alive,
        0);
    assert_int_equal(parse("HTTP/1.0 200 OK\r\nConnection: te ,keep-alive,\r\n"
                           "Content-Length: 0\r\n\r\n")
                         ->keep_alive,
                     1);
    assert_int_equal(
        parse("HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\n"
              "Content-Length: 0\r\n\r\n")
            ->keep_alive,
        0);
    assert_int_equal(
        parse(OK200 "Connection: closed\r\nContent-Length: 0\r\n\r\n")
            ->keep_alive,
        1);
}

static void test_connection_default_keep_alive_on_http11(void **state)
{
    (void)state;
    assert_int_equal(parse(OK200 "Content-Length: 0\r\n\r\n")->keep_alive, 1);
}

/* ----------------------------------------------------------- line endings */

static void test_bare_lf_line_endings_are_accepted(void **state)
{
    const outcome_t *o =
        parse("HTTP/1.1 200 OK\nContent-Length: 2\nX-Request-Id: a\n\n{}");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->request_id, "a");
    assert_int_equal(o->body_len, 2);
}

static void test_bare_lf_in_chunked_framing_is_accepted(void **state)
{
    const outcome_t *o = parse(
        "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\n{}\n0\nX-T: 1\n\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->body_len, 2);
}

/* -------------------------------------------------------- Content-Length */

static void test_content_length_body_done_at_last_byte(void **state)
{
    const char *in = OK200 "Content-Length: 5\r\n\r\nhello";
    const outcome_t *o = parse(in);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->used, strlen(in));
    assert_true(o->has_content_length);
    assert_int_equal(o->content_length, 5);
    assert_int_equal(o->body_len, 5);
    assert_memory_equal(o->body, "hello", 5);
    assert_int_equal(o->fin, DS_HTTP_DONE);
}

static void test_content_length_leaves_extra_bytes_unconsumed(void **state)
{
    const char *head = OK200 "Content-Length: 5\r\n\r\nhello";
    const outcome_t *o =
        parse(OK200 "Content-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->used, strlen(head));
    assert_int_equal(o->body_len, 5);
}

static void test_content_length_zero_is_done_after_headers(void **state)
{
    const char *head = OK200 "Content-Length: 0\r\n\r\n";
    const outcome_t *o = parse(OK200 "Content-Length: 0\r\n\r\nextra");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->used, strlen(head));
    assert_int_equal(o->body_len, 0);
}

static void test_content_length_identical_duplicates_accepted(void **state)
{
    const outcome_t *o =
        parse(OK200 "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->content_length, 2);
}

static void test_content_length_conflicting_duplicates_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
              DS_HTTP_E_LENGTH);
}

static void test_content_length_malformed_values_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "Content-Length: \r\n\r\n", DS_HTTP_E_LENGTH);
    expect_rc(OK200 "Content-Length: -1\r\n\r\n", DS_HTTP_E_LENGTH);
    expect_rc(OK200 "Content-Length: +1\r\n\r\n", DS_HTTP_E_LENGTH);
    expect_rc(OK200 "Content-Length: 1 2\r\n\r\n", DS_HTTP_E_LENGTH);
    expect_rc(OK200 "Content-Length: 2, 2\r\n\r\n", DS_HTTP_E_LENGTH);
    expect_rc(OK200 "Content-Length: 0x10\r\n\r\n", DS_HTTP_E_LENGTH);
}

static void test_content_length_overflow_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "Content-Length: 4294967296\r\n\r\n", DS_HTTP_E_LENGTH);
    expect_rc(OK200 "Content-Length: 99999999999999999999\r\n\r\n",
              DS_HTTP_E_LENGTH);
}

static void test_content_length_largest_value_is_too_large_a_body(void **state)
{
    (void)state;
    expect_rc(OK200 "Content-Length: 4294967295\r\n\r\n",
              DS_HTTP_E_BODY_TOO_LARGE);
}

static void test_content_length_leading_zeros_accepted(void **state)
{
    const outcome_t *o = parse(OK200 "Content-Length: 0002\r\n\r\n{}");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->body_len, 2);
}

static void test_content_length_with_chunked_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
              DS_HTTP_E_LENGTH);
    expect_rc(OK200 "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n",
              DS_HTTP_E_LENGTH);
}

static void test_content_length_truncated_body(void **state)
{
    const outcome_t *o = parse(OK200 "Content-Length: 10\r\n\r\nhello");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_NEED_MORE);
    assert_int_equal(o->body_len, 5);
    assert_int_equal(o->fin, DS_HTTP_E_TRUNCATED);
}

static void test_content_length_exactly_at_caller_cap(void **state)
{
    const outcome_t *o =
        parse_body_cap(OK200 "Content-Length: 4\r\n\r\nabcd", 4);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->body_len, 4);
}

static void test_content_length_one_over_caller_cap(void **state)
{
    const outcome_t *o =
        parse_body_cap(OK200 "Content-Length: 5\r\n\r\nabcde", 4);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_E_BODY_TOO_LARGE);
    assert_int_equal(o->body_len, 0);
    assert_int_equal(o->fin, DS_HTTP_E_BODY_TOO_LARGE);
}

static void test_content_length_exactly_at_body_max(void **state)
{
    char hdr[64];
    const outcome_t *o;
    (void)state;
    big_reset();
    (void)snprintf(hdr, sizeof hdr, "Content-Length: %u\r\n\r\n",
                   (unsigned)DS_HTTP_BODY_MAX);
    big_add(OK200);
    big_add(hdr);
    big_rep('b', DS_HTTP_BODY_MAX);
    o = parse_n(big, big_len); /* caller cap is larger than DS_HTTP_BODY_MAX */
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->body_len, DS_HTTP_BODY_MAX);
}

static void test_content_length_one_over_body_max(void **state)
{
    char hdr[64];
    (void)state;
    big_reset();
    (void)snprintf(hdr, sizeof hdr, "Content-Length: %u\r\n\r\n",
                   (unsigned)DS_HTTP_BODY_MAX + 1);
    big_add(OK200);
    big_add(hdr);
    big_rep('b', DS_HTTP_BODY_MAX + 1);
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_E_BODY_TOO_LARGE);
}

static void test_zero_body_cap_with_null_buffer(void **state)
{
    ds_http_parser_t p;
    static const char in[] = OK200 "Content-Length: 0\r\n\r\n";
    static const char in2[] = OK200 "Content-Length: 1\r\n\r\nx";
    (void)state;
    ds_http_init(&p, NULL, 0);
    assert_int_equal(ds_http_feed(&p, (const uint8_t *)in, sizeof in - 1, NULL),
                     DS_HTTP_DONE);
    ds_http_init(&p, NULL, 0);
    assert_int_equal(
        ds_http_feed(&p, (const uint8_t *)in2, sizeof in2 - 1, NULL),
        DS_HTTP_E_BODY_TOO_LARGE);
}

/* ---------------------------------------------------------------- chunked */

static void test_chunked_body_is_reassembled(void **state)
{
    const outcome_t *o = parse(OK200 "Transfer-Encoding: chunked\r\n\r\n"
                                     "4\r\n{\"st\r\n"
                                     "9\r\natus\":\"ok\r\n"
                                     "2\r\n\"}\r\n"
                                     "0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->chunked, 1);
    assert_int_equal(o->has_content_length, 0);
    assert_int_equal(o->body_len, 15);
    assert_memory_equal(o->body, "{\"status\":\"ok\"}", 15);
    assert_int_equal(o->keep_alive, 1);
}

static void test_chunked_value_is_case_insensitive_with_whitespace(void **state)
{
    const outcome_t *o =
        parse(OK200 "Transfer-Encoding:  ChUnKeD \r\n\r\n1\r\nx\r\n0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->body_len, 1);
}

static void test_chunked_uppercase_and_padded_hex_sizes(void **state)
{
    const outcome_t *o;
    (void)state;
    big_reset();
    big_add(OK200 "Transfer-Encoding: chunked\r\n\r\n001A\r\n");
    big_rep('a', 26);
    big_add("\r\nb\r\n");
    big_rep('b', 11);
    big_add("\r\n00000000\r\n\r\n");
    o = parse_n(big, big_len);
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->body_len, 37);
}

static void test_chunked_extensions_are_ignored(void **state)
{
    const outcome_t *o = parse(OK200 "Transfer-Encoding: chunked\r\n\r\n"
                                     "2;name=value\r\n{}\r\n"
                                     "1 ; a=\"q;x\" ;b\r\nx\r\n"
                                     "0;last\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->body_len, 3);
    assert_memory_equal(o->body, "{}x", 3);
}

static void test_chunked_trailers_are_read_before_done(void **state)
{
    const char *msg =
        OK200 "Transfer-Encoding: chunked\r\n\r\n"
              "2\r\n{}\r\n0\r\nX-Checksum: abc\r\nX-Request-Id: late\r\n\r\n";
    const outcome_t *o = parse(msg);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->used, strlen(msg));
    assert_string_equal(o->request_id, ""); /* trailers are not interpreted */
}

static void test_chunked_leaves_extra_bytes_unconsumed(void **state)
{
    const char *msg =
        OK200 "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
    const outcome_t *o = parse(
        OK200 "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\nNEXT");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->used, strlen(msg));
}

static void test_chunked_missing_crlf_after_data_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "Transfer-Encoding: chunked\r\n\r\n2\r\n{}x\r\n0\r\n\r\n",
              DS_HTTP_E_CHUNK);
    expect_rc(OK200 "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\rx0\r\n\r\n",
              DS_HTTP_E_CHUNK);
}

static void test_chunked_bad_size_lines_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "Transfer-Encoding: chunked\r\n\r\n\r\n", DS_HTTP_E_CHUNK);
    expect_rc(OK200 "Transfer-Encoding: chunked\r\n\r\nx\r\n", DS_HTTP_E_CHUNK);
    expect_rc(OK200 "Transfer-Encoding: chunked\r\n\r\n1 2\r\n",
              DS_HTTP_E_CHUNK);
    expect_rc(OK200 "Transfer-Encoding: chunked\r\n\r\n-1\r\n",
              DS_HTTP_E_CHUNK);
    expect_rc(OK200 "Transfer-Encoding: chunked\r\n\r\n;ext\r\n",
              DS_HTTP_E_CHUNK);
    expect_rc(OK200 "Transfer-Encoding: chunked\r\n\r\n1;a\001\r\n",
              DS_HTTP_E_CHUNK);
    expect_rc(OK200 "Transfer-Encoding: chunked\r\n\r\n1\rx", DS_HTTP_E_CHUNK);
}

#define CHUNKED OK200 "Transfer-Encoding: chunked\r\n\r\n"

/* The chunk-size line `line` (without its CRLF) as the first chunk of a
 * one-byte body: DONE with body "x" when accepted. */
static int first_chunk_line(const char *line)
{
    char in[256];
    const outcome_t *o;
    int n = snprintf(in, sizeof in, CHUNKED "%s\r\nx\r\n0\r\n\r\n", line);
    assert_true(n > 0 && (size_t)n < sizeof in);
    o = parse(in);
    if (o->rc == DS_HTTP_DONE) {
        assert_int_equal(o->body_len, 1);
        assert_memory_equal(o->body, "x", 1);
    }
    return o->rc;
}

static void test_chunked_size_with_trailing_whitespace_rejected(void **state)
{
    (void)state;
    assert_int_equal(first_chunk_line("1  "), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1 "), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1\t"), DS_HTTP_E_CHUNK);
    expect_rc(CHUNKED "25  \r\n", DS_HTTP_E_CHUNK);
    expect_rc(CHUNKED "0 \r\n\r\n", DS_HTTP_E_CHUNK);
}

static void test_chunked_extension_with_empty_name_rejected(void **state)
{
    (void)state;
    assert_int_equal(first_chunk_line("1;"), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1; "), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;;a"), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;a;"), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;=v"), DS_HTTP_E_CHUNK);
    expect_rc(CHUNKED "2;\r\n", DS_HTTP_E_CHUNK);
}

static void test_chunked_extension_with_unclosed_quote_rejected(void **state)
{
    (void)state;
    assert_int_equal(first_chunk_line("1;a=\"x"), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;a=\""), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;a=\"x\\\""),
                     DS_HTTP_E_CHUNK); /* \" escapes */
    assert_int_equal(first_chunk_line("1;a=\"x\\"), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;a=\"x;b=y"), DS_HTTP_E_CHUNK);
}

static void test_chunked_extension_with_empty_value_rejected(void **state)
{
    (void)state;
    assert_int_equal(first_chunk_line("1;a="), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;a= "), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;a=;b"), DS_HTTP_E_CHUNK);
}

static void test_chunked_extension_name_and_value_must_be_tokens(void **state)
{
    (void)state;
    assert_int_equal(first_chunk_line("1;a@b"), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;a\"b\""), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;\"a\""), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;a=b/c"), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;a=b c"), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;a=\303\251"),
                     DS_HTTP_E_CHUNK); /* obs-text */
    assert_int_equal(first_chunk_line("1;a b"), DS_HTTP_E_CHUNK);
}

static void
test_chunked_extension_with_trailing_whitespace_rejected(void **state)
{
    (void)state;
    assert_int_equal(first_chunk_line("1;a "), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;a=b\t"), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;a=\"b\" "), DS_HTTP_E_CHUNK);
}

static void
test_chunked_extension_junk_after_quoted_value_rejected(void **state)
{
    (void)state;
    assert_int_equal(first_chunk_line("1;a=\"b\"c"), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;a=\"b\"\"c\""), DS_HTTP_E_CHUNK);
    assert_int_equal(first_chunk_line("1;a=b=c"), DS_HTTP_E_CHUNK);
}

static void test_chunked_extension_bws_around_separators_accepted(void **state)
{
    (void)state;
    assert_int_equal(first_chunk_line("1 ;a"), DS_HTTP_DONE);
    assert_int_equal(first_chunk_line("1; a"), DS_HTTP_DONE);
    assert_int_equal(first_chunk_line("1;a =b"), DS_HTTP_DONE);
    assert_int_equal(first_chunk_line("1;a= b"), DS_HTTP_DONE);
    assert_int_equal(first_chunk_line("1 \t;\t a \t= \t\"q\""), DS_HTTP_DONE);
    assert_int_equal(first_chunk_line("1;a=b ;c"), DS_HTTP_DONE);
}

static void
test_chunked_extension_token_and_quoted_values_accepted(void **state)
{
    (void)state;
    assert_int_equal(first_chunk_line("1;name"), DS_HTTP_DONE);
    assert_int_equal(first_chunk_line("1;name=value"), DS_HTTP_DONE);
    assert_int_equal(first_chunk_line("1;name=\"quoted\""), DS_HTTP_DONE);
    assert_int_equal(first_chunk_line("1;n=\"\""), DS_HTTP_DONE);
    assert_int_equal(first_chunk_line("1;n=\"a b\t;=,\303\251\""),
                     DS_HTTP_DONE);
    assert_int_equal(
        first_chunk_line("1;!#$%&'*+-.^_`|~09AZaz=!#$%&'*+-.^_`|~"),
        DS_HTTP_DONE);
}

static void test_chunked_extension_quoted_pair_accepted(void **state)
{
    (void)state;
    assert_int_equal(first_chunk_line("1;a=\"x\\\"y\""), DS_HTTP_DONE);
    assert_int_equal(first_chunk_line("1;a=\"\\\\\""), DS_HTTP_DONE);
    assert_int_equal(first_chunk_line("1;a=\"\\ \\\t\""), DS_HTTP_DONE);
}

static void test_chunked_several_extensions_accepted(void **state)
{
    (void)state;
    assert_int_equal(first_chunk_line("1;a;b=c;d=\"e\";f"), DS_HTTP_DONE);
    /* on the last chunk too */
    assert_int_equal(parse(CHUNKED "1\r\nx\r\n0;a=1;b=\"2\"\r\n\r\n")->rc,
                     DS_HTTP_DONE);
}

static void test_chunked_size_overflow_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "Transfer-Encoding: chunked\r\n\r\n100000000\r\n",
              DS_HTTP_E_CHUNK);
    expect_rc(OK200 "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
              DS_HTTP_E_CHUNK);
}

static void test_chunked_largest_size_is_too_large_a_body(void **state)
{
    (void)state;
    expect_rc(OK200 "Transfer-Encoding: chunked\r\n\r\nffffffff\r\n",
              DS_HTTP_E_BODY_TOO_LARGE);
}

static void test_chunked_total_exactly_at_cap(void **state)
{
    const outcome_t *o =
        parse_body_cap(OK200 "Transfer-Encoding: chunked\r\n\r\n"
                             "2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n",
                       4);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->body_len, 4);
}

static void test_chunked_total_one_over_cap(void **state)
{
    const outcome_t *o =
        parse_body_cap(OK200 "Transfer-Encoding: chunked\r\n\r\n"
                             "2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n",
                       4);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_E_BODY_TOO_LARGE);
    assert_int_equal(o->body_len, 2);
}

static void test_chunked_trailer_obs_fold_is_accepted(void **state)
{
    const char *msg = OK200 "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n"
                            "X-A: 1\r\n folded\r\n\tagain\r\nX-B: 2\r\n\r\n";
    const outcome_t *o = parse(msg);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->used, strlen(msg));
    assert_int_equal(o->body_len, 1);
}

static void
test_chunked_trailer_obs_fold_as_first_trailer_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "Transfer-Encoding: chunked\r\n\r\n0\r\n folded\r\n\r\n",
              DS_HTTP_E_HEADER);
}

static void test_chunked_trailer_without_colon_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "Transfer-Encoding: chunked\r\n\r\n0\r\nno colon\r\n\r\n",
              DS_HTTP_E_HEADER);
}

static void test_chunked_truncated_in_every_part(void **state)
{
    (void)state;
    assert_int_equal(parse(OK200 "Transfer-Encoding: chunked\r\n\r\n")->fin,
                     DS_HTTP_E_TRUNCATED);
    assert_int_equal(
        parse(OK200 "Transfer-Encoding: chunked\r\n\r\n5\r\nab")->fin,
        DS_HTTP_E_TRUNCATED);
    assert_int_equal(
        parse(OK200 "Transfer-Encoding: chunked\r\n\r\n2\r\nab")->fin,
        DS_HTTP_E_TRUNCATED);
    assert_int_equal(
        parse(OK200 "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n")->fin,
        DS_HTTP_E_TRUNCATED);
}

static void test_transfer_encoding_other_than_chunked_rejected(void **state)
{
    (void)state;
    expect_rc(OK200 "Transfer-Encoding: gzip\r\n\r\n",
              DS_HTTP_E_TRANSFER_ENCODING);
    expect_rc(OK200 "Transfer-Encoding: gzip, chunked\r\n\r\n",
              DS_HTTP_E_TRANSFER_ENCODING);
    expect_rc(OK200 "Transfer-Encoding: identity\r\n\r\n",
              DS_HTTP_E_TRANSFER_ENCODING);
    expect_rc(OK200 "Transfer-Encoding: \r\n\r\n", DS_HTTP_E_TRANSFER_ENCODING);
}

static void test_transfer_encoding_chunked_twice_rejected(void **state)
{
    (void)state;
    expect_rc(
        OK200
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        DS_HTTP_E_TRANSFER_ENCODING);
}

/* --------------------------------------------------------------- no body */

static void test_204_has_no_body(void **state)
{
    const char *msg = "HTTP/1.1 204 No Content\r\n\r\n";
    const outcome_t *o = parse("HTTP/1.1 204 No Content\r\n\r\nleftover");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->used, strlen(msg));
    assert_int_equal(o->body_len, 0);
    assert_int_equal(o->keep_alive, 1);
}

static void test_304_has_no_body_even_with_content_length(void **state)
{
    const char *msg = "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n";
    const outcome_t *o = parse(msg);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->used, strlen(msg));
    assert_int_equal(o->body_len, 0);
}

/* ------------------------------------------------------ body until close */

static void test_body_until_close_completes_on_finish(void **state)
{
    const outcome_t *o =
        parse(OK200 "Content-Type: application/json\r\n\r\n{\"a\":1}");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_NEED_MORE);
    assert_int_equal(o->fin, DS_HTTP_DONE);
    assert_int_equal(o->keep_alive, 0);
    assert_int_equal(o->body_len, 7);
    assert_memory_equal(o->body, "{\"a\":1}", 7);
}

static void test_body_until_close_may_be_empty(void **state)
{
    const outcome_t *o = parse("HTTP/1.0 200 OK\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_NEED_MORE);
    assert_int_equal(o->fin, DS_HTTP_DONE);
    assert_int_equal(o->body_len, 0);
}

static void test_body_until_close_exactly_at_cap(void **state)
{
    const outcome_t *o = parse_body_cap(OK200 "\r\nabcd", 4);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_NEED_MORE);
    assert_int_equal(o->fin, DS_HTTP_DONE);
    assert_int_equal(o->body_len, 4);
}

static void test_body_until_close_one_over_cap(void **state)
{
    const outcome_t *o = parse_body_cap(OK200 "\r\nabcde", 4);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_E_BODY_TOO_LARGE);
    assert_int_equal(o->fin, DS_HTTP_E_BODY_TOO_LARGE);
}

static void test_body_until_close_capped_by_body_max(void **state)
{
    (void)state;
    big_reset();
    big_add(OK200 "\r\n");
    big_rep('z', DS_HTTP_BODY_MAX);
    assert_int_equal(parse_n(big, big_len)->fin, DS_HTTP_DONE);
    big_rep('z', 1);
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_E_BODY_TOO_LARGE);
}

/* ---------------------------------------------------------------- limits */

static void add_line_of(size_t content_len)
{
    /* "X-Pad: " + filler = content_len bytes before the CRLF */
    big_add("X-Pad: ");
    big_rep('p', content_len - 7);
    big_add("\r\n");
}

static void test_header_line_exactly_at_line_max(void **state)
{
    (void)state;
    big_reset();
    big_add(OK200);
    add_line_of(DS_HTTP_LINE_MAX);
    big_add("Content-Length: 0\r\n\r\n");
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_DONE);
}

static void test_header_line_one_over_line_max(void **state)
{
    (void)state;
    big_reset();
    big_add(OK200);
    add_line_of(DS_HTTP_LINE_MAX + 1);
    big_add("Content-Length: 0\r\n\r\n");
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_E_LINE_TOO_LONG);
}

static void test_status_line_one_over_line_max(void **state)
{
    (void)state;
    big_reset();
    big_add("HTTP/1.1 200 ");
    big_rep('r', DS_HTTP_LINE_MAX - 13);
    big_add("\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_DONE);
    big_reset();
    big_add("HTTP/1.1 200 ");
    big_rep('r', DS_HTTP_LINE_MAX - 12);
    big_add("\r\n");
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_E_LINE_TOO_LONG);
}

static void test_chunk_size_line_one_over_line_max(void **state)
{
    (void)state;
    big_reset();
    big_add(OK200 "Transfer-Encoding: chunked\r\n\r\n1;");
    big_rep('e', DS_HTTP_LINE_MAX - 2);
    big_add("\r\nx\r\n0\r\n\r\n");
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_DONE);
    big_reset();
    big_add(OK200 "Transfer-Encoding: chunked\r\n\r\n1;");
    big_rep('e', DS_HTTP_LINE_MAX - 1);
    big_add("\r\nx\r\n0\r\n\r\n");
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_E_LINE_TOO_LONG);
}

/* Headers of exactly `total` bytes (status line to blank line included). */
static void build_headers_of(size_t total)
{
    const char *tail = "Content-Length: 0\r\n\r\n";
    size_t fixed = strlen(OK200) + strlen(tail), left;

    big_reset();
    big_add(OK200);
    left = total - fixed;
    while (left > 0) {
        size_t line = left > 1000 ? 1000 : left;
        if (left - line != 0 && left - line < 10)
            line -= 10; /* keep every padding line at least 10 bytes */
        add_line_of(line - 2);
        left -= line;
    }
    big_add(tail);
    assert_int_equal(big_len, total);
}

static void test_headers_exactly_at_headers_max(void **state)
{
    (void)state;
    build_headers_of(DS_HTTP_HEADERS_MAX);
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_DONE);
}

static void test_headers_one_over_headers_max(void **state)
{
    (void)state;
    build_headers_of(DS_HTTP_HEADERS_MAX + 1);
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_E_HEADERS_TOO_LARGE);
}

static void test_header_obs_fold_joined_line_exactly_at_line_max(void **state)
{
    (void)state;
    big_reset();
    big_add(OK200 "X-Pad: ");
    big_rep('p', DS_HTTP_LINE_MAX / 2 - 7);
    big_add("\r\n\t"); /* the fold counts as one byte of the joined line */
    big_rep('q', DS_HTTP_LINE_MAX - DS_HTTP_LINE_MAX / 2 - 1);
    big_add("\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_DONE);
    assert_int_equal(whole_run.nlines, 3);
    assert_int_equal(whole_run.lines_len, strlen("HTTP/1.1 200 OK\n") +
                                              DS_HTTP_LINE_MAX + 1 +
                                              strlen("Content-Length: 0\n"));
}

static void test_header_obs_fold_joined_line_one_over_line_max(void **state)
{
    (void)state;
    big_reset();
    big_add(OK200 "X-Pad: ");
    big_rep('p', DS_HTTP_LINE_MAX / 2 - 7);
    big_add("\r\n\t");
    big_rep('q', DS_HTTP_LINE_MAX - DS_HTTP_LINE_MAX / 2);
    big_add("\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_E_LINE_TOO_LONG);
}

/* Turn three filler bytes of the first padding line into a fold: the
 * same byte count, one more line end. */
static void fold_first_padding_line(void)
{
    char *pad = strstr(big, "X-Pad: ");
    assert_non_null(pad);
    assert_memory_equal(pad + 20, "ppp", 3);
    memcpy(pad + 20, "\r\n ", 3);
}

static void test_header_obs_fold_headers_exactly_at_headers_max(void **state)
{
    (void)state;
    build_headers_of(DS_HTTP_HEADERS_MAX);
    fold_first_padding_line();
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_DONE);
}

static void test_header_obs_fold_headers_one_over_headers_max(void **state)
{
    (void)state;
    build_headers_of(DS_HTTP_HEADERS_MAX + 1);
    fold_first_padding_line();
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_E_HEADERS_TOO_LARGE);
}

static void
test_header_obs_fold_endless_continuations_hit_line_max(void **state)
{
    size_t k;
    (void)state;
    big_reset();
    big_add(OK200 "X-A: 1\r\n");
    /* every fold adds a byte to the joined line: the line limit stops an
     * endless fold long before the header limit */
    for (k = 0; k < DS_HTTP_LINE_MAX; k++)
        big_add(" \r\n");
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_E_LINE_TOO_LONG);
}

static void test_headers_max_counts_interim_responses(void **state)
{
    const char *interim = "HTTP/1.1 100 Continue\r\n\r\n";
    size_t k, n = DS_HTTP_HEADERS_MAX / strlen(interim) + 1;
    (void)state;
    big_reset();
    for (k = 0; k < n; k++)
        big_add(interim);
    big_add(OK200 "Content-Length: 0\r\n\r\n");
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_E_HEADERS_TOO_LARGE);
}

static void test_headers_max_counts_trailers(void **state)
{
    size_t k;
    (void)state;
    big_reset();
    big_add(OK200 "Transfer-Encoding: chunked\r\n\r\n0\r\n");
    for (k = 0; k < DS_HTTP_HEADERS_MAX / 1000 + 1; k++)
        add_line_of(998);
    big_add("\r\n");
    assert_int_equal(parse_n(big, big_len)->rc, DS_HTTP_E_HEADERS_TOO_LARGE);
}

/* --------------------------------------------------------------- capture */

static void test_capture_streams_a_20000_char_token(void **state)
{
    const outcome_t *o;
    size_t k;
    (void)state;
    big_reset();
    big_add("HTTP/1.1 201 Created\r\nX-Subject-Token: ");
    for (k = 0; k < DS_TOKEN_MAX; k++) {
        char c[2] = {(char)('A' + k % 26), 0};
        big_add(c);
    }
    big_add("\r\nContent-Length: 2\r\n\r\n{}");
    o = parse_cap(big, "x-subject-token", DS_TOKEN_MAX + 1);
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->status, 201);
    assert_int_equal(o->cap_found, 1);
    assert_int_equal(o->cap_len, DS_TOKEN_MAX);
    assert_memory_equal(
        o->cap, big + strlen("HTTP/1.1 201 Created\r\nX-Subject-Token: "),
        DS_TOKEN_MAX);
    assert_int_equal(o->cap[DS_TOKEN_MAX], '\0');
}

static void test_capture_trims_surrounding_whitespace(void **state)
{
    const outcome_t *o = parse_cap(
        OK200 "X-Subject-Token: \t ab c \t \r\nContent-Length: 0\r\n\r\n",
        "x-subject-token", 32);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->cap_found, 1);
    assert_int_equal(o->cap_len, 4);
    assert_string_equal(o->cap, "ab c");
}

static void test_capture_name_is_case_insensitive(void **state)
{
    const outcome_t *o =
        parse_cap(OK200 "x-SUBJECT-token:tok\r\nContent-Length: 0\r\n\r\n",
                  "x-subject-token", 32);
    (void)state;
    assert_int_equal(o->cap_found, 1);
    assert_string_equal(o->cap, "tok");
}

static void test_capture_value_exactly_fills_buffer(void **state)
{
    const outcome_t *o =
        parse_cap(OK200 "X-T: 1234567\r\nContent-Length: 0\r\n\r\n", "x-t", 8);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->cap, "1234567");
}

static void test_capture_value_one_over_buffer(void **state)
{
    const outcome_t *o =
        parse_cap(OK200 "X-T: 12345678\r\nContent-Length: 0\r\n\r\n", "x-t", 8);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_E_HEADERS_TOO_LARGE);
}

static void
test_capture_trailing_whitespace_beyond_buffer_is_trimmed(void **state)
{
    const outcome_t *o = parse_cap(
        OK200 "X-T: 1234567   \t \r\nContent-Length: 0\r\n\r\n", "x-t", 8);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->cap, "1234567");
}

static void
test_capture_inner_whitespace_beyond_buffer_is_too_large(void **state)
{
    const outcome_t *o = parse_cap(
        OK200 "X-T: 1234567 8\r\nContent-Length: 0\r\n\r\n", "x-t", 8);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_E_HEADERS_TOO_LARGE);
}

static void test_capture_zero_capacity_is_too_large(void **state)
{
    ds_http_parser_t p;
    static const char in[] = OK200 "X-T:\r\n\r\n";
    (void)state;
    ds_http_init(&p, NULL, 0);
    ds_http_capture(&p, "x-t", NULL, 0);
    assert_int_equal(ds_http_feed(&p, (const uint8_t *)in, sizeof in - 1, NULL),
                     DS_HTTP_E_HEADERS_TOO_LARGE);
}

static void test_capture_empty_value_is_found_and_empty(void **state)
{
    const outcome_t *o =
        parse_cap(OK200 "X-T:   \r\nContent-Length: 0\r\n\r\n", "x-t", 8);
    (void)state;
    assert_int_equal(o->cap_found, 1);
    assert_int_equal(o->cap_len, 0);
    assert_string_equal(o->cap, "");
}

static void test_capture_absent_header_leaves_empty_string(void **state)
{
    const outcome_t *o = parse_cap(
        OK200 "X-Other: 1\r\nX-T-Long: 2\r\nContent-Length: 0\r\n\r\n", "x-t",
        8);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->cap_found, 0);
    assert_string_equal(o->cap, "");
}

static void test_capture_control_character_rejected(void **state)
{
    const outcome_t *o = parse_cap(OK200 "X-T: a\001b\r\n\r\n", "x-t", 8);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_E_HEADER);
}

static void test_capture_bare_cr_rejected(void **state)
{
    const outcome_t *o = parse_cap(OK200 "X-T: ab\rc\r\n\r\n", "x-t", 8);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_E_HEADER);
}

static void test_capture_bare_lf_ends_value(void **state)
{
    const outcome_t *o =
        parse_cap(OK200 "X-T: ab\nContent-Length: 0\n\n", "x-t", 8);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->cap, "ab");
}

static void test_capture_bytes_do_not_count_against_header_limits(void **state)
{
    const outcome_t *o;
    (void)state;
    big_reset();
    big_add(OK200 "X-T: ");
    big_rep('t', DS_HTTP_HEADERS_MAX + DS_HTTP_LINE_MAX);
    big_add("\r\nContent-Length: 0\r\n\r\n");
    o = parse_cap(big, "x-t", DS_HTTP_HEADERS_MAX + DS_HTTP_LINE_MAX + 1);
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->cap_len, DS_HTTP_HEADERS_MAX + DS_HTTP_LINE_MAX);
}

static void test_capture_name_with_nul_does_not_match(void **state)
{
    static const char in[] = OK200 "x-t\0: v\r\n\r\n";
    opts_t o = default_opts;
    (void)state;
    o.cap_name = "x-t";
    o.cap_cap = 16;
    assert_int_equal(parse_opts(in, sizeof in - 1, &o)->rc, DS_HTTP_E_HEADER);
}

static void test_capture_endless_whitespace_hits_headers_max(void **state)
{
    const outcome_t *o;
    (void)state;
    big_reset();
    big_add(OK200 "X-T: ab");
    big_rep(' ', DS_HTTP_HEADERS_MAX);
    o = parse_cap(big, "x-t", 8);
    assert_int_equal(o->rc, DS_HTTP_E_HEADERS_TOO_LARGE);
    big_reset();
    big_add(OK200 "X-T:");
    big_rep('\t', DS_HTTP_HEADERS_MAX);
    o = parse_cap(big, "x-t", 8);
    assert_int_equal(o->rc, DS_HTTP_E_HEADERS_TOO_LARGE);
}

static void test_capture_repeated_header_last_wins(void **state)
{
    const outcome_t *o = parse_cap(
        OK200 "X-T: first\r\nX-T: 2nd\r\nContent-Length: 0\r\n\r\n", "x-t", 16);
    (void)state;
    assert_string_equal(o->cap, "2nd");
}

static void test_capture_in_interim_response_is_forgotten(void **state)
{
    const outcome_t *o =
        parse_cap("HTTP/1.1 100 Continue\r\nX-T: early\r\n\r\n" OK200
                  "Content-Length: 0\r\n\r\n",
                  "x-t", 16);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->cap_found, 0);
    assert_string_equal(o->cap, "");
}

static void test_capture_ignores_trailers(void **state)
{
    const outcome_t *o = parse_cap(
        OK200 "Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: late\r\n\r\n", "x-t",
        16);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->cap_found, 0);
}

static void
test_capture_obs_fold_of_the_captured_header_is_rejected(void **state)
{
    (void)state;
    assert_int_equal(parse_cap(OK200
                               "X-T: abc\r\n def\r\nContent-Length: 0\r\n\r\n",
                               "x-t", 32)
                         ->rc,
                     DS_HTTP_E_HEADER);
    assert_int_equal(
        parse_cap(OK200 "X-T:\r\n\tabc\r\nContent-Length: 0\r\n\r\n", "x-t", 32)
            ->rc,
        DS_HTTP_E_HEADER);
}

static void test_capture_after_a_folded_header(void **state)
{
    const outcome_t *o =
        parse_cap(OK200 "X-A: 1\r\n 2\r\nX-T: tok\r\nContent-Length: 0\r\n\r\n",
                  "x-t", 32);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->cap_found, 1);
    assert_string_equal(o->cap, "tok");
}

static void
test_capture_name_in_a_continuation_line_is_not_captured(void **state)
{
    const outcome_t *o = parse_cap(
        OK200 "X-A: 1\r\n x-t: v\r\nContent-Length: 0\r\n\r\n", "x-t", 32);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->cap_found, 0);
    assert_string_equal(o->cap, "");
}

static void test_capture_overflow_whitespace_then_content_length(void **state)
{
    /* whitespace beyond the capture buffer must not look like a fold of
     * the next header */
    const outcome_t *o =
        parse_cap(OK200 "X-T: abc  \r\nContent-Length: 2\r\n\r\n{}", "x-t", 4);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->cap, "abc");
    assert_int_equal(o->content_length, 2);
}

static void test_capture_name_with_space_before_colon_is_malformed(void **state)
{
    const outcome_t *o = parse_cap(OK200 "X-T : v\r\n\r\n", "x-t", 16);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_E_HEADER);
}

/* ---------------------------------------------------------- on_line hook */

static void test_on_line_gets_status_and_header_lines_as_received(void **state)
{
    const outcome_t *o =
        parse("HTTP/1.1 200 All Good\r\ncontent-TYPE:  a/b \r\n"
              "X-Other: kept\nContent-Length: 2\r\n\r\n{}");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->nlines, 4);
    assert_string_equal(o->lines, "HTTP/1.1 200 All Good\ncontent-TYPE:  a/b \n"
                                  "X-Other: kept\nContent-Length: 2\n");
}

static void test_on_line_skips_chunk_lines_trailers_and_body(void **state)
{
    const outcome_t *o =
        parse(OK200 "Transfer-Encoding: chunked\r\n\r\n"
                    "2;x=y\r\n{}\r\n0\r\nX-Trailer: t\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->nlines, 2);
    assert_string_equal(o->lines,
                        "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n");
}

static void test_on_line_includes_interim_response_lines(void **state)
{
    const outcome_t *o = parse("HTTP/1.1 100 Continue\r\nX-A: 1\r\n\r\n" OK200
                               "Content-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->lines, "HTTP/1.1 100 Continue\nX-A: 1\n"
                                  "HTTP/1.1 200 OK\nContent-Length: 0\n");
}

static void test_on_line_never_sees_the_captured_header(void **state)
{
    const outcome_t *o = parse_cap(OK200 "X-T: secret-value\r\nX-U: u\r\n"
                                         "Content-Length: 0\r\n\r\n",
                                   "x-t", 32);
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_string_equal(o->cap, "secret-value");
    assert_null(strstr(o->lines, "secret-value"));
    assert_string_equal(o->lines,
                        "HTTP/1.1 200 OK\nX-U: u\nContent-Length: 0\n");
}

static void test_on_line_gets_a_folded_header_joined(void **state)
{
    const outcome_t *o =
        parse(OK200 "X-A: 1\r\n\t2\r\n 3\r\nContent-Length: 0\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_DONE);
    assert_int_equal(o->nlines, 3);
    assert_string_equal(o->lines,
                        "HTTP/1.1 200 OK\nX-A: 1 2 3\nContent-Length: 0\n");
}

static void test_on_line_gets_a_malformed_line_it_held(void **state)
{
    const outcome_t *o = parse(OK200 "No colon here\r\n\r\n");
    (void)state;
    assert_int_equal(o->rc, DS_HTTP_E_HEADER);
    assert_string_equal(o->lines, "HTTP/1.1 200 OK\nNo colon here\n");
}

static void test_on_line_is_not_called_for_a_line_over_the_limit(void **state)
{
    size_t k;
    (void)state;
    big_reset();
    big_add(OK200 "X-Long: ");
    for (k = 0; k < DS_HTTP_LINE_MAX; k++)
        big_add("a");
    big_add("\r\nContent-Length: 0\r\n\r\n");
    {
        const outcome_t *o = parse_n(big, big_len);
        assert_int_equal(o->rc, DS_HTTP_E_LINE_TOO_LONG);
        assert_int_equal(o->nlines, 1);
        assert_string_equal(o->lines, "HTTP/1.1 200 OK\n");
    }
}

static void
test_on_line_line_of_exactly_the_limit_is_reported_whole(void **state)
{
    size_t k;
    (void)state;
    big_reset();
    big_add(OK200 "X-Long: ");
    for (k = 8; k < DS_HTTP_LINE_MAX; k++)
        big_add("b");
    big_add("\r\nContent-Length: 0\r\n\r\n");
    {
        const outcome_t *o = parse_n(big, big_len);
        assert_int_equal(o->rc, DS_HTTP_DONE);
        assert_int_equal(o->nlines, 3);
        assert_int_equal(o->lines_len, strlen("HTTP/1.1 200 OK\n") +
                                           DS_HTTP_LINE_MAX + 1 +
                                           strlen("Content-Length: 0\n"));
    }
}

static void test_init_clears_on_line(void **state)
{
    ds_http_parser_t p;
    (void)state;
    memset(&p, 0x5a, sizeof p);
    ds_http_init(&p, body_buf, 8);
    assert_null(p.on_line);
    assert_null(p.on_line_ctx);
    assert_int_equal(
        ds_http_feed(&p, (const uint8_t *)OK200 "Content-Length: 0\r\n\r\n",
                     strlen(OK200 "Content-Length: 0\r\n\r\n"), NULL),
        DS_HTTP_DONE);
}

/* ------------------------------------------------------------ parser state */

static void test_feed_after_done_is_a_state_error(void **state)
{
    ds_http_parser_t p;
    static const char in[] = OK200 "Content-Length: 0\r\n\r\n";
    size_t used = 99;
    (void)state;
    ds_http_init(&p, NULL, 0);
    assert_int_equal(ds_http_feed(&p, (const uint8_t *)in, sizeof in - 1, NULL),
                     DS_HTTP_DONE);
    assert_int_equal(ds_http_feed(&p, (const uint8_t *)"x", 1, &used),
                     DS_HTTP_E_STATE);
    assert_int_equal(used, 0);
    assert_int_equal(ds_http_finish(&p), DS_HTTP_DONE);
    assert_int_equal(p.status, 200);
}

static void test_feed_after_error_repeats_the_error(void **state)
{
    ds_http_parser_t p;
    size_t used = 99;
    (void)state;
    ds_http_init(&p, NULL, 0);
    assert_int_equal(
        ds_http_feed(&p, (const uint8_t *)"XTTP/1.1 200 OK\r\n", 17, NULL),
        DS_HTTP_E_STATUS_LINE);
    assert_int_equal(ds_http_feed(&p, (const uint8_t *)OK200, 17, &used),
                     DS_HTTP_E_STATUS_LINE);
    assert_int_equal(used, 0);
    assert_int_equal(ds_http_finish(&p), DS_HTTP_E_STATUS_LINE);
}

static void test_finish_before_any_byte_is_truncated(void **state)
{
    ds_http_parser_t p;
    (void)state;
    ds_http_init(&p, NULL, 0);
    assert_int_equal(ds_http_finish(&p), DS_HTTP_E_TRUNCATED);
    assert_int_equal(ds_http_feed(&p, (const uint8_t *)OK200, 17, NULL),
                     DS_HTTP_E_TRUNCATED);
}

static void test_finish_in_headers_is_truncated(void **state)
{
    (void)state;
    assert_int_equal(parse(OK200 "Content-Len")->fin, DS_HTTP_E_TRUNCATED);
    assert_int_equal(parse("HTTP/1.1 20")->fin, DS_HTTP_E_TRUNCATED);
    assert_int_equal(parse(OK200 "Content-Length: 0\r\n")->fin,
                     DS_HTTP_E_TRUNCATED);
}

static void test_empty_feed_needs_more(void **state)
{
    ds_http_parser_t p;
    size_t used = 99;
    (void)state;
    ds_http_init(&p, NULL, 0);
    assert_int_equal(ds_http_feed(&p, NULL, 0, &used), DS_HTTP_NEED_MORE);
    assert_int_equal(used, 0);
}

static void test_init_resets_a_used_parser(void **state)
{
    ds_http_parser_t p;
    static const char in[] =
        "HTTP/1.1 404 X\r\nX-Request-Id: a\r\nContent-Length: 0\r\n\r\n";
    (void)state;
    ds_http_init(&p, NULL, 0);
    assert_int_equal(ds_http_feed(&p, (const uint8_t *)in, sizeof in - 1, NULL),
                     DS_HTTP_DONE);
    ds_http_init(&p, NULL, 0);
    assert_int_equal(p.status, 0);
    assert_string_equal(p.request_id, "");
    assert_int_equal(ds_http_feed(&p, (const uint8_t *)in, sizeof in - 1, NULL),
                     DS_HTTP_DONE);
}

static void test_strerror_names_every_code(void **state)
{
    int code, other;
    (void)state;
    for (code = DS_HTTP_E_STATE; code <= DS_HTTP_NEED_MORE; code++) {
        const char *s = ds_http_strerror(code);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        for (other = DS_HTTP_E_STATE; other < code; other++)
            assert_string_not_equal(s, ds_http_strerror(other));
    }
    assert_string_equal(ds_http_strerror(DS_HTTP_E_LENGTH), "bad length");
    assert_non_null(ds_http_strerror(2));
    assert_non_null(ds_http_strerror(-11));
    assert_string_equal(ds_http_strerror(-11), ds_http_strerror(2));
    assert_string_not_equal(ds_http_strerror(-11),
                            ds_http_strerror(DS_HTTP_E_STATE));
}

/* -------------------------------------------------------------- property */

typedef struct table_case {
    const char *in;
    int rc;  /* after feeding everything */
    int fin; /* after ds_http_finish */
    int status;
    const char *body;
} table_case_t;

static const table_case_t table[] = {
    {OK200 "Content-Length: 2\r\n\r\n{}", DS_HTTP_DONE, DS_HTTP_DONE, 200,
     "{}"},
    {"HTTP/1.0 200 OK\r\n\r\n{}", DS_HTTP_NEED_MORE, DS_HTTP_DONE, 200, "{}"},
    {"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 71\r\n\r\n"
     "{\"error_msg\":\"token expires\",\"error_code\":\"APIGW.0301\",\"request_id\":\"\"}",
     DS_HTTP_DONE, DS_HTTP_DONE, 401,
     "{\"error_msg\":\"token expires\",\"error_code\":\"APIGW.0301\",\"request_id\":\"\"}"},
    {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
     "3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n",
     DS_HTTP_DONE, DS_HTTP_DONE, 200, "abc"},
    {"HTTP/1.1 204 No Content\r\n\r\n", DS_HTTP_DONE, DS_HTTP_DONE, 204, ""},
    {"HTTP/1.1 304 Not Modified\r\n\r\n", DS_HTTP_DONE, DS_HTTP_DONE, 304, ""},
    {"HTTP/1.1 503\r\nRetry-After: 3\r\nContent-Length: 1\r\n\r\nx",
     DS_HTTP_DONE, DS_HTTP_DONE, 503, "x"},
    {"HTTP/1.1 200 OK\nContent-Length: 1\n\nx", DS_HTTP_DONE, DS_HTTP_DONE, 200,
     "x"},
    {OK200 "Content-Length: 3\r\n\r\nab", DS_HTTP_NEED_MORE,
     DS_HTTP_E_TRUNCATED, 200, "ab"},
    {OK200 "Content-Length: x\r\n\r\n", DS_HTTP_E_LENGTH, DS_HTTP_E_LENGTH, 200,
     ""},
    {OK200 "Transfer-Encoding: br\r\n\r\n", DS_HTTP_E_TRANSFER_ENCODING,
     DS_HTTP_E_TRANSFER_ENCODING, 200, ""},
    {OK200 "Transfer-Encoding: chunked\r\n\r\nz\r\n", DS_HTTP_E_CHUNK,
     DS_HTTP_E_CHUNK, 200, ""},
    {OK200 " x\r\n\r\n", DS_HTTP_E_HEADER, DS_HTTP_E_HEADER, 200, ""},
    {"HTTP/1.1 999 X\r\n\r\n", DS_HTTP_E_STATUS_LINE, DS_HTTP_E_STATUS_LINE, 0,
     ""},
    {"", DS_HTTP_NEED_MORE, DS_HTTP_E_TRUNCATED, 0, ""},
    {"HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\noops",
     DS_HTTP_NEED_MORE, DS_HTTP_DONE, 500, "oops"},
};

static void test_property_table_same_result_for_every_split(void **state)
{
    size_t k;
    (void)state;
    for (k = 0; k < sizeof table / sizeof table[0]; k++) {
        const outcome_t *o = parse(table[k].in);
        assert_int_equal(o->rc, table[k].rc);
        assert_int_equal(o->fin, table[k].fin);
        assert_int_equal(o->status, table[k].status);
        assert_int_equal(o->body_len, strlen(table[k].body));
        assert_memory_equal(o->body, table[k].body, o->body_len);
    }
}

static void test_property_every_prefix_needs_more_or_agrees(void **state)
{
    /* Any prefix of a valid message is NEED_MORE (never an error), and the
     * whole message is DONE. */
    static const char *const msgs[] = {
        "HTTP/1.1 100 Continue\r\n\r\n" OK200
        "X-Request-Id: r\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;e=1\r\nhello\r\n0\r\nT: v\r\n\r\n",
        OK200 "Content-Length: 4\r\nRetry-After: 7\r\n\r\nbody",
    };
    size_t m, n;
    (void)state;
    for (m = 0; m < sizeof msgs / sizeof msgs[0]; m++) {
        size_t len = strlen(msgs[m]);
        for (n = 0; n < len; n++) {
            ds_http_parser_t p;
            ds_http_init(&p, body_buf, sizeof body_buf);
            assert_int_equal(
                ds_http_feed(&p, (const uint8_t *)msgs[m], n, NULL),
                DS_HTTP_NEED_MORE);
        }
        assert_int_equal(parse(msgs[m])->rc, DS_HTTP_DONE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_line_http11_with_reason),
        cmocka_unit_test(test_status_line_http10_sets_minor_and_default_close),
        cmocka_unit_test(test_status_line_without_reason_phrase),
        cmocka_unit_test(test_status_line_with_empty_reason_phrase),
        cmocka_unit_test(test_status_line_reason_may_hold_spaces_and_tabs),
        cmocka_unit_test(test_status_line_http12_is_read_as_http11),
        cmocka_unit_test(test_status_line_http19_is_read_as_http11),
        cmocka_unit_test(
            test_status_line_http12_follows_http11_connection_close),
        cmocka_unit_test(
            test_status_line_http12_without_length_reads_until_close),
        cmocka_unit_test(test_status_line_rejects_other_versions),
        cmocka_unit_test(test_status_line_rejects_bad_codes),
        cmocka_unit_test(test_status_line_accepts_range_bounds),
        cmocka_unit_test(test_status_line_rejects_101_switching_protocols),
        cmocka_unit_test(test_status_line_rejects_empty_line),
        cmocka_unit_test(test_status_line_rejects_control_characters),
        cmocka_unit_test(test_status_line_rejects_bare_cr),
        cmocka_unit_test(test_skips_100_continue),
        cmocka_unit_test(test_skips_several_interim_responses),
        cmocka_unit_test(test_interim_headers_are_forgotten),
        cmocka_unit_test(test_interim_response_alone_needs_more),
        cmocka_unit_test(test_header_names_are_case_insensitive),
        cmocka_unit_test(test_header_values_trim_optional_whitespace),
        cmocka_unit_test(test_header_empty_value_is_accepted),
        cmocka_unit_test(test_header_unknown_headers_are_ignored),
        cmocka_unit_test(test_header_obs_fold_joins_the_previous_value),
        cmocka_unit_test(test_header_obs_fold_tab_becomes_a_space),
        cmocka_unit_test(test_header_obs_fold_with_bare_lf_line_ends),
        cmocka_unit_test(test_header_obs_fold_several_continuation_lines),
        cmocka_unit_test(test_header_obs_fold_of_an_empty_value),
        cmocka_unit_test(test_header_obs_fold_of_only_whitespace_is_trimmed),
        cmocka_unit_test(test_header_obs_fold_last_header_before_blank_line),
        cmocka_unit_test(test_header_obs_fold_of_an_unknown_header_is_accepted),
        cmocka_unit_test(test_header_obs_fold_as_first_header_line_is_rejected),
        cmocka_unit_test(
            test_header_obs_fold_after_interim_status_line_is_rejected),
        cmocka_unit_test(
            test_header_obs_fold_does_not_continue_across_the_blank_line),
        cmocka_unit_test(test_header_obs_fold_in_content_length_is_rejected),
        cmocka_unit_test(test_header_obs_fold_in_transfer_encoding_is_rejected),
        cmocka_unit_test(test_header_obs_fold_in_connection_is_interpreted),
        cmocka_unit_test(test_header_obs_fold_in_retry_after_is_interpreted),
        cmocka_unit_test(test_header_obs_fold_in_content_type_is_interpreted),
        cmocka_unit_test(test_header_obs_fold_in_date_is_interpreted),
        cmocka_unit_test(test_header_obs_fold_in_interim_response_is_accepted),
        cmocka_unit_test(test_header_obs_fold_continuation_needs_no_colon),
        cmocka_unit_test(
            test_header_obs_fold_control_character_in_continuation_rejected),
        cmocka_unit_test(test_header_malformed_line_before_a_fold_is_rejected),
        cmocka_unit_test(test_header_without_colon_is_rejected),
        cmocka_unit_test(test_header_whitespace_before_colon_is_rejected),
        cmocka_unit_test(test_header_empty_name_is_rejected),
        cmocka_unit_test(test_header_name_must_be_visible_ascii),
        cmocka_unit_test(test_header_control_character_in_value_is_rejected),
        cmocka_unit_test(test_header_obs_text_in_value_is_accepted),
        cmocka_unit_test(test_header_bare_cr_is_rejected),
        cmocka_unit_test(test_request_id_is_copied),
        cmocka_unit_test(test_request_id_is_truncated_to_its_field),
        cmocka_unit_test(test_repeated_request_id_last_wins),
        cmocka_unit_test(test_content_type_is_copied_and_truncated),
        cmocka_unit_test(test_date_is_copied_and_truncated),
        cmocka_unit_test(test_retry_after_delta_seconds),
        cmocka_unit_test(test_retry_after_zero),
        cmocka_unit_test(test_retry_after_largest_value),
        cmocka_unit_test(test_retry_after_http_date_is_ignored),
        cmocka_unit_test(test_retry_after_overflow_is_ignored),
        cmocka_unit_test(test_retry_after_absent),
        cmocka_unit_test(test_connection_close_on_http11),
        cmocka_unit_test(test_connection_keep_alive_on_http10),
        cmocka_unit_test(test_connection_token_list),
        cmocka_unit_test(test_connection_default_keep_alive_on_http11),
        cmocka_unit_test(test_bare_lf_line_endings_are_accepted),
        cmocka_unit_test(test_bare_lf_in_chunked_framing_is_accepted),
        cmocka_unit_test(test_content_length_body_done_at_last_byte),
        cmocka_unit_test(test_content_length_leaves_extra_bytes_unconsumed),
        cmocka_unit_test(test_content_length_zero_is_done_after_headers),
        cmocka_unit_test(test_content_length_identical_duplicates_accepted),
        cmocka_unit_test(test_content_length_conflicting_duplicates_rejected),
        cmocka_unit_test(test_content_length_malformed_values_rejected),
        cmocka_unit_test(test_content_length_overflow_rejected),
        cmocka_unit_test(test_content_length_largest_value_is_too_large_a_body),
        cmocka_unit_test(test_content_length_leading_zeros_accepted),
        cmocka_unit_test(test_content_length_with_chunked_rejected),
        cmocka_unit_test(test_content_length_truncated_body),
        cmocka_unit_test(test_content_length_exactly_at_caller_cap),
        cmocka_unit_test(test_content_length_one_over_caller_cap),
        cmocka_unit_test(test_content_length_exactly_at_body_max),
        cmocka_unit_test(test_content_length_one_over_body_max),
        cmocka_unit_test(test_zero_body_cap_with_null_buffer),
        cmocka_unit_test(test_chunked_body_is_reassembled),
        cmocka_unit_test(
            test_chunked_value_is_case_insensitive_with_whitespace),
        cmocka_unit_test(test_chunked_uppercase_and_padded_hex_sizes),
        cmocka_unit_test(test_chunked_extensions_are_ignored),
        cmocka_unit_test(test_chunked_trailers_are_read_before_done),
        cmocka_unit_test(test_chunked_leaves_extra_bytes_unconsumed),
        cmocka_unit_test(test_chunked_missing_crlf_after_data_rejected),
        cmocka_unit_test(test_chunked_bad_size_lines_rejected),
        cmocka_unit_test(test_chunked_size_with_trailing_whitespace_rejected),
        cmocka_unit_test(test_chunked_extension_with_empty_name_rejected),
        cmocka_unit_test(test_chunked_extension_with_unclosed_quote_rejected),
        cmocka_unit_test(test_chunked_extension_with_empty_value_rejected),
        cmocka_unit_test(test_chunked_extension_name_and_value_must_be_tokens),
        cmocka_unit_test(
            test_chunked_extension_with_trailing_whitespace_rejected),
        cmocka_unit_test(
            test_chunked_extension_junk_after_quoted_value_rejected),
        cmocka_unit_test(test_chunked_extension_bws_around_separators_accepted),
        cmocka_unit_test(
            test_chunked_extension_token_and_quoted_values_accepted),
        cmocka_unit_test(test_chunked_extension_quoted_pair_accepted),
        cmocka_unit_test(test_chunked_several_extensions_accepted),
        cmocka_unit_test(test_chunked_size_overflow_rejected),
        cmocka_unit_test(test_chunked_largest_size_is_too_large_a_body),
        cmocka_unit_test(test_chunked_total_exactly_at_cap),
        cmocka_unit_test(test_chunked_total_one_over_cap),
        cmocka_unit_test(test_chunked_trailer_obs_fold_is_accepted),
        cmocka_unit_test(
            test_chunked_trailer_obs_fold_as_first_trailer_rejected),
        cmocka_unit_test(test_chunked_trailer_without_colon_rejected),
        cmocka_unit_test(test_chunked_truncated_in_every_part),
        cmocka_unit_test(test_transfer_encoding_other_than_chunked_rejected),
        cmocka_unit_test(test_transfer_encoding_chunked_twice_rejected),
        cmocka_unit_test(test_204_has_no_body),
        cmocka_unit_test(test_304_has_no_body_even_with_content_length),
        cmocka_unit_test(test_body_until_close_completes_on_finish),
        cmocka_unit_test(test_body_until_close_may_be_empty),
        cmocka_unit_test(test_body_until_close_exactly_at_cap),
        cmocka_unit_test(test_body_until_close_one_over_cap),
        cmocka_unit_test(test_body_until_close_capped_by_body_max),
        cmocka_unit_test(test_header_line_exactly_at_line_max),
        cmocka_unit_test(test_header_line_one_over_line_max),
        cmocka_unit_test(test_status_line_one_over_line_max),
        cmocka_unit_test(test_chunk_size_line_one_over_line_max),
        cmocka_unit_test(test_headers_exactly_at_headers_max),
        cmocka_unit_test(test_headers_one_over_headers_max),
        cmocka_unit_test(test_header_obs_fold_joined_line_exactly_at_line_max),
        cmocka_unit_test(test_header_obs_fold_joined_line_one_over_line_max),
        cmocka_unit_test(test_header_obs_fold_headers_exactly_at_headers_max),
        cmocka_unit_test(test_header_obs_fold_headers_one_over_headers_max),
        cmocka_unit_test(
            test_header_obs_fold_endless_continuations_hit_line_max),
        cmocka_unit_test(test_headers_max_counts_interim_responses),
        cmocka_unit_test(test_headers_max_counts_trailers),
        cmocka_unit_test(test_capture_streams_a_20000_char_token),
        cmocka_unit_test(test_capture_trims_surrounding_whitespace),
        cmocka_unit_test(test_capture_name_is_case_insensitive),
        cmocka_unit_test(test_capture_value_exactly_fills_buffer),
        cmocka_unit_test(test_capture_value_one_over_buffer),
        cmocka_unit_test(
            test_capture_trailing_whitespace_beyond_buffer_is_trimmed),
        cmocka_unit_test(
            test_capture_inner_whitespace_beyond_buffer_is_too_large),
        cmocka_unit_test(test_capture_zero_capacity_is_too_large),
        cmocka_unit_test(test_capture_empty_value_is_found_and_empty),
        cmocka_unit_test(test_capture_absent_header_leaves_empty_string),
        cmocka_unit_test(test_capture_control_character_rejected),
        cmocka_unit_test(test_capture_bare_cr_rejected),
        cmocka_unit_test(test_capture_bare_lf_ends_value),
        cmocka_unit_test(test_capture_bytes_do_not_count_against_header_limits),
        cmocka_unit_test(test_capture_name_with_nul_does_not_match),
        cmocka_unit_test(test_capture_endless_whitespace_hits_headers_max),
        cmocka_unit_test(test_capture_repeated_header_last_wins),
        cmocka_unit_test(test_capture_in_interim_response_is_forgotten),
        cmocka_unit_test(test_capture_ignores_trailers),
        cmocka_unit_test(
            test_capture_obs_fold_of_the_captured_header_is_rejected),
        cmocka_unit_test(test_capture_after_a_folded_header),
        cmocka_unit_test(
            test_capture_name_in_a_continuation_line_is_not_captured),
        cmocka_unit_test(test_capture_overflow_whitespace_then_content_length),
        cmocka_unit_test(
            test_capture_name_with_space_before_colon_is_malformed),
        cmocka_unit_test(test_on_line_gets_status_and_header_lines_as_received),
        cmocka_unit_test(test_on_line_skips_chunk_lines_trailers_and_body),
        cmocka_unit_test(test_on_line_includes_interim_response_lines),
        cmocka_unit_test(test_on_line_never_sees_the_captured_header),
        cmocka_unit_test(test_on_line_gets_a_folded_header_joined),
        cmocka_unit_test(test_on_line_gets_a_malformed_line_it_held),
        cmocka_unit_test(test_on_line_is_not_called_for_a_line_over_the_limit),
        cmocka_unit_test(
            test_on_line_line_of_exactly_the_limit_is_reported_whole),
        cmocka_unit_test(test_init_clears_on_line),
        cmocka_unit_test(test_feed_after_done_is_a_state_error),
        cmocka_unit_test(test_feed_after_error_repeats_the_error),
        cmocka_unit_test(test_finish_before_any_byte_is_truncated),
        cmocka_unit_test(test_finish_in_headers_is_truncated),
        cmocka_unit_test(test_empty_feed_needs_more),
        cmocka_unit_test(test_init_resets_a_used_parser),
        cmocka_unit_test(test_strerror_names_every_code),
        cmocka_unit_test(test_property_table_same_result_for_every_split),
        cmocka_unit_test(test_property_every_prefix_needs_more_or_agrees),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
