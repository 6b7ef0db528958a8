/*
 * A press and the self-test call (run.h). Every credential and the CA are
 * read in place from the configuration in flash (config_store.h): the
 * token is streamed to TLS from there, never copied.
 */
#include "run.h"

#include <string.h>

#include "board.h"
#include "config_store.h"
#include "ds_date.h"
#include "ds_halt.h"
#include "ds_lwip.h"
#include "ds_lwip_crypto.h"
#include "out.h"
#include "writer.h"

/* A run stuck this long past its deadline stops feeding the watchdog. */
#define RUN_GRACE_MS 5000u

/* The working memory of a run: static, never on the stack. */
static ds_workspace_t ws;
static ds_session_t sess;
static ds_halt_t halt;
static ds_lwip_conn_t conn;
static ds_transport_t tr;
static ds_platform_t pf;
static ds_crypto_t crypto;
/* The last TLS session (port/lwip/README.md "Session resumption"): kept in
 * RAM across presses and checks, offered on the next connect to the same
 * host, port and CA. Never persisted: it holds the session's secret. */
static ds_tls_session_t tls_session;
/* AK/SK: seconds added to the board's clock, learnt from the server's
 * Date when a signature is refused for its time; kept for later runs. */
static int64_t clock_offset;
static int running;
/* A connection opened when the button went down (run_preconnect): the
 * session is begun and may hold it. */
static int pre_open;
static uint32_t run_t0;
/* Press accepted, and the first request bytes after it (board_us). */
static uint32_t t_press_us;
static uint32_t request_us;
static int32_t (*port_send)(void *ctx, const uint8_t *buf, size_t len,
                            uint32_t timeout_ms);

/* The port's send, noting when the first request bytes went out. */
static int32_t timed_send(void *ctx, const uint8_t *buf, size_t len,
                          uint32_t timeout_ms)
{
    int32_t n = port_send(ctx, buf, len, timeout_ms);
    if (n > 0 && request_us == 0u) {
        uint32_t us = board_us() - t_press_us;
        request_us = us != 0u ? us : 1u;
    }
    return n;
}

/* The request of every call of a run, from the configuration. */
static void fill_request(ds_stop_request_t *req, const ks_config_t *c)
{
    ds_stop_request_init(req);
    /* Never set: the empty host is INVALID_INPUT, nothing sent. */
    req->host = c->host;
    req->port = c->port;
    req->use_tls = c->use_tls;
    req->project_id = c->project[0] != '\0' ? c->project : NULL;
    req->deadline_ms = c->deadline_ms;
    req->wait_ms = c->deadline_ms; /* the run's deadline bounds it */
    req->auth.clock_offset_s = &clock_offset;
    if (c->auth == KS_AUTH_AKSK) {
        req->auth.kind = DS_AUTH_AKSK;
        req->auth.ak = c->ak;
        req->auth.sk = c->sk;
        req->auth.crypto = &crypto;
        ds_lwip_crypto(&crypto);
    } else {
        req->auth.kind = DS_AUTH_TOKEN;
        req->auth.token = ks_token(c);
        req->auth.token_len = c->token_len;
    }
}

/* A run starts now: its clocks (the press being accepted, for TIMING). */
static void run_clock(void)
{
    running = 1;
    run_t0 = board_ms();
    t_press_us = board_us();
    request_us = 0;
}

static void run_begin(const ks_config_t *c)
{
    run_clock();
    conn.last_tls_error = 0;
    conn.last_verify_flags = 0;
    conn.ca_pem = ks_ca(c);
    conn.ca_len = c->ca_len;
    conn.session = &tls_session;
    ds_lwip_transport(&tr, &conn);
    port_send = tr.send;
    tr.send = timed_send;
    ds_lwip_platform(&pf);
    ds_session_begin(&sess, &tr, &pf, &ws, c->deadline_ms);
}

static void run_end(void)
{
    ds_session_end(&sess);
    running = 0;
    pre_open = 0;
}

void run_preconnect(void)
{
    const ks_config_t *c = ks_config();
    int rc;
    uint32_t t0 = board_ms();
    if (c->host[0] == '\0' || c->no_prehandshake) {
        return; /* nothing to connect to (the press reports it), or not wanted */
    }
    run_begin(c);
    rc = ds_session_preconnect(&sess, c->host, c->port, c->use_tls);
    running = 0;
    pre_open = 1;
    out_str("HOLD connection ");
    out_str(rc == 0 ? "ready" : "failed (the press connects again)");
    out_str(" ms=");
    out_u32((uint32_t)(board_ms() - t0));
    out_nl();
}

void run_cancel(void)
{
    if (!pre_open) {
        return;
    }
    run_end();
    out_str("HOLD connection closed: nothing sent");
    out_nl();
}

int run_overdue(void)
{
    const ks_config_t *c = ks_config();
    return running &&
           (uint32_t)(board_ms() - run_t0) > c->deadline_ms + RUN_GRACE_MS;
}

void run_forget_clock_offset(void)
{
    clock_offset = 0;
}

/* The details of the last call: HTTP, server error, transport, TLS (of
 * the stop, unless a later call failed; its request id is the stop's). */
static void print_details(const ds_result_t *r, const char *request_id)
{
    out_str(" http=");
    out_i32(r->http_status);
    if (r->error_code[0] != '\0') {
        out_str(" code=");
        out_quoted(r->error_code);
    }
    if (r->error_msg[0] != '\0') {
        out_str(" msg=");
        out_quoted(r->error_msg);
    }
    if (request_id[0] != '\0') {
        out_str(" request_id=");
        out_quoted(request_id);
    }
    if (r->transport_error != 0) {
        out_str(" transport=");
        out_i32(r->transport_error);
    }
    if (conn.last_tls_error != 0) {
        out_str(" tls=-");
        out_hex((uint32_t)-conn.last_tls_error);
    }
    if (conn.last_verify_flags != 0u) {
        out_str(" verify=");
        out_hex(conn.last_verify_flags);
    }
}

/* `RESULT <OUTCOME> task=T record=R ...` for one task. */
static void print_task(const char *task, const ds_halt_t *h, uint32_t ms)
{
    const ds_halt_record_t *r = h->count > 0u ? &h->rec[0] : NULL;
    out_str("RESULT ");
    out_str(ds_outcome_name(h->outcome));
    out_str(" task=");
    out_quoted(task[0] != '\0' ? task : "-");
    out_str(" record=");
    out_quoted(r != NULL ? r->id : "-");
    if (h->count > 1u) {
        out_str(" records=");
        out_u32(h->count);
    }
    if (r != NULL && r->state[0] != '\0') {
        out_str(" state=");
        out_quoted(r->state);
    }
    out_str(" reason=");
    out_quoted(ds_reason_text(r != NULL && h->outcome == r->outcome
                                  ? r->reason
                                  : h->res.reason));
    print_details(&h->res, r != NULL && r->request_id[0] != '\0'
                               ? r->request_id
                               : h->res.request_id);
    out_str(" attempts=");
    out_i32(r != NULL && r->attempts != 0 ? r->attempts : h->res.attempts);
    out_str(" ms=");
    out_u32(ms);
    out_nl();
}

/* Per-task outcomes summed up for `RESULT ALL`. */
typedef struct tally {
    unsigned tasks, stopped, nothing, still, failed;
    ds_outcome_t first_failure;
} tally_t;

static void count(tally_t *t, ds_outcome_t o)
{
    t->tasks++;
    if (o == DS_STOPPED) {
        t->stopped++;
    } else if (o == DS_NOTHING_RUNNING) {
        t->nothing++;
    } else if (o == DS_STILL_RUNNING) {
        t->still++;
    } else if (t->failed++ == 0u) {
        t->first_failure = o;
    }
}

/* A failure outranks a stop not seen to end, which outranks a stop. */
static ds_outcome_t overall(const tally_t *t)
{
    if (t->failed != 0u) {
        return t->first_failure;
    }
    if (t->still != 0u) {
        return DS_STILL_RUNNING;
    }
    return t->stopped != 0u ? DS_STOPPED : DS_NOTHING_RUNNING;
}

static void print_all(const tally_t *t, ds_outcome_t o, uint32_t ms)
{
    out_str("RESULT ALL ");
    out_str(ds_outcome_name(o));
    out_str(" tasks=");
    out_u32(t->tasks);
    out_str(" stopped=");
    out_u32(t->stopped);
    out_str(" nothing_running=");
    out_u32(t->nothing);
    out_str(" still_running=");
    out_u32(t->still);
    out_str(" failed=");
    out_u32(t->failed);
    out_str(" ms=");
    out_u32(ms);
    out_nl();
}

/* `TIMING request_us=N`: from the press being accepted to the first
 * request bytes on the wire (tests/firmware/latency.py). */
static void print_timing(void)
{
    if (request_us != 0u) {
        out_str("TIMING request_us=");
        out_u32(request_us);
        out_nl();
    }
}

/* One task of a press; with no task configured, one pass with none (the
 * core refuses it: INVALID_INPUT, nothing sent). */
static ds_outcome_t press_task(ds_stop_request_t *req, const ks_config_t *c,
                               unsigned i)
{
    uint32_t t0 = board_ms();
    req->task_id = c->task[i];
    /* The pinned record belongs to the first task. */
    req->record_id = i == 0u && c->record[0] != '\0' ? c->record : NULL;
    (void)ds_halt(&sess, req, &halt);
    print_task(c->task[i], &halt, (uint32_t)(board_ms() - t0));
    return halt.outcome;
}

ds_outcome_t run_press(void)
{
    const ks_config_t *c = ks_config();
    ds_stop_request_t req;
    tally_t t;
    ds_outcome_t o;
    int64_t offset_before = clock_offset;
    unsigned i;
    memset(&t, 0, sizeof t);
    fill_request(&req, c);
    if (pre_open) {
        /* Connected while the button was held: the request leaves now. */
        run_clock();
        ds_session_restart(&sess);
    } else {
        run_begin(c);
    }
    for (i = 0; i < (c->ntasks != 0u ? c->ntasks : 1u); i++) {
        count(&t, press_task(&req, c, i));
    }
    run_end();
    if (clock_offset != offset_before) {
        out_str("CLOCK offset ");
        out_i64(clock_offset);
        out_str(" s, from the server's Date");
        out_nl();
    }
    o = overall(&t);
    print_all(&t, o, (uint32_t)(board_ms() - run_t0));
    print_timing();
    memset(&halt, 0, sizeof halt);
    return o;
}

/* What a press needs that the configuration must hold. */
static const char *config_missing(const ks_config_t *c)
{
    if (c->host[0] == '\0') {
        return "no endpoint (set endpoint https://HOST)";
    }
    if (c->ntasks == 0u) {
        return "no task (set task ID)";
    }
    if (c->project[0] == '\0' && (c->record[0] == '\0' || c->ntasks > 1u)) {
        return "no project to find running records in (set project ID)";
    }
    if (c->auth == KS_AUTH_AKSK ? c->ak[0] == '\0' || c->sk[0] == '\0'
                                : c->token_len == 0u) {
        return "no credential (set token, or set ak and set sk)";
    }
    if (c->use_tls && c->ca_len == 0u) {
        return "no CA certificate (ca)";
    }
    return NULL;
}

static char why_buf[160];

/* "server check failed: OUTCOME (reason) http=N [code=...]", written by
 * the core's byte writer into a static line. */
static const char *call_failed(const ds_result_t *r)
{
    ds_wr_t w;
    ds_wr_init(&w, why_buf, sizeof why_buf - 1u);
    ds_wr_str(&w, "server check failed: ");
    ds_wr_str(&w, ds_outcome_name(r->outcome));
    ds_wr_str(&w, " (");
    ds_wr_str(&w, ds_reason_text(r->reason));
    ds_wr_str(&w, ")");
    if (r->http_status != 0) {
        ds_wr_str(&w, " http=");
        ds_wr_uint(&w, (unsigned long)r->http_status);
    }
    if (r->error_code[0] != '\0') {
        ds_wr_str(&w, " code=");
        ds_wr_str(&w, r->error_code);
    }
    if (w.err != 0) {
        return "server check failed";
    }
    why_buf[w.len] = '\0';
    return why_buf;
}

/* One harmless authenticated call: the first task's history (or, with
 * only a pinned record and no project, that record's state). It proves
 * the network, the CA against the endpoint and the credential. */
static int check_call(const ks_config_t *c, const char **why)
{
    ds_stop_request_t req;
    static ds_record_state_t st;
    ds_outcome_t o;
    fill_request(&req, c);
    req.task_id = c->task[0];
    req.record_id = c->record[0] != '\0' ? c->record : NULL;
    run_begin(c);
    if (c->project[0] != '\0') {
        o = ds_history(&sess, &req, &halt.found, &halt.res);
    } else {
        o = ds_state(&sess, &req, &st, &halt.res);
    }
    run_end();
    if (o != DS_OK) {
        *why = call_failed(&halt.res);
        return -1;
    }
    return 0;
}

/* A board without a wall clock takes the server's, from the answer's
 * Date: certificate dates are then checked too. */
static int check_clock(const char **why)
{
    int64_t now;
    if (board_unix_time(&now) == 0) {
        return 0;
    }
    if (ds_date_parse_http(sess.server_date, &now) == 0 &&
        board_set_unix_time(now) == 0) {
        run_forget_clock_offset();
        return 0;
    }
    *why = "server clock unknown (no Date in the answer)";
    return -1;
}

int run_check(const char **why)
{
    const ks_config_t *c = ks_config();
    int rc;
    *why = config_missing(c);
    if (*why != NULL) {
        return -1;
    }
    if (!ds_lwip_net_up()) {
        *why = "network down (no DHCP lease)";
        return -1;
    }
    rc = check_call(c, why);
    if (rc == 0) {
        rc = check_clock(why);
    }
    memset(&halt, 0, sizeof halt);
    return rc;
}

void run_print_stats(void)
{
    ds_tls_arena_stats_t st;
    size_t hp, hu, hs;
    ds_tls_arena_stats(&st);
    ds_lwip_heap_stats(&hp, &hu, &hs);
    out_str("STATS arena_peak=");
    out_u32((uint32_t)st.peak);
    out_str(" arena_peak_blocks=");
    out_u32((uint32_t)st.peak_blocks);
    out_str(" arena_in_use=");
    out_u32((uint32_t)st.in_use);
    out_str(" arena_size=");
    out_u32((uint32_t)st.size);
    out_str(" lwip_heap_peak=");
    out_u32((uint32_t)hp);
    out_str(" lwip_heap_in_use=");
    out_u32((uint32_t)hu);
    out_str(" lwip_heap_size=");
    out_u32((uint32_t)hs);
    out_str(" stack_peak=");
    out_u32((uint32_t)board_stack_peak());
    out_str(" stack_size=");
    out_u32((uint32_t)board_stack_size());
    out_str(" flash_ops=");
    out_u32(board_flash_ops());
    out_str(" feed_gap_max_us=");
    out_u32(ks_feed_gap_max_us());
    out_nl();
}
