/*
 * Output of the deploystop CLI. Server-supplied text (error messages,
 * request ids, headers) is escaped before it reaches a terminal or a JSON
 * consumer: a hostile answer must not inject control sequences or break
 * the one-line / one-object promise.
 */
#include <string.h>

#include "report.h"

int report_exit_status(ds_outcome_t outcome)
{
    switch (outcome) {
    case DS_STOPPED:
    case DS_NOTHING_RUNNING: return 0;
    case DS_STILL_RUNNING: return 9;
    case DS_INVALID_INPUT: return 2;
    case DS_AUTH_FAILED: return 3;
    case DS_NOT_FOUND: return 4;
    case DS_REJECTED: return 5;
    case DS_UNAVAILABLE: return 6;
    case DS_NETWORK: return 7;
    default: return 8;
    }
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len, i;
    unsigned long cp;
    if (s[0] < 0x80) {
        return 1;
    } else if ((s[0] & 0xE0) == 0xC0) {
        len = 2;
        cp = s[0] & 0x1Fu;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3;
        cp = s[0] & 0x0Fu;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

/* Text for humans: valid UTF-8 kept, control bytes and broken sequences
 * shown as '?'. */
static void put_text(FILE *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0 || (k == 1 && (p[i] < 0x20 || p[i] == 0x7F))) {
            (void)fputc('?', out);
            i++;
            continue;
        }
        (void)fwrite(p + i, 1, k, out);
        i += k;
    }
}

/* A JSON string (with quotes); invalid UTF-8 becomes U+FFFD. */
static void put_json_string(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    (void)fputc('"', out);
    while (i < n) {
        size_t k = utf8_seq(p + i, n - i);
        unsigned char c = p[i];
        if (k == 0) {
            (void)fputs("\\ufffd", out);
            i++;
            continue;
        }
        if (k > 1) {
            (void)fwrite(p + i, 1, k, out);
            i += k;
            continue;
        }
        switch (c) {
        case '"': (void)fputs("\\\"", out); break;
        case '\\': (void)fputs("\\\\", out); break;
        case '\b': (void)fputs("\\b", out); break;
        case '\f': (void)fputs("\\f", out); break;
        case '\n': (void)fputs("\\n", out); break;
        case '\r': (void)fputs("\\r", out); break;
        case '\t': (void)fputs("\\t", out); break;
        default:
            if (c < 0x20 || c == 0x7F) {
                (void)fprintf(out, "\\u%04x", (unsigned)c);
            } else {
                (void)fputc(c, out);
            }
        }
        i++;
    }
    (void)fputc('"', out);
}

static void put_json_string_or_null(FILE *out, const char *s)
{
    if (s == NULL || s[0] == '\0') {
        (void)fputs("null", out);
    } else {
        put_json_string(out, s);
    }
}

static int wants_detail(ds_outcome_t outcome)
{
    return outcome == DS_NETWORK || outcome == DS_UNKNOWN;
}

void report_text(const ds_result_t *res, const report_ctx_t *rc)
{
    FILE *err = stderr;
    if (res->outcome == DS_NOTHING_RUNNING) {
        (void)fprintf(stdout, "nothing running on task %s\n", rc->task_id);
        (void)fflush(stdout);
        return;
    }
    if (res->outcome == DS_STOPPED) {
        (void)fprintf(stdout, "stopped record %s of task %s", rc->record_id,
                      rc->task_id);
        if (res->request_id[0] != '\0') {
            (void)fputs(" (request_id ", stdout);
            put_text(stdout, res->request_id, strlen(res->request_id));
            (void)fputc(')', stdout);
        }
        if (rc->confirmed == 1 && rc->state != NULL) {
            (void)fputs(", ended (state ", stdout);
            put_text(stdout, rc->state, strlen(rc->state));
            (void)fprintf(stdout, " after %lu.%lu s)",
                          (unsigned long)(rc->ended_ms / 1000u),
                          (unsigned long)(rc->ended_ms % 1000u / 100u));
        }
        (void)fputc('\n', stdout);
        (void)fflush(stdout);
        return;
    }
    (void)fprintf(err, "deploystop: %s (%s): http_status=%d error_code=",
                  ds_outcome_name(res->outcome), ds_reason_text(res->reason),
                  res->http_status);
    if (res->error_code[0] != '\0') {
        put_text(err, res->error_code, strlen(res->error_code));
    } else {
        (void)fputc('-', err);
    }
    (void)fputs(" error_msg=\"", err);
    put_text(err, res->error_msg, strlen(res->error_msg));
    (void)fputs("\" request_id=", err);
    if (res->request_id[0] != '\0') {
        put_text(err, res->request_id, strlen(res->request_id));
    } else {
        (void)fputc('-', err);
    }
    if (wants_detail(res->outcome) && rc->detail != NULL &&
        rc->detail[0] != '\0') {
        (void)fputs(" detail=\"", err);
        put_text(err, rc->detail, strlen(rc->detail));
        (void)fputc('"', err);
    }
    (void)fputc('\n', err);
}

void report_json(FILE *out, const ds_result_t *res, const report_ctx_t *rc)
{
    (void)fputs("{\"outcome\":", out);
    put_json_string(out, ds_outcome_name(res->outcome));
    (void)fputs(",\"reason\":", out);
    put_json_string(out, ds_reason_text(res->reason));
    (void)fprintf(out, ",\"http_status\":%d,\"error_code\":", res->http_status);
    put_json_string_or_null(out, res->error_code);
    (void)fputs(",\"error_msg\":", out);
    put_json_string_or_null(out, res->error_msg);
    (void)fputs(",\"request_id\":", out);
    put_json_string_or_null(out, res->request_id);
    (void)fputs(",\"task_id\":", out);
    put_json_string(out, rc->task_id);
    (void)fputs(",\"record_id\":", out);
    put_json_string_or_null(out, rc->record_id);
    (void)fprintf(out, ",\"attempts\":%d,\"detail\":", res->attempts);
    put_json_string_or_null(out,
                            wants_detail(res->outcome) ? rc->detail : NULL);
    (void)fprintf(out, ",\"confirmed\":%s,\"state\":",
                  rc->confirmed < 0 ? "null"
                  : rc->confirmed   ? "true"
                                    : "false");
    put_json_string_or_null(out, rc->state);
    (void)fputs("}\n", out);
    (void)fflush(out);
}

void report_invalid(int json, const char *why, const char *task_id,
                    const char *record_id)
{
    if (json) {
        (void)fputs("{\"outcome\":\"INVALID_INPUT\",\"reason\":", stdout);
        put_json_string(stdout, why);
        (void)fputs(",\"http_status\":0,\"error_code\":null,\"error_msg\":null,"
                    "\"request_id\":null,\"task_id\":",
                    stdout);
        put_json_string_or_null(stdout, task_id);
        (void)fputs(",\"record_id\":", stdout);
        put_json_string_or_null(stdout, record_id);
        (void)fputs(",\"attempts\":0,\"detail\":null,\"confirmed\":null,"
                    "\"state\":null}\n",
                    stdout);
        (void)fflush(stdout);
    }
    (void)fprintf(stderr, "deploystop: INVALID_INPUT: ");
    put_text(stderr, why, strlen(why));
    (void)fputc('\n', stderr);
}

static int contains(const char *hay, size_t hay_len, const char *needle,
                    size_t needle_len)
{
    size_t i;
    if (needle == NULL || needle_len == 0 || needle_len > hay_len) {
        return 0;
    }
    for (i = 0; i + needle_len <= hay_len; i++) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, needle_len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Print `data` line by line (split at CR/LF) with a prefix. */
static void trace_lines(const char *prefix, const char *data, size_t len)
{
    size_t start = 0, i;
    for (i = 0; i <= len; i++) {
        if (i == len || data[i] == '\n' || data[i] == '\r') {
            if (i > start) {
                (void)fputs(prefix, stderr);
                put_text(stderr, data + start, i - start);
                (void)fputc('\n', stderr);
            }
            start = i + 1;
        }
    }
}

void report_trace(void *ctx, ds_trace_kind_t kind, const char *data, size_t len)
{
    const trace_ctx_t *tc = ctx;
    if (data == NULL) {
        return;
    }
    if (tc != NULL && contains(data, len, tc->token, tc->token_len)) {
        (void)fputs("deploystop: [trace withheld: it contained the token]\n",
                    stderr);
        return;
    }
    switch (kind) {
    case DS_TRACE_REQUEST_HEAD: trace_lines("> ", data, len); break;
    case DS_TRACE_RESPONSE_LINE: trace_lines("< ", data, len); break;
    default: trace_lines("* ", data, len); break;
    }
    (void)fflush(stderr);
}

void report_state(int json, const char *task_id, const char *record_id,
                  const ds_record_state_t *st)
{
    if (json) {
        (void)fputs("{\"task_id\":", stdout);
        put_json_string(stdout, task_id);
        (void)fputs(",\"record_id\":", stdout);
        put_json_string(stdout, record_id);
        (void)fputs(",\"state\":", stdout);
        put_json_string_or_null(stdout, st->status);
        (void)fputs(",\"step\":", stdout);
        put_json_string_or_null(stdout, st->step);
        (void)fputs(",\"start_time\":", stdout);
        put_json_string_or_null(stdout, st->start_time);
        (void)fputs("}\n", stdout);
    } else {
        (void)fprintf(stdout, "record %s of task %s: ", record_id, task_id);
        put_text(stdout, st->status, strlen(st->status));
        (void)fputs(" (step ", stdout);
        put_text(stdout, st->step[0] ? st->step : "-",
                 st->step[0] ? strlen(st->step) : 1);
        (void)fputs(", started ", stdout);
        put_text(stdout, st->start_time[0] ? st->start_time : "-",
                 st->start_time[0] ? strlen(st->start_time) : 1);
        (void)fputs(")\n", stdout);
    }
    (void)fflush(stdout);
}

void report_nothing(int json, const char *task_id)
{
    if (json) {
        (void)fputs("{\"task_id\":", stdout);
        put_json_string(stdout, task_id);
        (void)fputs(",\"record_id\":null,\"state\":null,\"step\":null,"
                    "\"start_time\":null}\n",
                    stdout);
    } else {
        (void)fprintf(stdout, "nothing running on task %s\n", task_id);
    }
    (void)fflush(stdout);
}
