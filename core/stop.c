/*
 * ds_stop: validate, then one exchange (exchange.c) of the stop call. The
 * engine retries only where a retry cannot repeat a stop the server may
 * already have done (nothing was completely sent, or the server said 5xx
 * or 429); this file says what a stop's 2xx answer must hold.
 */
#include <string.h>

#include "deploystop.h"
#include "exchange.h"
#include "json_map.h"
#include "request.h"
#include "stop_aksk.h"

static const ds_json_fields_t k_stop_fields = {0, NULL, 0, NULL,
                                               0, NULL, 0, NULL};

/* A 200 is a stop only with status "success" and our ids echoed. */
static void judge_stop(ds_call_t *c, ds_session_t *s, ds_result_t *res)
{
    ds_reason_t r = ds_echo_refusal(res, c->json);
    (void)s;
    if (r)
        ds_echo_fail(res, r);
}

ds_reason_t ds_check_request(const ds_stop_request_t *req, unsigned need)
{
    if (!req->port || req->retries < 0)
        return DS_R_BAD_ARGUMENT;
    if (!ds_valid_host(req->host))
        return DS_R_BAD_HOST;
    if (!ds_valid_id(req->task_id))
        return DS_R_BAD_TASK_ID;
    if (((need & DS_NEED_RECORD) || req->record_id) &&
        !ds_valid_id(req->record_id))
        return DS_R_BAD_RECORD_ID;
    if ((need & DS_NEED_PROJECT) && !ds_valid_id(req->project_id))
        return DS_R_BAD_PROJECT_ID;
    if (req->auth.kind == DS_AUTH_TOKEN &&
        !ds_valid_token(req->auth.token, req->auth.token_len))
        return DS_R_BAD_TOKEN;
    if (req->auth.kind == DS_AUTH_AKSK)
        return DS_AKSK ? ds_aksk_check(req) : DS_R_BAD_CREDENTIALS;
    return DS_R_NONE;
}

ds_outcome_t ds_stop_in(ds_session_t *s, const ds_stop_request_t *req,
                        ds_result_t *res)
{
    ds_call_t c;
    if (!res)
        return DS_INVALID_INPUT;
    if (ds_call_refused(res, req != NULL, req, DS_NEED_RECORD))
        return DS_INVALID_INPUT;
    ds_call_stop(&c, req);
    c.fields = &k_stop_fields;
    c.judge = judge_stop;
    return ds_exchange(s, &c, res);
}

ds_outcome_t ds_stop(const ds_stop_request_t *req, const ds_transport_t *tr,
                     const ds_platform_t *pf, ds_workspace_t *ws,
                     ds_result_t *res)
{
    ds_session_t s;
    ds_outcome_t o;
    /* Missing hooks: ds_stop_in refuses a NULL request (BAD_ARGUMENT)
     * without touching the session. */
    if (!req || !tr || !pf || !ws || !tr->connect || !tr->send || !tr->recv ||
        !tr->close || !pf->now_ms || !pf->sleep_ms || !req->deadline_ms)
        return ds_stop_in(NULL, NULL, res);
    ds_session_begin(&s, tr, pf, ws, req->deadline_ms);
    o = ds_stop_in(&s, req, res);
    ds_session_end(&s);
    return o;
}
