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
    const char *endpoint; /* https://HOST[:PORT] */
    const char *region;   /* or a region name, mapped by endpoint.c */
    const char *task;     /* the first --task */
    const char *tasks[CLI_TASKS_MAX];
    int ntasks;
    const char *record;
    const char *project;          /* --project: find the running records */
    uint32_t wait_ms;             /* --wait; 0: do not wait */
    const char *token_file;       /* NULL: DEPLOYSTOP_TOKEN */
    const char *credentials_file; /* AK/SK; NULL: DEPLOYSTOP_AK/_SK */
    const char *ca_file;          /* NULL: the system bundle */
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

/*
 * The one option scanner of every subcommand (stop, status, token):
 * "--opt VALUE" and "--opt=VALUE", flags, --help/-h anywhere, an unknown
 * option, a missing value or a repeated option (unless marked repeatable)
 * is an error with a one-line reason in `err`.
 */
typedef struct cli_spec {
    const char *const *names; /* options that take a value */
    int count;                /* at most 32 */
    const char *const *flags; /* options that take none */
    int nflags;
    unsigned repeatable; /* bit i: names[i] may be given again */
} cli_spec_t;

#define CLI_SCAN_HELP 1
#define CLI_SCAN_ERROR (-1)
#define CLI_SCAN_UNKNOWN (-1000)

/* Called for each option in order: opt >= 0 is names[opt] with its value,
 * opt < 0 is flags[-1 - opt] (value NULL). Returns 0, or -1 with `err`
 * set. */
typedef int (*cli_on_opt_fn)(void *ctx, int opt, const char *value, char *err,
                             size_t err_cap);

/* Scan argv[first..argc). Returns 0, CLI_SCAN_HELP or CLI_SCAN_ERROR. */
int cli_scan(int argc, char **argv, int first, const cli_spec_t *spec,
             cli_on_opt_fn on, void *ctx, char *err, size_t err_cap);
/* Index of `arg` in spec (see cli_on_opt_fn), or CLI_SCAN_UNKNOWN. */
int cli_spec_find(const cli_spec_t *spec, const char *arg);

#endif /* DS_CLI_ARGS_H */
