/*
 * What the CLI prints: the result line (text or JSON) and the -v trace.
 */
#ifndef DS_CLI_REPORT_H
#define DS_CLI_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "deploystop.h"
#include "ds_halt.h"

/* Everything a result line needs besides ds_result_t. */
typedef struct report_ctx {
    const char *task_id;
    const char *record_id;
    const char *detail; /* transport reason for NETWORK/UNKNOWN, may be "" */
    int confirmed;      /* 1 seen ended, 0 not, -1 not waited for */
    const char *state;  /* last state seen, NULL if none */
    uint32_t ended_ms;  /* from the accepted stop to the end seen */
} report_ctx_t;

/* Exit status of an outcome: 0 (STOPPED, NOTHING_RUNNING), 2..8, 9
 * (STILL_RUNNING). */
int report_exit_status(ds_outcome_t outcome);

/* Text mode: success on stdout, anything else on stderr, one line. */
void report_text(const ds_result_t *res, const report_ctx_t *rc);

/* --json: one object on stdout, whatever the outcome. */
void report_json(FILE *out, const ds_result_t *res, const report_ctx_t *rc);

/* Local rejection before anything was sent (exit 2), in the chosen mode. */
void report_invalid(int json, const char *why, const char *task_id,
                    const char *record_id);

/* `deploystop status`: one record's state, or a task with nothing
 * running (a line, or an object with --json). */
void report_state(int json, const char *task_id, const char *record_id,
                  const ds_record_state_t *st);
void report_nothing(int json, const char *task_id);

/* ds_stop trace callback for -v; ctx is a trace_ctx_t. Writes to stderr.
 * Any line that contains the token is withheld: the core already redacts
 * it, this is the second lock. */
typedef struct trace_ctx {
    const char *token;
    size_t token_len;
} trace_ctx_t;
void report_trace(void *ctx, ds_trace_kind_t kind, const char *data,
                  size_t len);

#endif /* DS_CLI_REPORT_H */
