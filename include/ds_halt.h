/*
 * deploystop: "make sure nothing of task T is deploying, and tell me when it
 * has stopped". Users know a task, not the record id of today's run, and a
 * stop's 200 means accepted, not ended. Two neighbour calls serve the stop:
 *
 *   GET /v2/{project_id}/task/{task_id}/history?page&size&start_date&end_date
 *       finds the records that run now (state running or pending);
 *   GET /v2/tasks/{task_id}/state?record_id={record_id}&step_state=false
 *       tells whether a stopped record has ended.
 *
 * Every call runs on a ds_session_t (deadline, one kept-alive connection);
 * zero-malloc, caller buffers only. Ids taken from an answer are checked
 * (32 letters/digits) before they go into any path.
 */
#ifndef DS_HALT_H
#define DS_HALT_H

#include "deploystop.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Running records one discovery keeps (more are counted, not stopped). */
#ifndef DS_RUNNING_MAX
#define DS_RUNNING_MAX 8u
#endif
#define DS_STEP_MAX 16u
#define DS_TIME_MAX 32u

/* 1 when a record in `state` counts as running: "running" or "pending".
 * The one place that list lives; any other value (documented or not:
 * "abort", "initial", ...) means not running. */
int ds_state_running(const char *state);

/* A record's state (the state call's result). */
typedef struct ds_record_state {
    char status[DS_STATUS_MAX]; /* running, succeeded, failed, abort, ... */
    char step[DS_STEP_MAX];     /* running or finish */
    char start_time[DS_TIME_MAX];
} ds_record_state_t;

/*
 * State of req->record_id of req->task_id. DS_OK only when the answer's
 * status is "success", result.record_id and result.task_id echo ours and
 * result.status is present; a 200 for other ids is DS_UNKNOWN
 * (DS_R_ID_MISMATCH). Other outcomes as ds_stop's.
 */
ds_outcome_t ds_state(ds_session_t *s, const ds_stop_request_t *req,
                      ds_record_state_t *st, ds_result_t *res);

/* What discovery found. */
typedef struct ds_running {
    unsigned count;      /* records kept below */
    unsigned running;    /* running rows seen (may be > count) */
    unsigned rows;       /* rows scanned, all pages */
    unsigned pages;      /* history calls made */
    unsigned long total; /* total_num of the last page */
    char id[DS_RUNNING_MAX][DS_ID_LEN + 1];
    char state[DS_RUNNING_MAX][DS_STATUS_MAX];
    char start_time[DS_RUNNING_MAX][DS_TIME_MAX];
} ds_running_t;

/* History rows asked for per page: as many as the body buffer surely
 * holds (a row is budgeted 512 bytes), 1 to 100. */
#define DS_HISTORY_PAGE                                                        \
    (DS_HTTP_BODY_MAX / 512u < 1u     ? 1u                                     \
     : DS_HTTP_BODY_MAX / 512u > 100u ? 100u                                   \
                                      : DS_HTTP_BODY_MAX / 512u)

/*
 * The running records of req->task_id in project req->project_id: every
 * row of every page (the order of rows is not documented), within the
 * run's deadline. The date window covers the last DS_HISTORY_DAYS (7) days
 * and the next one in UTC, so the last 48 hours of every time zone of the
 * service are in it with days to spare; the dates come from the platform's wall clock, else from a Date
 * header of this run, else one unauthenticated GET / learns it first.
 * DS_OK with run->count 0 means nothing runs. A page larger than the body
 * buffer is DS_UNKNOWN (DS_R_HTTP_TOO_LARGE), a running row whose id is
 * malformed DS_UNKNOWN (DS_R_BAD_ROW): never a silent skip.
 */
ds_outcome_t ds_history(ds_session_t *s, const ds_stop_request_t *req,
                        ds_running_t *run, ds_result_t *res);

/* One record ds_halt dealt with. */
typedef struct ds_halt_record {
    char id[DS_ID_LEN + 1];
    ds_outcome_t outcome; /* DS_STOPPED, DS_NOTHING_RUNNING (ended on
                                * its own: DS_R_ENDED), DS_STILL_RUNNING, or
                                * the failure of the stop or of the wait */
    ds_reason_t reason;
    int accepted;              /* the stop was answered 200 success */
    int confirmed;             /* 1 ended (seen by a state call), 0 not,
                                * -1 not waited for */
    char state[DS_STATUS_MAX]; /* last state seen, "" if none */
    uint32_t ended_ms;         /* from the stop's answer to the state that
                                * showed the end */
    char request_id[DS_REQUEST_ID_MAX]; /* of the stop's answer */
    int attempts;                       /* connections the stop tried */
} ds_halt_record_t;

typedef struct ds_halt {
    ds_outcome_t outcome; /* the task's: see ds_halt */
    unsigned count;
    ds_halt_record_t rec[DS_RUNNING_MAX];
    ds_result_t res;    /* the last call's details (HTTP status,
                                * error code and message, request id) */
    ds_running_t found; /* what discovery found (not with a record) */
} ds_halt_t;

/*
 * Stop whatever runs on req->task_id and, with req->wait_ms, wait until it
 * no longer runs (a state call about once a second, within the run's
 * deadline). With req->record_id set, that record is stopped (as ds_stop);
 * else req->project_id's history finds the running records.
 * A discovered record whose stop is answered "not running" (4xx, or 200
 * with "status":"error") gets one state call: ended means it ended on its
 * own (DS_NOTHING_RUNNING, DS_R_ENDED), running keeps the stop's outcome.
 * out->outcome: DS_NOTHING_RUNNING when nothing ran (or all ended on their
 * own), DS_STOPPED when every record was stopped (and, waiting, seen
 * ended), DS_STILL_RUNNING when one still ran when the wait ran out (or
 * more ran than DS_RUNNING_MAX), else the first record's failure.
 */
ds_outcome_t ds_halt(ds_session_t *s, const ds_stop_request_t *req,
                     ds_halt_t *out);

#ifdef __cplusplus
}
#endif

#endif /* DS_HALT_H */
