/*
 * The state call: GET /v2/tasks/T/state?record_id=R&step_state=false (the
 * record id always: without it the service answers undocumented shapes;
 * step_state=false keeps the answer to a few hundred bytes).
 */
#include <string.h>

#include "ds_halt.h"
#include "exchange.h"
#include "json_map.h"

int ds_state_running(const char *state)
{
    return !strcmp(state, "running") || !strcmp(state, "pending");
}

static void state_path(ds_wr_t *w, const ds_call_t *c)
{
    ds_wr_str(w, "/v2/tasks/");
    ds_wr_str(w, c->req->task_id);
    ds_wr_str(w, "/state");
}

static void state_query(ds_wr_t *w, const ds_call_t *c)
{
    ds_wr_str(w, "record_id=");
    ds_wr_str(w, c->req->record_id);
    ds_wr_str(w, "&step_state=false");
}

/* Accepted only as a stop's answer is (status "success", our record and
 * task echoed), and with the record's state in it. */
static void judge_state(ds_call_t *c, ds_session_t *s, ds_result_t *res)
{
    const ds_record_state_t *st = c->out;
    ds_reason_t r = ds_echo_refusal(res, c->json);
    (void)s;
    if (!r && !st->status[0])
        r = DS_R_JSON_MALFORMED;
    if (r)
        ds_echo_fail(res, r);
}

ds_outcome_t ds_state(ds_session_t *s, const ds_stop_request_t *req,
                      ds_record_state_t *st, ds_result_t *res)
{
    ds_json_fields_t f;
    ds_call_t c;
    if (!res)
        return DS_INVALID_INPUT;
    if (ds_call_refused(res, s && req && st, req, DS_NEED_RECORD))
        return DS_INVALID_INPUT;
    memset(st, 0, sizeof *st);
    memset(&f, 0, sizeof f);
    f.record_key = 1;
    f.take = ds_json_take_fields;
    f.status = st->status;
    f.status_cap = sizeof st->status;
    f.step = st->step;
    f.step_cap = sizeof st->step;
    f.start_time = st->start_time;
    f.start_cap = sizeof st->start_time;
    ds_call_init(&c, req);
    c.method = "GET";
    c.path = state_path;
    c.query = state_query;
    c.fields = &f;
    c.judge = judge_state;
    c.out = st;
    return ds_exchange(s, &c, res);
}
