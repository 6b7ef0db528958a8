/*
 * ds_halt: discover, stop, confirm (see ds_halt.h). Every call goes through
 * the same session, so the whole task costs one connection when the server
 * keeps it alive.
 */
#include <string.h>

#include "ds_halt.h"
#include "exchange.h"

/* About once a second, as the state call is cheap but not free. */
#define POLL_MS 1000u

typedef struct halt {
    ds_session_t *s;
    ds_stop_request_t r; /* the caller's, with the record in hand */
    ds_halt_t *out;
} halt_t;

static uint32_t elapsed(const ds_session_t *s, uint32_t since)
{
    return s->pf->now_ms(s->pf->ctx) - since;
}

/* One state call; 1 running, 0 ended, -1 failed (rec holds why). */
static int running(halt_t *h, ds_halt_record_t *rec)
{
    ds_record_state_t st;
    if (ds_state(h->s, &h->r, &st, &h->out->res) != DS_OK)
        return -1;
    memcpy(rec->state, st.status, sizeof rec->state);
    return ds_state_running(st.status);
}

/* Poll until the record ends, the wait or the run's deadline is over. */
static void wait_end(halt_t *h, ds_halt_record_t *rec, uint32_t accepted)
{
    for (;;) {
        uint32_t left, waited;
        int r = running(h, rec);
        if (r <= 0) {
            rec->confirmed = !r;
            rec->ended_ms = elapsed(h->s, accepted);
            if (r < 0) {
                rec->outcome = h->out->res.outcome;
                rec->reason = h->out->res.reason;
            }
            return;
        }
        waited = elapsed(h->s, accepted);
        left = ds_session_left(h->s);
        if (waited + POLL_MS > h->r.wait_ms || left <= POLL_MS) {
            rec->confirmed = 0;
            rec->outcome = DS_STILL_RUNNING;
            rec->reason = DS_R_WAIT_OVER;
            return;
        }
        h->s->pf->sleep_ms(h->s->pf->ctx, POLL_MS);
    }
}

/* A discovered record answered "not running": did it end on its own? */
static void settle_refusal(halt_t *h, ds_halt_record_t *rec)
{
    ds_result_t stop = h->out->res;
    if (running(h, rec) == 0) {
        rec->outcome = DS_NOTHING_RUNNING;
        rec->reason = DS_R_ENDED;
        return;
    }
    h->out->res = stop; /* the stop's own outcome stands */
}

static void stop_one(halt_t *h, ds_halt_record_t *rec, int discovered)
{
    ds_result_t *res = &h->out->res;
    uint32_t t;
    h->r.record_id = rec->id;
    rec->confirmed = -1;
    rec->outcome = ds_stop_in(h->s, &h->r, res);
    rec->reason = res->reason;
    rec->attempts = res->attempts;
    memcpy(rec->request_id, res->request_id, sizeof rec->request_id);
    if (discovered &&
        (rec->outcome == DS_REJECTED || rec->outcome == DS_NOT_FOUND)) {
        settle_refusal(h, rec);
        return;
    }
    if (rec->outcome != DS_STOPPED)
        return;
    rec->accepted = 1;
    t = h->s->pf->now_ms(h->s->pf->ctx);
    if (h->r.wait_ms)
        wait_end(h, rec, t);
}

/* The task's outcome from its records' (see ds_halt.h). */
static ds_outcome_t overall(const ds_halt_t *out, int overflow)
{
    unsigned i, stopped = 0;
    for (i = 0; i < out->count; i++) {
        ds_outcome_t o = out->rec[i].outcome;
        if (o != DS_STOPPED && o != DS_NOTHING_RUNNING)
            return o;
        stopped += o == DS_STOPPED;
    }
    if (overflow)
        return DS_STILL_RUNNING;
    return stopped ? DS_STOPPED : DS_NOTHING_RUNNING;
}

static ds_outcome_t discover(halt_t *h, int *overflow)
{
    ds_running_t *run = &h->out->found;
    unsigned i;
    ds_outcome_t o = ds_history(h->s, &h->r, run, &h->out->res);
    if (o != DS_OK)
        return o;
    for (i = 0; i < run->count; i++)
        memcpy(h->out->rec[i].id, run->id[i], sizeof run->id[i]);
    h->out->count = run->count;
    *overflow = run->running > run->count;
    return DS_OK;
}

ds_outcome_t ds_halt(ds_session_t *s, const ds_stop_request_t *req,
                     ds_halt_t *out)
{
    halt_t h;
    ds_reason_t why;
    int overflow = 0;
    unsigned i;
    if (!out)
        return DS_INVALID_INPUT;
    memset(out, 0, sizeof *out);
    why = !s || !req ? DS_R_BAD_ARGUMENT
                     : ds_check_request(req, req->record_id ? DS_NEED_RECORD
                                                            : DS_NEED_PROJECT);
    if (why) {
        out->res.outcome = out->outcome = DS_INVALID_INPUT;
        out->res.reason = why;
        return DS_INVALID_INPUT;
    }
    h.s = s;
    h.r = *req;
    h.out = out;
    if (req->record_id) {
        memcpy(out->rec[0].id, req->record_id, DS_ID_LEN + 1);
        out->count = 1;
    } else if ((out->outcome = discover(&h, &overflow)) != DS_OK) {
        return out->outcome;
    }
    for (i = 0; i < out->count; i++)
        stop_one(&h, &out->rec[i], !req->record_id);
    out->outcome = overall(out, overflow);
    return out->outcome;
}
