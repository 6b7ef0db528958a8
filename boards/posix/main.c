/*
 * deploystop: the command-line tool of the POSIX "board".
 *
 *   deploystop stop   (--endpoint URL | --region R) --task T [--task T2 ...]
 *                     (--record R | --project P) [--wait SECONDS] [options]
 *   deploystop status (--endpoint URL | --region R) --task T
 *                     (--record R | --project P) [options]
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
#include "ds_halt.h"
#include "ds_posix.h"
#include "endpoint.h"
#include "redact.h"
#include "report.h"
#include "token_source.h"

/* Static: the workspace and the mbedTLS contexts are big, and a tool that
 * runs one stop needs no more than one of each. */
static ds_workspace_t workspace;
static ds_posix_net_t net;
/* TLS session resumption for the reconnects of one run (a retry on a new
 * connection, a kept connection the server dropped): RAM only, wiped at
 * exit. */
static ds_tls_session_t session;
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
    rc->detail = ds_posix_net_error(&net);
    if (o->json) {
        report_json(stdout, res, rc);
    } else {
        report_text(res, rc);
    }
}

/* A line per record ds_halt dealt with; one line when nothing ran. */
static int report_halt(const cli_opts_t *o, const char *task,
                       const ds_halt_t *h)
{
    report_ctx_t rc;
    ds_result_t res = h->res;
    unsigned i, shown = 0;
    memset(&rc, 0, sizeof rc);
    rc.task_id = task;
    rc.confirmed = -1;
    for (i = 0; i < h->count; i++) {
        const ds_halt_record_t *r = &h->rec[i];
        if (r->outcome == DS_NOTHING_RUNNING) {
            continue;
        }
        res.outcome = r->outcome;
        res.reason = r->reason;
        if (r->accepted) {
            memcpy(res.request_id, r->request_id, sizeof res.request_id);
        }
        rc.record_id = r->id;
        rc.confirmed = r->confirmed;
        rc.state = r->state[0] ? r->state : NULL;
        rc.ended_ms = r->ended_ms;
        report_result(o, &res, &rc);
        shown++;
    }
    if (!shown) {
        res.outcome = h->outcome;
        if (h->outcome == DS_NOTHING_RUNNING) {
            res.reason = DS_R_NONE;
        }
        rc.record_id = o->record;
        report_result(o, &res, &rc);
    }
    return report_exit_status(h->outcome);
}

/* `status`: the record's state, or the running records of the task. */
static int show_status(const cli_opts_t *o, ds_session_t *s,
                       ds_stop_request_t *req)
{
    ds_record_state_t st;
    ds_running_t run;
    ds_result_t res;
    report_ctx_t rc;
    unsigned i;
    ds_outcome_t out = DS_OK;
    memset(&rc, 0, sizeof rc);
    rc.task_id = req->task_id;
    rc.confirmed = -1;
    if (req->record_id == NULL) {
        out = ds_history(s, req, &run, &res);
        if (out == DS_OK && run.count == 0) {
            report_nothing(o->json, req->task_id);
        }
    } else {
        run.count = 1;
        memcpy(run.id[0], req->record_id, sizeof run.id[0]);
    }
    for (i = 0; out == DS_OK && i < run.count; i++) {
        req->record_id = run.id[i];
        rc.record_id = run.id[i];
        out = ds_state(s, req, &st, &res);
        if (out == DS_OK) {
            report_state(o->json, req->task_id, run.id[i], &st);
        }
    }
    if (out != DS_OK) {
        report_result(o, &res, &rc);
    }
    return out == DS_OK ? 0 : report_exit_status(out);
}

/* Everything a run needs is checked before the first connection. */
static const char *check_ids(const cli_opts_t *o)
{
    int i;
    for (i = 0; i < o->ntasks; i++) {
        if (!ds_valid_id(o->tasks[i])) {
            return "--task must be exactly 32 letters and digits";
        }
    }
    if (o->record != NULL && !ds_valid_id(o->record)) {
        return "--record must be exactly 32 letters and digits";
    }
    if (o->project != NULL && !ds_valid_id(o->project)) {
        return "--project must be exactly 32 letters and digits";
    }
    return NULL;
}

/* Every task in the order given, on one session (one connection). The
 * exit status is the first task's, in that order, that was not 0. */
static int run_tasks(const cli_opts_t *o, int status, ds_stop_request_t *req,
                     const ds_transport_t *tr, const ds_platform_t *pf)
{
    ds_session_t s;
    static ds_halt_t h;
    int i, exit_code = 0;
    ds_session_begin(&s, tr, pf, &workspace, o->timeout_ms);
    for (i = 0; i < o->ntasks; i++) {
        int rc;
        req->task_id = o->tasks[i];
        req->record_id = o->record;
        if (status) {
            rc = show_status(o, &s, req);
        } else {
            (void)ds_halt(&s, req, &h);
            rc = report_halt(o, o->tasks[i], &h);
        }
        if (exit_code == 0) {
            exit_code = rc;
        }
    }
    if (o->verbose) {
        (void)fprintf(stderr, "* %u connection(s), %u request(s)\n", s.connects,
                      s.requests);
    }
    ds_session_end(&s);
    return exit_code;
}

static int run_command(const cli_opts_t *o, int status)
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
    int rc_init, aksk, exit_code;
    const char *bad;

    if (o->endpoint != NULL
            ? endpoint_parse(o->endpoint, &ep, why, sizeof why)
            : endpoint_from_region(o->region, &ep, why, sizeof why)) {
        return invalid(o, why);
    }
    bad = check_ids(o);
    if (bad != NULL) {
        return invalid(o, bad);
    }
    /* An explicit --token-file wins; else AK/SK (recommended by IAM) when
     * configured; else DEPLOYSTOP_TOKEN. */
    aksk = o->token_file != NULL
               ? 0
               : aksk_load(o->credentials_file, &creds, why, sizeof why);
    if (aksk < 0) {
        return invalid(o, why);
    }
    if (!aksk && token_load(o->token_file, token, sizeof token, &token_len, why,
                            sizeof why) != 0) {
        return invalid(o, why);
    }
    /* From here on no output holds a piece of the secret, even one a
     * server echoes back. */
    if (aksk) {
        redact_add(creds.sk, strlen(creds.sk));
    } else {
        redact_add(token, token_len);
    }

    rc_init = ds_posix_net_init(&net, o->ca_file);
    if (rc_init != 0) {
        redact_forget();
        ds_wipe(token, sizeof token);
        ds_wipe(&creds, sizeof creds);
        ds_posix_net_free(&net);
        if (o->ca_file != NULL) {
            /* The user's own file is input: exit 2, like any bad argument. */
            (void)snprintf(why, sizeof why, "--ca-file: %s",
                           ds_posix_net_error(&net));
            return invalid(o, why);
        }
        memset(&res, 0, sizeof res);
        memset(&rc, 0, sizeof rc);
        res.outcome = DS_NETWORK;
        res.reason = DS_R_TLS;
        rc.task_id = o->task;
        rc.record_id = o->record;
        rc.confirmed = -1;
        report_result(o, &res, &rc);
        return report_exit_status(res.outcome);
    }
    ds_posix_set_session(&net, &session);
    ds_posix_transport(&net, &tr);
    ds_posix_platform(&pf);

    ds_stop_request_init(&req);
    req.host = ep.host;
    req.port = ep.port;
    req.use_tls = 1;
    req.project_id = o->project;
    req.wait_ms = o->wait_ms;
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

    exit_code = run_tasks(o, status, &req, &tr, &pf);

    redact_flush();
    redact_forget();
    ds_wipe(token, sizeof token);
    ds_wipe(&creds, sizeof creds);
    tr.close(tr.ctx);
    ds_posix_net_free(&net);
    ds_tls_session_clear(&session);
    /* The workspace held the answers only, but wiping it is cheap. */
    ds_wipe(&workspace, sizeof workspace);
    return exit_code;
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
    cli_opts_t opts;
    char err[160];

    /* Every line goes out whole and through the secret filter. */
    if (redact_install() != 0) {
        return 8;
    }

    if (argc > 1 && strcmp(argv[1], "token") == 0) {
        return cli_token_main(argc - 1, argv + 1);
    }

    switch (cli_parse(argc, argv, &opts, err, sizeof err)) {
    case CLI_HELP: (void)fputs(cli_usage_text, stdout); return 0;
    case CLI_VERSION:
        (void)printf("deploystop %s (%s)\n", DS_VERSION,
                     MBEDTLS_VERSION_STRING_FULL);
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
    case CLI_STATUS: return run_command(&opts, 1);
    default: return run_command(&opts, 0);
    }
}
