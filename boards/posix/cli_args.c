/*
 * Option parsing for `deploystop stop ...`. Hand-written rather than
 * getopt_long so that the accepted forms (--opt VALUE and --opt=VALUE) and
 * every error message are the same on every libc.
 */
#include <stdio.h>
#include <string.h>

#include "cli_args.h"
#include "deploystop.h"

const char cli_usage_text[] =
    "Usage:\n"
    "  deploystop stop   (--endpoint https://HOST[:PORT] | --region REGION)\n"
    "                    --task TASK_ID [--task TASK_ID2 ...]\n"
    "                    (--record RECORD_ID | --project PROJECT_ID) [--wait SECONDS]\n"
    "                    [--token-file FILE]   (else the DEPLOYSTOP_TOKEN environment variable)\n"
    "                    [--credentials FILE]  (AK/SK; else DEPLOYSTOP_AK + DEPLOYSTOP_SK)\n"
    "                    [--ca-file PEM] [--timeout SECONDS (overall, default 30)]\n"
    "                    [--retries N (default 2)] [--json] [-v]\n"
    "  deploystop status (--endpoint URL | --region REGION) --task TASK_ID\n"
    "                    (--record RECORD_ID | --project PROJECT_ID) [same options]\n"
    "  deploystop token --iam-endpoint URL --user U --domain D --project REGION\n"
    "                   (--out FILE | --print)   (see deploystop token --help)\n"
    "  deploystop --help | --version\n"
    "\n"
    "Stops a running Huawei Cloud CodeArts Deploy deployment:\n"
    "  PUT /v2/tasks/TASK_ID/records/RECORD_ID/stop over HTTPS. With --project the\n"
    "  task's history finds the running records (state running or pending) and each\n"
    "  is stopped; with --wait the state call confirms that it has ended. Every call\n"
    "  of a run shares one connection.\n"
    "\n"
    "Options:\n"
    "  --endpoint URL     https://HOST[:PORT] of the Deploy API (http:// is refused)\n"
    "  --region REGION    cn-north-4, cn-north-1, cn-east-2, cn-east-3, cn-south-1,\n"
    "                     ap-southeast-3, la-north-2, sa-brazil-1, tr-west-1, eu-west-101\n"
    "  --task ID          deployment task id (32 letters and digits); up to 16 with\n"
    "                     --project, handled in the order given\n"
    "  --record ID        deployment record (execution) id (32 letters and digits);\n"
    "                     with exactly one --task\n"
    "  --project ID       CodeArts project id (32 letters and digits): stop whatever\n"
    "                     runs on each task\n"
    "  --wait SECONDS     after an accepted stop, poll the record's state about once\n"
    "                     a second for up to SECONDS until it no longer runs\n"
    "                     (default 0: do not wait; --timeout bounds it too)\n"
    "  --token-file FILE  IAM token (X-Auth-Token), one line; keep it mode 600\n"
    "  --credentials FILE AK/SK signing (SDK-HMAC-SHA256): the console's credentials.csv\n"
    "                     or \"ak = ...\" / \"sk = ...\" lines; keep it mode 600. AK/SK\n"
    "                     from DEPLOYSTOP_AK and DEPLOYSTOP_SK apply unless a token file\n"
    "                     is given; the SK never leaves the process, only signatures do\n"
    "  --ca-file PEM      trusted CA certificates (default: the system bundle)\n"
    "  --timeout SECONDS  overall deadline for every attempt together (default 30)\n"
    "  --retries N        extra attempts on network errors, 5xx and 429 (default 2, max 10)\n"
    "  --json             print one JSON object on stdout instead of the text line\n"
    "  -v, --verbose      show request and response headers on stderr (token redacted)\n"
    "\n"
    "Exit status:\n"
    "  0 every task stopped (confirmed, with --wait) or had nothing running\n"
    "  2 usage or invalid input (nothing sent)   3 authentication or permission\n"
    "  (401/403)   4 not found (404)   5 rejected (other 4xx, or 200 whose status is\n"
    "  not success)   6 unavailable after retries (5xx/429)   7 network or TLS failure\n"
    "  before the request was sent   8 request sent but outcome unknown   9 stop\n"
    "  accepted but the record still ran when --wait ran out. Several tasks: the code\n"
    "  of the first task, in the order given, that did not end in 0\n";

int cli_parse_seconds(const char *text, uint32_t *ms)
{
    uint64_t whole = 0, frac = 0;
    const char *p = text;

    if (*p < '0' || *p > '9') {
        return -1;
    }
    while (*p >= '0' && *p <= '9') {
        whole = whole * 10u + (uint64_t)(*p - '0');
        if (whole > 86400u) {
            return -1;
        }
        p++;
    }
    if (*p == '.') {
        unsigned frac_digits = 0;
        p++;
        while (*p >= '0' && *p <= '9') {
            if (++frac_digits > 3) {
                return -1;
            }
            frac = frac * 10u + (uint64_t)(*p - '0');
            p++;
        }
        if (frac_digits == 0) {
            return -1;
        }
        while (frac_digits++ < 3) {
            frac *= 10u;
        }
    }
    if (*p != '\0') {
        return -1;
    }
    whole = whole * 1000u + frac;
    if (whole == 0 || whole > 86400000u) {
        return -1;
    }
    *ms = (uint32_t)whole;
    return 0;
}

static int parse_retries(const char *text, int *out)
{
    int v = 0;
    if (*text == '\0') {
        return -1;
    }
    for (; *text != '\0'; text++) {
        if (*text < '0' || *text > '9') {
            return -1;
        }
        v = v * 10 + (*text - '0');
        if (v > 10) {
            return -1;
        }
    }
    *out = v;
    return 0;
}

int cli_scan(int argc, char **argv, int first, const cli_spec_t *spec,
             cli_on_opt_fn on, void *ctx, char *err, size_t err_cap)
{
    int i, seen[32] = {0};
    for (i = first; i < argc; i++) {
        const char *arg = argv[i], *value = NULL;
        int opt = cli_spec_find(spec, arg), rc;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            return CLI_SCAN_HELP;
        }
        if (opt == CLI_SCAN_UNKNOWN) {
            (void)snprintf(err, err_cap, "unknown option '%.40s'", arg);
            return CLI_SCAN_ERROR;
        }
        if (opt >= 0) {
            size_t n = strlen(spec->names[opt]);
            value = arg[n] == '='  ? arg + n + 1
                    : i + 1 < argc ? argv[++i]
                                   : NULL;
            if (value == NULL) {
                (void)snprintf(err, err_cap, "%s needs a value",
                               spec->names[opt]);
                return CLI_SCAN_ERROR;
            }
            if (seen[opt]++ && !(spec->repeatable & (1u << opt))) {
                (void)snprintf(err, err_cap, "%s given twice",
                               spec->names[opt]);
                return CLI_SCAN_ERROR;
            }
        }
        rc = on(ctx, opt, value, err, err_cap);
        if (rc != 0) {
            return CLI_SCAN_ERROR;
        }
    }
    return 0;
}

int cli_spec_find(const cli_spec_t *spec, const char *arg)
{
    int i;
    for (i = 0; i < spec->nflags; i++) {
        if (strcmp(arg, spec->flags[i]) == 0) {
            return -1 - i;
        }
    }
    for (i = 0; i < spec->count; i++) {
        size_t n = strlen(spec->names[i]);
        if (strncmp(arg, spec->names[i], n) == 0 &&
            (arg[n] == '\0' || arg[n] == '=')) {
            return i;
        }
    }
    return CLI_SCAN_UNKNOWN;
}

/* `stop` and `status`: options that take a value, and the flags. */
enum {
    OPT_ENDPOINT,
    OPT_REGION,
    OPT_TASK,
    OPT_RECORD,
    OPT_TOKEN_FILE,
    OPT_CA_FILE,
    OPT_TIMEOUT,
    OPT_RETRIES,
    OPT_CREDENTIALS,
    OPT_PROJECT,
    OPT_WAIT,
    OPT_COUNT
};
static const char *const value_opts[OPT_COUNT] = {
    "--endpoint",    "--region",  "--task",    "--record",
    "--token-file",  "--ca-file", "--timeout", "--retries",
    "--credentials", "--project", "--wait"};
static const char *const flag_opts[] = {"--json", "-v", "--verbose"};
static const cli_spec_t stop_spec = {value_opts, OPT_COUNT, flag_opts, 3,
                                     1u << OPT_TASK};

typedef struct stop_scan {
    cli_opts_t *o;
    const char *v[OPT_COUNT];
} stop_scan_t;

static int on_stop_opt(void *ctx, int opt, const char *value, char *err,
                       size_t err_cap)
{
    stop_scan_t *st = ctx;
    cli_opts_t *o = st->o;
    if (opt == -1) {
        o->json = 1;
    } else if (opt < -1) {
        o->verbose = 1;
    } else if (opt == OPT_TASK && o->ntasks == CLI_TASKS_MAX) {
        (void)snprintf(err, err_cap, "at most %d --task", CLI_TASKS_MAX);
        return -1;
    } else if (opt == OPT_TASK) {
        o->tasks[o->ntasks++] = value;
    } else {
        st->v[opt] = value;
    }
    return 0;
}

/* The numbers among the values, each with its own message. */
static int stop_numbers(stop_scan_t *st, char *err, size_t err_cap)
{
    cli_opts_t *o = st->o;
    const char *why = NULL;
    if (st->v[OPT_TIMEOUT] &&
        cli_parse_seconds(st->v[OPT_TIMEOUT], &o->timeout_ms) != 0)
        why = "--timeout wants seconds between 0.001 and 86400";
    else if (st->v[OPT_RETRIES] &&
             parse_retries(st->v[OPT_RETRIES], &o->retries) != 0)
        why = "--retries wants a number from 0 to 10";
    else if (st->v[OPT_WAIT] && strcmp(st->v[OPT_WAIT], "0") != 0 &&
             cli_parse_seconds(st->v[OPT_WAIT], &o->wait_ms) != 0)
        why = "--wait wants seconds between 0 and 86400";
    if (why != NULL) {
        (void)snprintf(err, err_cap, "%s", why);
        return -1;
    }
    return 0;
}

/* Where the run goes and which credential it uses. */
static int check_sources(const cli_opts_t *o, char *err, size_t err_cap)
{
    if ((o->endpoint == NULL) == (o->region == NULL)) {
        (void)snprintf(err, err_cap,
                       "give exactly one of --endpoint and --region");
        return -1;
    }
    if (o->token_file != NULL && o->credentials_file != NULL) {
        (void)snprintf(err, err_cap,
                       "give at most one of --token-file and --credentials");
        return -1;
    }
    return 0;
}

/* Which tasks and records a command names: the rules of the usage. */
static cli_action_t check_targets(const cli_opts_t *o, int status, char *err,
                                  size_t err_cap)
{
    const char *why = NULL;
    if (o->ntasks == 0)
        why = "--task is required";
    else if ((o->record == NULL) == (o->project == NULL))
        why = "give exactly one of --record and --project";
    else if (o->record != NULL && o->ntasks > 1)
        why = "--record takes exactly one --task";
    else if (status && o->ntasks > 1)
        why = "status takes exactly one --task";
    else if (status && o->wait_ms)
        why = "--wait is for stop";
    if (why != NULL) {
        (void)snprintf(err, err_cap, "%s", why);
        return CLI_USAGE_ERROR;
    }
    return status ? CLI_STATUS : CLI_STOP;
}

cli_action_t cli_parse(int argc, char **argv, cli_opts_t *o, char *err,
                       size_t err_cap)
{
    stop_scan_t st;
    int rc;

    memset(o, 0, sizeof *o);
    memset(&st, 0, sizeof st);
    st.o = o;
    o->timeout_ms = DS_DEFAULT_DEADLINE_MS;
    o->retries = DS_DEFAULT_RETRIES;
    err[0] = '\0';

    if (argc < 2) {
        (void)snprintf(err, err_cap,
                       "missing command (try: deploystop --help)");
        return CLI_USAGE_ERROR;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        return CLI_HELP;
    }
    if (strcmp(argv[1], "--version") == 0) {
        return CLI_VERSION;
    }
    if (strcmp(argv[1], "stop") != 0 && strcmp(argv[1], "status") != 0) {
        (void)snprintf(err, err_cap,
                       "unknown command '%.40s' (try: deploystop --help)",
                       argv[1]);
        return CLI_USAGE_ERROR;
    }
    rc = cli_scan(argc, argv, 2, &stop_spec, on_stop_opt, &st, err, err_cap);
    if (rc == CLI_SCAN_HELP) {
        return CLI_HELP;
    }
    if (rc != 0 || stop_numbers(&st, err, err_cap) != 0) {
        return CLI_USAGE_ERROR;
    }
    o->endpoint = st.v[OPT_ENDPOINT];
    o->region = st.v[OPT_REGION];
    o->record = st.v[OPT_RECORD];
    o->token_file = st.v[OPT_TOKEN_FILE];
    o->ca_file = st.v[OPT_CA_FILE];
    o->credentials_file = st.v[OPT_CREDENTIALS];
    o->project = st.v[OPT_PROJECT];
    o->task = o->tasks[0];
    return check_sources(o, err, err_cap)
               ? CLI_USAGE_ERROR
               : check_targets(o, strcmp(argv[1], "status") == 0, err, err_cap);
}
