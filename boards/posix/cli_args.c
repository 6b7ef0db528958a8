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

/* Options that take a value, and where it goes. */
enum { OPT_ENDPOINT, OPT_REGION, OPT_TASK, OPT_RECORD, OPT_TOKEN_FILE,
       OPT_CA_FILE, OPT_TIMEOUT, OPT_RETRIES, OPT_CREDENTIALS, OPT_PROJECT,
       OPT_WAIT, OPT_COUNT };
static const char *const value_opts[OPT_COUNT] = {
    "--endpoint", "--region", "--task", "--record", "--token-file",
    "--ca-file", "--timeout", "--retries", "--credentials", "--project",
    "--wait"
};

static int value_option(const char *arg, size_t *name_len)
{
    int i;
    for (i = 0; i < OPT_COUNT; i++) {
        size_t n = strlen(value_opts[i]);
        if (strncmp(arg, value_opts[i], n) == 0 &&
            (arg[n] == '\0' || arg[n] == '=')) {
            *name_len = n;
            return i;
        }
    }
    return -1;
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
    int i, seen[OPT_COUNT] = {0};

    memset(o, 0, sizeof *o);
    o->timeout_ms = DS_DEFAULT_DEADLINE_MS;
    o->retries = DS_DEFAULT_RETRIES;
    err[0] = '\0';

    if (argc < 2) {
        (void)snprintf(err, err_cap, "missing command (try: deploystop --help)");
        return CLI_USAGE_ERROR;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        return CLI_HELP;
    }
    if (strcmp(argv[1], "--version") == 0) {
        return CLI_VERSION;
    }
    if (strcmp(argv[1], "stop") != 0 && strcmp(argv[1], "status") != 0) {
        (void)snprintf(err, err_cap, "unknown command '%.40s' (try: deploystop --help)",
                       argv[1]);
        return CLI_USAGE_ERROR;
    }
    for (i = 2; i < argc; i++) {
        const char *arg = argv[i];
        const char *value;
        size_t name_len = 0;
        int opt;

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            return CLI_HELP;
        }
        if (strcmp(arg, "--json") == 0) {
            o->json = 1;
            continue;
        }
        if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
            o->verbose = 1;
            continue;
        }
        opt = value_option(arg, &name_len);
        if (opt < 0) {
            (void)snprintf(err, err_cap, "unknown option '%.40s'", arg);
            return CLI_USAGE_ERROR;
        }
        if (arg[name_len] == '=') {
            value = arg + name_len + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            (void)snprintf(err, err_cap, "%s needs a value", value_opts[opt]);
            return CLI_USAGE_ERROR;
        }
        if (seen[opt]++ && opt != OPT_TASK) {
            (void)snprintf(err, err_cap, "%s given twice", value_opts[opt]);
            return CLI_USAGE_ERROR;
        }
        switch (opt) {
        case OPT_ENDPOINT: o->endpoint = value; break;
        case OPT_REGION: o->region = value; break;
        case OPT_TASK:
            if (o->ntasks == CLI_TASKS_MAX) {
                (void)snprintf(err, err_cap, "at most %d --task", CLI_TASKS_MAX);
                return CLI_USAGE_ERROR;
            }
            o->tasks[o->ntasks++] = value;
            o->task = o->tasks[0];
            break;
        case OPT_PROJECT: o->project = value; break;
        case OPT_WAIT:
            if (strcmp(value, "0") != 0 && cli_parse_seconds(value, &o->wait_ms) != 0) {
                (void)snprintf(err, err_cap,
                               "--wait wants seconds between 0 and 86400");
                return CLI_USAGE_ERROR;
            }
            break;
        case OPT_RECORD: o->record = value; break;
        case OPT_TOKEN_FILE: o->token_file = value; break;
        case OPT_CA_FILE: o->ca_file = value; break;
        case OPT_CREDENTIALS: o->credentials_file = value; break;
        case OPT_TIMEOUT:
            if (cli_parse_seconds(value, &o->timeout_ms) != 0) {
                (void)snprintf(err, err_cap,
                               "--timeout wants seconds between 0.001 and 86400");
                return CLI_USAGE_ERROR;
            }
            break;
        default: /* OPT_RETRIES */
            if (parse_retries(value, &o->retries) != 0) {
                (void)snprintf(err, err_cap, "--retries wants a number from 0 to 10");
                return CLI_USAGE_ERROR;
            }
            break;
        }
    }
    if ((o->endpoint == NULL) == (o->region == NULL)) {
        (void)snprintf(err, err_cap, "give exactly one of --endpoint and --region");
        return CLI_USAGE_ERROR;
    }
    if (o->token_file != NULL && o->credentials_file != NULL) {
        (void)snprintf(err, err_cap, "give at most one of --token-file and --credentials");
        return CLI_USAGE_ERROR;
    }
    return check_targets(o, strcmp(argv[1], "status") == 0, err, err_cap);
}
