/*
 * Command line of the deploystop tool (see usage_text in cli_args.c).
 */
#ifndef DS_CLI_ARGS_H
#define DS_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

typedef enum cli_action {
    CLI_STOP = 0,
    CLI_STATUS,
    CLI_HELP,
    CLI_VERSION,
    CLI_USAGE_ERROR
} cli_action_t;

/* --task may be given this many times (all on one connection). */
#define CLI_TASKS_MAX 16

typedef struct cli_opts {
    const char *endpoint;   /* https://HOST[:PORT] */
    const char *region;     /* or a region name, mapped by endpoint.c */
    const char *task;       /* the first --task */
    const char *tasks[CLI_TASKS_MAX];
    int ntasks;
    const char *record;
    const char *project;    /* --project: find the running records */
    uint32_t wait_ms;       /* --wait; 0: do not wait */
    const char *token_file; /* NULL: DEPLOYSTOP_TOKEN */
    const char *credentials_file; /* AK/SK; NULL: DEPLOYSTOP_AK/_SK */
    const char *ca_file;    /* NULL: the system bundle */
    uint32_t timeout_ms;
    int retries;
    int json;
    int verbose;
} cli_opts_t;

/* Parse argv. On CLI_USAGE_ERROR, `err` holds a one-line reason. */
cli_action_t cli_parse(int argc, char **argv, cli_opts_t *opts, char *err,
                       size_t err_cap);

/* Parse "SECONDS" (digits, optionally '.' and up to 3 decimals) into
 * milliseconds, 1 ms .. 24 h. Returns 0 on success. */
int cli_parse_seconds(const char *text, uint32_t *ms);

extern const char cli_usage_text[];

#endif /* DS_CLI_ARGS_H */
