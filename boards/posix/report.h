/*
 * What the CLI prints: the result line (text or JSON) and the -v trace.
 */
#ifndef DS_CLI_REPORT_H
#define DS_CLI_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "deploystop.h"

/* Everything a result line needs besides ds_result_t. */
typedef struct report_ctx {
    const char *task_id;
    const char *record_id;
    const char *detail;   /* transport reason for NETWORK/UNKNOWN, may be "" */
} report_ctx_t;

/* Exit status of an outcome (issue 3): 0, 2..8. */
int report_exit_status(ds_outcome_t outcome);

/* Text mode: success on stdout, anything else on stderr, one line. */
void report_text(const ds_result_t *res, const report_ctx_t *rc);

/* --json: one object on stdout, whatever the outcome. */
void report_json(FILE *out, const ds_result_t *res, const report_ctx_t *rc);

/* Local rejection before anything was sent (exit 2), in the chosen mode. */
void report_invalid(int json, const char *why, const char *task_id,
                    const char *record_id);

/* ds_stop trace callback for -v; ctx is a trace_ctx_t. Writes to stderr.
 * Any line that contains the token is withheld: the core already redacts
 * it, this is the second lock. */
typedef struct trace_ctx {
    const char *token;
    size_t token_len;
} trace_ctx_t;
void report_trace(void *ctx, ds_trace_kind_t kind, const char *data, size_t len);

#endif /* DS_CLI_REPORT_H */
