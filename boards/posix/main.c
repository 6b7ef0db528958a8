/*
 * deploystop: the command-line tool of the POSIX "board".
 *
 *   deploystop stop --endpoint https://HOST[:PORT] | --region REGION
 *                   --task TASK_ID --record RECORD_ID [--token-file FILE]
 *                   [--ca-file PEM] [--timeout SECONDS] [--retries N]
 *                   [--json] [-v]
 *
 * Everything is checked before the first connection: a run that exits 2
 * has sent nothing.
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/version.h>

#include "aksk_source.h"
#include "cli_args.h"
#include "cli_token.h"
#include "deploystop.h"
#include "ds_posix.h"
#include "endpoint.h"
#include "report.h"
#include "token_source.h"

/* Static: the workspace and the mbedTLS contexts are big, and a tool that
 * runs one stop needs no more than one of each. */
static ds_workspace_t workspace;
static ds_posix_net_t net;
static char token[TOKEN_BUF_SIZE];
static aksk_creds_t creds;

static int invalid(const cli_opts_t *o, const char *why)
{
    report_invalid(o->json, why, o->task, o->record);
    return 2;
}

/* The one line (or JSON object) every stop ends with, whatever failed. */
static void report_result(const cli_opts_t *o, const ds_result_t *res,
                          report_ctx_t *rc)
{
    rc->task_id = o->task;
    rc->record_id = o->record;
    rc->detail = ds_posix_net_error(&net);
    if (o->json) {
        report_json(stdout, res, rc);
    } else {
        report_text(res, rc);
    }
}

static int run_stop(const cli_opts_t *o)
{
    cli_endpoint_t ep;
    ds_stop_request_t req;
    ds_transport_t tr;
    ds_platform_t pf;
    ds_result_t res;
    trace_ctx_t tc;
    report_ctx_t rc;
    char why[256];
    size_t token_len = 0;
    ds_crypto_t crypto;
    int64_t clock_offset = 0;
    int rc_init, aksk;

    if (o->endpoint != NULL ? endpoint_parse(o->endpoint, &ep, why, sizeof why)
                            : endpoint_from_region(o->region, &ep, why, sizeof why)) {
        return invalid(o, why);
    }
    if (!ds_valid_id(o->task)) {
        return invalid(o, "--task must be exactly 32 letters and digits");
    }
    if (!ds_valid_id(o->record)) {
        return invalid(o, "--record must be exactly 32 letters and digits");
    }
    /* An explicit --token-file wins; else AK/SK (recommended by IAM) when
     * configured; else DEPLOYSTOP_TOKEN. */
    aksk = o->token_file != NULL ? 0
                                 : aksk_load(o->credentials_file, &creds, why, sizeof why);
    if (aksk < 0) {
        return invalid(o, why);
    }
    if (!aksk && token_load(o->token_file, token, sizeof token, &token_len, why,
                            sizeof why) != 0) {
        return invalid(o, why);
    }

    rc_init = ds_posix_net_init(&net, o->ca_file);
    if (rc_init != 0) {
        ds_wipe(token, sizeof token);
        ds_wipe(&creds, sizeof creds);
        ds_posix_net_free(&net);
        if (o->ca_file != NULL) {
            /* The user's own file is input: exit 2, like any bad argument. */
            (void)snprintf(why, sizeof why, "--ca-file: %s", ds_posix_net_error(&net));
            return invalid(o, why);
        }
        memset(&res, 0, sizeof res);
        res.outcome = DS_NETWORK;
        res.reason = DS_R_TLS;
        report_result(o, &res, &rc);
        return report_exit_status(res.outcome);
    }
    ds_posix_transport(&net, &tr);
    ds_posix_platform(&pf);

    ds_stop_request_init(&req);
    req.host = ep.host;
    req.port = ep.port;
    req.use_tls = 1;
    req.task_id = o->task;
    req.record_id = o->record;
    if (aksk) {
        ds_posix_crypto(&crypto);
        req.auth.kind = DS_AUTH_AKSK;
        req.auth.ak = creds.ak;
        req.auth.sk = creds.sk;
        req.auth.crypto = &crypto;
        req.auth.clock_offset_s = &clock_offset;
    } else {
        req.auth.kind = DS_AUTH_TOKEN;
        req.auth.token = token;
        req.auth.token_len = token_len;
    }
    req.deadline_ms = o->timeout_ms;
    req.retries = o->retries;
    if (o->verbose) {
        /* The trace printer withholds any line holding this secret. */
        tc.token = aksk ? creds.sk : token;
        tc.token_len = aksk ? strlen(creds.sk) : token_len;
        req.trace = report_trace;
        req.trace_ctx = &tc;
    }

    (void)ds_stop(&req, &tr, &pf, &workspace, &res);

    ds_wipe(token, sizeof token);
    ds_wipe(&creds, sizeof creds);
    tr.close(tr.ctx);

    report_result(o, &res, &rc);
    if (o->verbose && !o->json && res.outcome != DS_STOPPED &&
        ds_posix_net_error(&net)[0] != '\0' &&
        res.outcome != DS_NETWORK && res.outcome != DS_UNKNOWN) {
        (void)fprintf(stderr, "* last transport note: %s\n", ds_posix_net_error(&net));
    }
    ds_posix_net_free(&net);
    /* The workspace held the answer only, but wiping it is cheap. */
    ds_wipe(&workspace, sizeof workspace);
    return report_exit_status(res.outcome);
}

static int wants_json(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    static char stderr_buf[4096];
    cli_opts_t opts;
    char err[160];

    /* stderr is unbuffered: the escaped result line would otherwise go out
     * one write(2) per character. Line buffering keeps lines whole. */
    (void)setvbuf(stderr, stderr_buf, _IOLBF, sizeof stderr_buf);

    if (argc > 1 && strcmp(argv[1], "token") == 0) {
        return cli_token_main(argc - 1, argv + 1);
    }

    switch (cli_parse(argc, argv, &opts, err, sizeof err)) {
    case CLI_HELP:
        (void)fputs(cli_usage_text, stdout);
        return 0;
    case CLI_VERSION:
        (void)printf("deploystop %s (%s)\n", DS_VERSION, MBEDTLS_VERSION_STRING_FULL);
        return 0;
    case CLI_USAGE_ERROR:
        if (wants_json(argc, argv)) {
            /* Scripts asked for an object: they get one even for a bad
             * command line (report_invalid also prints the stderr line). */
            report_invalid(1, err, NULL, NULL);
        } else {
            (void)fprintf(stderr, "deploystop: %s\n", err);
        }
        return 2;
    default:
        return run_stop(&opts);
    }
}
