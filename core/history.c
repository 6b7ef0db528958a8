/*
 * Discovery: the history call, every row of every page (the order of rows
 * is not documented, so result[0] is never trusted). Rows are read within
 * the body buffer one at a time: the page is scanned in constant memory
 * and each row object is tokenized on its own, so a page needs no more
 * token slots than its largest row.
 */
#include <string.h>

#include "ds_date.h"
#include "ds_halt.h"
#include "exchange.h"
#include "json_map.h"

#define DAY_S ((int64_t)86400)
/* The window: DS_HISTORY_DAYS back and one day ahead of UTC "now". Three
 * days would cover the last 48 hours in every zone (UTC-12 .. UTC+14) with
 * room for a clock some hours off; a week also finds a run stuck for days,
 * which is what a stop button is for, at a few more pages. */
#ifndef DS_HISTORY_DAYS
#define DS_HISTORY_DAYS 7
#endif
#define BACK_S (DS_HISTORY_DAYS * DAY_S)
#define AHEAD_S (1 * DAY_S)
/* Pages asked for at most: far beyond any real window, a bound all the
 * same. */
#define PAGES_MAX 1000u

/* A platform time before this (2020-01-01) is no wall clock: a board
 * without one reports its uptime as a 1970 date for signing, which the
 * server's Date corrects; the history's dates must come from that Date. */
#define SANE_TIME_S 1577836800

int ds_session_time(const ds_session_t *s, const ds_auth_t *auth,
                    int64_t *now_s)
{
    int64_t t;
    if (s->pf->unix_time && s->pf->unix_time(s->pf->ctx, &t) == 0) {
        t += auth && auth->clock_offset_s ? *auth->clock_offset_s : 0;
        if (t >= SANE_TIME_S) {
            *now_s = t;
            return 0;
        }
    }
    if (!s->server_date[0] || ds_date_parse_http(s->server_date, &t))
        return -1;
    *now_s =
        t + (int64_t)((s->pf->now_ms(s->pf->ctx) - s->server_date_at) / 1000u);
    return 0;
}

static void history_path(ds_wr_t *w, const ds_call_t *c)
{
    ds_wr_str(w, "/v2/");
    ds_wr_str(w, c->req->project_id);
    ds_wr_str(w, "/task/");
    ds_wr_str(w, c->req->task_id);
    ds_wr_str(w, "/history");
}

static void history_query(ds_wr_t *w, const ds_call_t *c)
{
    ds_wr_str(w, "page=");
    ds_wr_uint(w, c->page);
    ds_wr_str(w, "&size=");
    ds_wr_uint(w, c->size);
    ds_wr_str(w, "&start_date=");
    ds_wr_str(w, c->start_date);
    ds_wr_str(w, "&end_date=");
    ds_wr_str(w, c->end_date);
}

static void probe_path(ds_wr_t *w, const ds_call_t *c)
{
    (void)c;
    ds_wr_byte(w, '/');
}

/* "YYYY-MM-DD" of Unix time t; 0 or -1. */
static int day(int64_t t, char out[11])
{
    char sdk[DS_SDK_DATE_LEN + 1];
    if (ds_date_sdk(t, sdk, sizeof sdk))
        return -1;
    memcpy(out, sdk, 4);
    out[4] = '-';
    memcpy(out + 5, sdk + 4, 2);
    out[7] = '-';
    memcpy(out + 8, sdk + 6, 2);
    out[10] = 0;
    return 0;
}

/* Learn the server's time with one unauthenticated GET / (any answer of
 * the gateway carries Date); nothing secret is sent. */
static ds_outcome_t probe(ds_session_t *s, const ds_stop_request_t *req,
                          ds_result_t *res)
{
    ds_call_t c;
    ds_call_init(&c, req);
    c.method = "GET";
    c.path = probe_path;
    c.auth = NULL;
    (void)ds_exchange(s, &c, res);
    if (s->server_date[0])
        return DS_OK;
    if (res->outcome == DS_OK || res->http_status) {
        res->outcome = DS_UNKNOWN;
        res->reason = DS_R_NO_CLOCK;
    }
    return res->outcome;
}

static ds_outcome_t window(ds_session_t *s, const ds_stop_request_t *req,
                           ds_call_t *c, ds_result_t *res)
{
    int64_t now;
    if (ds_session_time(s, &req->auth, &now)) {
        ds_outcome_t o = probe(s, req, res);
        if (o == DS_OK && ds_session_time(s, &req->auth, &now)) {
            /* Answered, but with a Date that is no date. */
            res->outcome = o = DS_UNKNOWN;
            res->reason = DS_R_NO_CLOCK;
        }
        if (o != DS_OK)
            return o;
    }
    if (now < BACK_S || day(now - BACK_S, c->start_date) ||
        day(now + AHEAD_S, c->end_date)) {
        memset(res, 0, sizeof *res);
        res->outcome = DS_INVALID_INPUT;
        res->reason = DS_R_NO_CLOCK;
        return DS_INVALID_INPUT;
    }
    return DS_OK;
}

static void keep(ds_running_t *run, char *const *v)
{
    unsigned i = run->count++;
    memcpy(run->id[i], v[0], DS_ID_LEN + 1);
    /* The copies were cut to fit (ds_json_pick): length + NUL fits, and
     * nothing past the NUL is copied. */
    memcpy(run->state[i], v[1], strlen(v[1]) + 1);
    memcpy(run->start_time[i], v[2], strlen(v[2]) + 1);
}

/* One row object js[0..len): DS_R_NONE, or why the page is refused. */
static ds_reason_t row(ds_call_t *c, ds_session_t *s, const char *js,
                       size_t len)
{
    static const char *const keys[3] = {"execution_id", "state", "start_time"};
    ds_running_t *run = c->out;
    char id[DS_ID_LEN + 2], state[DS_STATUS_MAX], start[DS_TIME_MAX];
    char *const v[3] = {id, state, start};
    const size_t caps[3] = {sizeof id, sizeof state, sizeof start};
    if (!ds_json_pick(js, len, s->ws->json, DS_JSON_TOKENS, keys, v, caps, 3))
        return DS_R_JSON_MALFORMED;
    run->rows++;
    if (!ds_state_running(state))
        return DS_R_NONE;
    if (!ds_valid_id(id))
        return DS_R_BAD_ROW;
    if (run->count < DS_RUNNING_MAX)
        keep(run, v);
    run->running++;
    return DS_R_NONE;
}

/* The rows of the "result" array at js[at] (the JSON module walks the
 * array); their count in *n. */
static ds_reason_t rows(ds_call_t *c, ds_session_t *s, const char *js,
                        size_t len, size_t at, unsigned *n)
{
    ds_json_array_t arr;
    size_t start = 0;
    long end;
    ds_json_array_open(&arr, at);
    *n = 0;
    while ((end = ds_json_array_next(js, len, &arr, &start)) > 0) {
        ds_reason_t why = js[start] == '{'
                              ? row(c, s, js + start, (size_t)end - start)
                              : DS_R_JSON_MALFORMED;
        if (why)
            return why;
        ++*n;
    }
    return end < 0 ? DS_R_JSON_MALFORMED : DS_R_NONE;
}

static unsigned long total_num(const char *js, size_t len)
{
    char num[12];
    long at = ds_json_find(js, len, NULL, "total_num");
    unsigned long v = 0;
    const char *p;
    if (at < 0 || ds_json_scalar(js, len, (size_t)at, num, sizeof num))
        return 0;
    for (p = num; *p >= '0' && *p <= '9'; p++)
        v = v * 10u + (unsigned long)(*p - '0');
    return *p ? 0 : v;
}

static void judge_history(ds_call_t *c, ds_session_t *s, ds_result_t *res)
{
    const ds_http_parser_t *p = &s->ws->http;
    long at = ds_json_find(p->body, p->body_len, NULL, "result");
    long whole = ds_json_skip(p->body, p->body_len, 0);
    unsigned n = 0; /* rows of this page */
    ds_reason_t why = DS_R_JSON_MALFORMED;
    if (whole > 0 && at > 0 && p->body[at] == '[')
        why = rows(c, s, p->body, p->body_len, (size_t)at, &n);
    if (why) {
        res->outcome = at < 0 && res->error_code[0] ? DS_REJECTED : DS_UNKNOWN;
        res->reason =
            at < 0 && res->error_code[0] ? DS_R_STATUS_NOT_SUCCESS : why;
        return;
    }
    ((ds_running_t *)c->out)->total = total_num(p->body, p->body_len);
}

ds_outcome_t ds_history(ds_session_t *s, const ds_stop_request_t *req,
                        ds_running_t *run, ds_result_t *res)
{
    ds_call_t c;
    ds_outcome_t o;
    if (!res)
        return DS_INVALID_INPUT;
    if (ds_call_refused(res, s && req && run, req, DS_NEED_PROJECT))
        return DS_INVALID_INPUT;
    memset(run, 0, sizeof *run);
    ds_call_init(&c, req);
    c.method = "GET";
    c.path = history_path;
    c.query = history_query;
    c.judge = judge_history;
    c.out = run;
    c.size = DS_HISTORY_PAGE;
    o = window(s, req, &c, res);
    /* Asked again while the total says more rows exist and pages still
     * bring rows. */
    for (c.page = 1; o == DS_OK && c.page <= PAGES_MAX; c.page++) {
        unsigned before = run->rows;
        o = ds_exchange(s, &c, res);
        run->pages++;
        if (o != DS_OK || run->rows == before || run->rows >= run->total)
            break;
    }
    return o;
}
