/*
 * Shared set-up for ds_state / ds_history / ds_halt tests: the stop
 * fixture plus a session, a project id, a pool of answer buffers and
 * builders for the state and history bodies.
 */
#ifndef HALT_FIXTURE_H
#define HALT_FIXTURE_H

#include <stddef.h>

#include "deploystop.h"
#include "ds_halt.h"
#include "stop_fixture.h"

#define HX_PROJECT "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define HX_REC_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HX_REC_C "cccccccccccccccccccccccccccccccc"
#define HX_REC_D "dddddddddddddddddddddddddddddddd"
#define HX_REC_E "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
#define HX_OTHER_TASK "ffffffffffffffffffffffffffffffff"
#define HX_DATE "Sat, 28 Nov 2026 10:00:00 GMT"
/* 2023-11-14 22:13:20 UTC */
#define HX_UNIX 1700000000

/* A state answer body for record `rec` of task `task` in `st`. */
#define HX_STATE_BODY(st, rec, task)                                           \
    "{\"status\":\"success\",\"result\":{\"status\":\"" st                     \
    "\",\"record_id\":\"" rec "\",\"task_id\":\"" task                         \
    "\",\"step\":\"running\",\"start_time\":\"2026-11-28 10:00:00\","          \
    "\"end_time\":\"\",\"duration\":\"\",\"release_id\":12,"                   \
    "\"operator\":\"dev\"}}"
#define HX_STATE(st) HX_STATE_BODY(st, FX_RECORD, FX_TASK)
#define HX_NOT_RUNNING_BODY                                                    \
    "{\"error_code\":\"Deploy.00011304\",\"error_msg\":\"The deployment "      \
    "record is not running and cannot be stopped (state: succeeded).\"}"

typedef struct hrow {
    const char *id;
    const char *state;
} hrow_t;

/* Clock at 1000 ms, wall clock HX_UNIX, discovery request (record NULL,
 * HX_PROJECT), session begun. */
void hx_init(void);
void hx_end(void);
/* An HTTP/1.1 answer (Content-Length) in a pooled buffer. */
const char *hx_http(int status, const char *headers, const char *body);
/* A history body {"result":[rows],"total_num":total} in a pooled buffer. */
const char *hx_history(unsigned long total, const hrow_t *rows, int n);
/* The same with "total_num" before "result" (member order is free). */
const char *hx_history_total_first(unsigned long total, const hrow_t *rows,
                                   int n);
/* 200 answer holding hx_history(...). */
const char *hx_page(unsigned long total, const hrow_t *rows, int n);
const char *hx_page_total_first(unsigned long total, const hrow_t *rows, int n);
/* Request i as a NUL-terminated copy (pooled). */
const char *hx_req(int i);
/* Requests whose first line starts with `method` + ' '. */
int hx_count_method(const char *method);

extern fixture_t F;
extern ds_session_t S;

#endif /* HALT_FIXTURE_H */
