/*
 * Serial console: provisioning and diagnosis. One command per line; every
 * command answers with one `OK ...` or `ERR ...` line (tests wait for it).
 *
 *   set endpoint https://HOST[:PORT]   set project ID
 *   set task ID   add task ID   del task ID   set record ID   del record
 *   set token TOKEN      (up to 20,000 chars; streamed into flash, never
 *                        echoed)
 *   set ak AK            set sk SK   (AK/SK signing; the SK is never shown)
 *   set auth token|aksk  set hold MS   set deadline MS   set time UNIX_SECONDS
 *   ca                   then PEM lines up to -----END CERTIFICATE-----
 *   show  check  net  stats  press [MS]  factory-reset  exit [STATUS]  help
 *   test hang | test cut N | test checks on|off   (test image only)
 *
 * Lines end with LF; a CR is allowed only right before it (CRLF). A line
 * holding a NUL, or a CR anywhere else, is refused whole with an ERR line:
 * dropping the byte would silently change what was typed (a token, an ID).
 * A command line holds at most 320 characters. The token does not go
 * through the line buffer: after "set token " its bytes go straight into
 * the new copy of the configuration in flash (config_store.h), so the line
 * may be as long as the API allows. Every change is saved to flash before
 * its OK. A paste
 * (token or CA) that stops for KS_PASTE_IDLE_MS without its end is
 * abandoned with an ERR line: the token is cleared, the old CA kept.
 *
 * Auth: the credential set last is the one used (`set token` selects the
 * token; `set sk`, with an AK set, selects AK/SK), and `set auth` switches
 * between credentials already set. Every line is wiped from the line
 * buffer once handled: `set sk` passes through it.
 */
#include <string.h>

#include "board.h"
#include "config_store.h"
#include "console.h"
#include "deploystop.h"
#include "ds_lwip.h"
#include "killswitch.h"
#include "out.h"
#include "run.h"

#define CFG_OFF(f) offsetof(ks_config_t, f)
#define CFG_LEN(f) sizeof(((ks_config_t *)0)->f)

#define LINE_MAX 320u
#define TOKEN_PREFIX "set token "
#define CA_END "-----END CERTIFICATE-----"
/* A paste idle this long without its end is abandoned (the test image
 * shortens it). */
#ifndef KS_PASTE_IDLE_MS
#define KS_PASTE_IDLE_MS 30000u
#endif
/* set time: a clock before 2000-01-01 is a mistake (0 above all). */
#define TIME_MIN 946684800u
/* Bytes that refuse the line they are in. */
#define BAD_NUL 1u
#define BAD_CR 2u

typedef enum { MODE_LINE = 0, MODE_TOKEN, MODE_CA, MODE_DISCARD } mode_t_;

static char line[LINE_MAX + 1];
static size_t line_len;
static mode_t_ mode;
static mode_t_ discard_from;
static int token_overflow;
static int token_bad; /* a byte ds_valid_token refuses, or a flash error */
static unsigned bad;   /* BAD_* seen since the last LF */
static int cr_pending; /* a CR, good only if LF comes next */
static uint32_t last_rx_ms;
/* The CA paste, staged in a block of the TLS arena (free between stops)
 * until it parses: the stored CA is replaced only then. */
static char *ca_stage;
static size_t ca_stage_len;

static void ok(const char *what)
{
    out_str("OK ");
    out_str(what);
    out_nl();
}

static void err(const char *what)
{
    out_str("ERR ");
    out_str(what);
    out_nl();
}

/* Decimal 0..4294967295; anything else (sign, space, 2^32) is -1. */
static int parse_u32(const char *s, uint32_t *v)
{
    uint32_t x = 0;
    uint32_t d;
    if (*s == '\0') {
        return -1;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') {
            return -1;
        }
        d = (uint32_t)(*s - '0');
        if (x > (UINT32_MAX - d) / 10u) {
            return -1;
        }
        x = x * 10u + d;
    }
    *v = x;
    return 0;
}

/* A number in lo..hi, or "ERR <what> must be lo..hi" and -1. */
static int parse_range(const char *s, uint32_t lo, uint32_t hi,
                       const char *what, uint32_t *v)
{
    if (parse_u32(s, v) == 0 && *v >= lo && *v <= hi) {
        return 0;
    }
    out_str("ERR ");
    out_str(what);
    out_str(" must be ");
    out_u32(lo);
    out_str("..");
    out_u32(hi);
    out_nl();
    return -1;
}

/* Save `n` edits; the OK line is the caller's. 0 on success. */
static int save(const store_edit_t *e, unsigned n, unsigned flags)
{
    if (store_save(e, n, flags) != 0) {
        err("config not saved: flash error (old configuration kept)");
        return -1;
    }
    ks_config_changed();
    return 0;
}

static void save_ok(const store_edit_t *e, unsigned n, unsigned flags,
                    const char *what)
{
    if (save(e, n, flags) == 0) {
        ok(what);
    }
}

static void show_tasks(const ks_config_t *c)
{
    unsigned i;
    out_str(" project=");
    out_quoted(c->project);
    out_str(" tasks=");
    out_u32(c->ntasks);
    for (i = 0; i < c->ntasks; i++) {
        out_str(" task=");
        out_quoted(c->task[i]);
    }
    out_str(" record=");
    out_quoted(c->record);
}

static void show(void)
{
    const ks_config_t *c = ks_config();
    int64_t t;
    /* The host passed ds_valid_host: nothing in it needs quoting. */
    out_str("endpoint=\"");
    if (c->host[0] != '\0') {
        out_str(c->use_tls ? "https://" : "http://");
        out_str(c->host);
        out_str(":");
        out_u32(c->port);
    }
    out_str("\"");
    show_tasks(c);
    out_str(" auth=");
    out_str(c->auth == KS_AUTH_AKSK ? "aksk" : "token");
    /* Secrets are never shown: only whether they are set. */
    out_str(" token=<redacted ");
    out_u32(c->token_len);
    out_str(" chars> ak=<");
    out_u32((uint32_t)strlen(c->ak));
    out_str(" chars> sk=<redacted ");
    out_u32((uint32_t)strlen(c->sk));
    out_str(" chars> ca=");
    out_u32(c->ca_len);
    out_str(" bytes hold_ms=");
    out_u32(c->hold_ms);
    out_str(" deadline_ms=");
    out_u32(c->deadline_ms);
    out_str(" clock=");
    if (board_unix_time(&t) == 0) {
        out_u32((uint32_t)t);
    } else {
        out_str("none");
    }
    out_str(" state=");
    out_str(ks_state_name(ks_state()));
    out_str(" prehandshake=");
    out_str(c->no_prehandshake ? "off" : "on");
    out_str(" config_seq=");
    out_u32(store_seq());
    out_nl();
    ok("show");
}

/* An id, zero-padded to its field; 0 when valid. */
static int take_id(char id[DS_ID_LEN + 1], const char *v)
{
    if (!ds_valid_id(v)) {
        err("id must be 32 letters or digits");
        return -1;
    }
    memcpy(id, v, DS_ID_LEN + 1u);
    return 0;
}

/* set project, set record: one id field. */
static void set_id(size_t off, const char *v, const char *what)
{
    char id[DS_ID_LEN + 1];
    store_edit_t e = {off, sizeof id, id};
    if (take_id(id, v) == 0) {
        save_ok(&e, 1, 0, what);
    }
}

/* The task list as a whole: count and ids in one edit pair. */
static void save_tasks(char t[KS_TASKS_MAX][DS_ID_LEN + 1], uint8_t n,
                       const char *what)
{
    store_edit_t e[2] = {{CFG_OFF(ntasks), 1, &n},
                         {CFG_OFF(task), CFG_LEN(task), t}};
    save_ok(e, 2, 0, what);
}

static int task_index(const ks_config_t *c, const char *id)
{
    unsigned i;
    for (i = 0; i < c->ntasks; i++) {
        if (strcmp(c->task[i], id) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* set task (the first), add task, del task. */
static void edit_task(const char *op, const char *v)
{
    const ks_config_t *c = ks_config();
    char t[KS_TASKS_MAX][DS_ID_LEN + 1];
    char id[DS_ID_LEN + 1];
    uint8_t n = c->ntasks;
    int at;
    if (take_id(id, v) != 0) {
        return;
    }
    memcpy(t, c->task, sizeof t);
    at = task_index(c, id);
    if (op[0] == 's') {
        memcpy(t[0], id, sizeof id);
        save_tasks(t, n != 0u ? n : 1u, "task");
    } else if (op[0] == 'a' && (at >= 0 || n >= KS_TASKS_MAX)) {
        err(at >= 0 ? "task already set" : "4 tasks at most (del task ID first)");
    } else if (op[0] == 'a') {
        memcpy(t[n], id, sizeof id);
        save_tasks(t, (uint8_t)(n + 1u), "task added");
    } else if (at < 0) {
        err("no such task");
    } else {
        memmove(t[at], t[at + 1], (size_t)(n - 1u - (unsigned)at) * sizeof t[0]);
        memset(t[n - 1u], 0, sizeof t[0]);
        save_tasks(t, (uint8_t)(n - 1u), "task deleted");
    }
}

/* "https://HOST[:PORT][/]" (no scheme means https; "http://" only in the
 * test image, built with KS_TEST_IMAGE: plain HTTP would send the token in
 * clear). Parsed here, in the line buffer, so a typo is an ERR at once
 * instead of a failed press, and the old endpoint is kept. */
static void set_endpoint(char *v)
{
    char *h = v;
    char *p;
    uint32_t port = 443u;
    uint8_t tls = 1u;
    if (strncmp(h, "https://", 8) == 0) {
        h += 8;
    } else if (strncmp(h, "http://", 7) == 0) {
#ifdef KS_TEST_IMAGE
        h += 7;
        port = 80u;
        tls = 0u;
#else
        err("endpoint http:// refused: plain HTTP would send the token in clear (use https://)");
        return;
#endif
    }
    p = strchr(h, '/');
    if (p != NULL && p[1] == '\0') {
        *p = '\0';
    }
    p = strchr(h, ':');
    if (p != NULL) {
        *p++ = '\0';
        if (parse_u32(p, &port) != 0 || port == 0u || port > 65535u) {
            err("endpoint port must be 1..65535");
            return;
        }
    }
    /* A path, a user part or a bracketed IPv6 literal fails here too. */
    if (!ds_valid_host(h)) {
        err("endpoint must be https://HOST[:PORT] with a DNS name or IPv4 address");
        return;
    }
    {
        char host[DS_HOST_MAX + 1] = {0};
        uint16_t p16 = (uint16_t)port;
        store_edit_t e[3] = {{CFG_OFF(host), sizeof host, host},
                             {CFG_OFF(port), sizeof p16, &p16},
                             {CFG_OFF(use_tls), 1, &tls}};
        memcpy(host, h, strlen(h) + 1u);
        save_ok(e, 3, 0, "endpoint");
    }
}

static void set_key(const char *v, int is_sk)
{
    const ks_config_t *c = ks_config();
    char k[DS_SIGN_SK_MAX + 1] = {0};
    uint32_t aksk = KS_AUTH_AKSK;
    store_edit_t e[2] = {{is_sk ? CFG_OFF(sk) : CFG_OFF(ak), sizeof k, k},
                         {CFG_OFF(auth), sizeof aksk, &aksk}};
    _Static_assert(DS_SIGN_SK_MAX == DS_SIGN_AK_MAX, "one key buffer");
    if (!(is_sk ? ds_sign_valid_sk(v) : ds_sign_valid_ak(v))) {
        err(is_sk ? "sk must be 1..128 visible ASCII characters"
                  : "ak must be 1..128 letters or digits");
        return;
    }
    memcpy(k, v, strlen(v) + 1u);
    /* With both keys set, AK/SK is selected. */
    save_ok(e, (is_sk ? c->ak[0] : c->sk[0]) != '\0' ? 2u : 1u,
            STORE_WIPE_OLD, is_sk ? "sk" : "ak");
    ds_wipe(k, sizeof k);
}

static void set_auth(const char *v)
{
    const ks_config_t *c = ks_config();
    uint32_t a;
    store_edit_t e = {CFG_OFF(auth), sizeof a, &a};
    if (strcmp(v, "token") == 0 && c->token_len != 0u) {
        a = KS_AUTH_TOKEN;
    } else if (strcmp(v, "aksk") == 0 && c->ak[0] != '\0' &&
               c->sk[0] != '\0') {
        a = KS_AUTH_AKSK;
    } else {
        err("auth: token (needs a token) or aksk (needs ak and sk)");
        return;
    }
    save_ok(&e, 1, 0, "auth");
}

static void set_time(const char *v)
{
    uint32_t n;
    if (parse_range(v, TIME_MIN, UINT32_MAX, "time", &n) != 0) {
        return;
    }
    if (board_set_unix_time((int64_t)n) != 0) {
        err("this board keeps its own time");
        return;
    }
    run_forget_clock_offset();
    ok("time");
}

/* set prehandshake on|off: connect while the button is held, or only once
 * the hold is accepted. */
static void set_prehandshake(const char *v)
{
    uint8_t off = strcmp(v, "off") == 0;
    store_edit_t e = {CFG_OFF(no_prehandshake), 1, &off};
    if (!off && strcmp(v, "on") != 0) {
        err("prehandshake: on or off");
        return;
    }
    save_ok(&e, 1, 0, "prehandshake");
}

/* hold, deadline: 1 when `name` is one of them (answered), else 0. */
static int set_ms(const char *name, const char *v)
{
    uint32_t n;
    int hold = strcmp(name, "hold") == 0;
    if (!hold && strcmp(name, "deadline") != 0) {
        return 0;
    }
    if (hold ? parse_range(v, 100u, 60000u, "hold", &n) != 0
             : parse_range(v, 1000u, 600000u, "deadline", &n) != 0) {
        return 1;
    }
    {
        store_edit_t e = {hold ? CFG_OFF(hold_ms) : CFG_OFF(deadline_ms),
                          sizeof n, &n};
        save_ok(&e, 1, 0, name);
    }
    return 1;
}

/* set endpoint|project|task|record|ak|sk|auth|time|hold|deadline */
static void cmd_set(char *args)
{
    char *v = strchr(args, ' ');
    if (v == NULL) {
        err("usage: set endpoint|project|task|record|token|ak|sk|auth|hold|deadline|time|prehandshake VALUE");
        return;
    }
    *v++ = '\0';
    if (strcmp(args, "endpoint") == 0) {
        set_endpoint(v);
    } else if (strcmp(args, "project") == 0) {
        set_id(CFG_OFF(project), v, "project");
    } else if (strcmp(args, "task") == 0) {
        edit_task("set", v);
    } else if (strcmp(args, "record") == 0) {
        set_id(CFG_OFF(record), v, "record");
    } else if (strcmp(args, "ak") == 0 || strcmp(args, "sk") == 0) {
        set_key(v, args[0] == 's');
    } else if (strcmp(args, "auth") == 0) {
        set_auth(v);
    } else if (strcmp(args, "time") == 0) {
        set_time(v);
    } else if (strcmp(args, "prehandshake") == 0) {
        set_prehandshake(v);
    } else if (!set_ms(args, v)) {
        err("bad setting or value");
    }
}

/* add task ID, del task ID, del record */
static void cmd_add_del(const char *l)
{
    char none[DS_ID_LEN + 1] = {0};
    store_edit_t e = {CFG_OFF(record), sizeof none, none};
    if (strncmp(l, "add task ", 9) == 0) {
        edit_task("add", l + 9);
    } else if (strncmp(l, "del task ", 9) == 0) {
        edit_task("del", l + 9);
    } else if (strcmp(l, "del record") == 0) {
        save_ok(&e, 1, 0, "record cleared");
    } else {
        err("usage: add task ID, del task ID, del record");
    }
}

static void factory_reset(void)
{
    if (store_factory_reset() != 0) {
        err("factory-reset: flash not erased");
        return;
    }
    ks_config_changed();
    ok("factory-reset: configuration erased");
}

/* The CA paste starts in a staging block; the stored CA stays in use. */
static void ca_begin(void)
{
    ca_stage = ds_tls_scratch_alloc(KS_CA_MAX + 1u);
    if (ca_stage == NULL) {
        err("ca: no room to stage the paste (old CA kept)");
        return;
    }
    memset(ca_stage, 0, KS_CA_MAX + 1u);
    ca_stage_len = 0;
    mode = MODE_CA;
    out_str("OK paste PEM, ends at " CA_END);
    out_nl();
}

/* The paste is over: the staging block is wiped and given back. */
static void ca_close(void)
{
    ds_tls_scratch_free(ca_stage, KS_CA_MAX + 1u);
    ca_stage = NULL;
    ca_stage_len = 0;
    mode = MODE_LINE;
}

static void ca_abort(const char *why)
{
    ca_close();
    out_str("ERR ca: ");
    out_str(why);
    out_str(" (old CA kept)");
    out_nl();
}

static void press_cmd(const char *arg)
{
    uint32_t n;
    if (arg == NULL) {
        ks_press(ks_config()->hold_ms + 2u * KS_DEBOUNCE_MS + 100u);
        ok("press");
    } else if (parse_range(arg, 1u, 600000u, "press", &n) == 0) {
        ks_press(n);
        ok("press");
    }
}

static void exit_cmd(const char *arg)
{
    uint32_t n = 0;
    if (arg != NULL && parse_range(arg, 0u, 255u, "exit", &n) != 0) {
        return;
    }
    ok("exit");
    board_exit((int)n);
}

static void help(const char *arg)
{
    (void)arg;
    out_str("commands: set endpoint|project|task|record|token|ak|sk|auth|hold|deadline|time|prehandshake VALUE, "
            "add task ID, del task ID, del record, ca, show, check, net, stats, press [MS], "
            "factory-reset, exit [N]");
    out_nl();
    out_str("auth: the credential set last is used (set token, or set ak + set sk); "
            "set auth token|aksk switches; secrets are never shown");
    out_nl();
#ifdef KS_TEST_IMAGE
    out_str("test image: http:// endpoints allowed, pastes abandoned after ");
    out_u32(KS_PASTE_IDLE_MS);
    out_str(" ms idle; test hang|cut N|checks on|off");
    out_nl();
#endif
    ok("help");
}

static void show_cmd(const char *arg)
{
    (void)arg;
    show();
}

static void ca_cmd(const char *arg)
{
    (void)arg;
    ca_begin();
}

static void net_cmd(const char *arg)
{
    (void)arg;
    ks_print_network();
    ok("net");
}

static void stats_cmd(const char *arg)
{
    (void)arg;
    run_print_stats();
    ok("stats");
}

static void check_cmd(const char *arg)
{
    (void)arg;
    ks_check_now();
    ok("check");
}

static void reset_cmd(const char *arg)
{
    (void)arg;
    factory_reset();
}

#ifdef KS_TEST_IMAGE
/* Test image only: hang the main loop (the watchdog must reset the
 * board), cut the power after N flash word operations, automatic checks
 * on or off. */
static void test_cmd(const char *arg)
{
    uint32_t n;
    if (arg != NULL && strcmp(arg, "hang") == 0) {
        ok("test hang");
        for (;;) {
        }
    } else if (arg != NULL && strncmp(arg, "cut ", 4) == 0 &&
               parse_range(arg + 4, 0u, 1000000u, "cut", &n) == 0) {
        board_test_power_cut(n);
        ok("test cut");
    } else if (arg != NULL && strncmp(arg, "checks o", 8) == 0) {
        ks_checks_auto(strcmp(arg + 7, "on") == 0);
        ok("test checks");
    } else {
        err("usage: test hang|cut N|checks on|off");
    }
}
#endif

typedef struct cmd {
    const char *name;
    void (*fn)(const char *arg); /* arg: NULL when none */
} cmd_t;

static const cmd_t commands[] = {
    {"show", show_cmd},   {"ca", ca_cmd},       {"press", press_cmd},
    {"net", net_cmd},     {"stats", stats_cmd}, {"check", check_cmd},
    {"exit", exit_cmd},   {"help", help},       {"factory-reset", reset_cmd},
#ifdef KS_TEST_IMAGE
    {"test", test_cmd},
#endif
};

/* "name" alone (arg NULL) or "name ARG" (arg set); 0 when neither. */
static int cmd_is(const char *l, const char *name, const char **arg)
{
    size_t n = strlen(name);
    if (strncmp(l, name, n) != 0 || (l[n] != '\0' && l[n] != ' ')) {
        return 0;
    }
    *arg = l[n] == ' ' ? l + n + 1 : NULL;
    return 1;
}

static void run_line(char *l)
{
    const char *arg = NULL;
    size_t i;
    if (l[0] == '\0') {
        return;
    }
    if (strncmp(l, "set ", 4) == 0) {
        cmd_set(l + 4);
        return;
    }
    if (strncmp(l, "add ", 4) == 0 || strncmp(l, "del ", 4) == 0) {
        cmd_add_del(l);
        return;
    }
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (cmd_is(l, commands[i].name, &arg)) {
            commands[i].fn(arg);
            return;
        }
    }
    err("unknown command (try help)");
}

/* A line of the CA paste, into the staging block; at the END line the
 * paste is parsed and only then replaces the stored CA. */
static void ca_line(const char *l, size_t len)
{
    if (ca_stage_len + len + 1u > KS_CA_MAX) {
        ca_abort("too large");
        return;
    }
    memcpy(ca_stage + ca_stage_len, l, len);
    ca_stage_len += len;
    ca_stage[ca_stage_len++] = '\n';
    ca_stage[ca_stage_len] = '\0';
    if (len != sizeof CA_END - 1u || memcmp(l, CA_END, len) != 0) {
        return;
    }
    if (ds_tls_check_ca(ca_stage, ca_stage_len) != 0) {
        ca_abort("not a certificate");
        return;
    }
    if (store_save_ca(ca_stage, (uint32_t)ca_stage_len) != 0) {
        ca_close();
        err("config not saved: flash error (old configuration kept)");
        return;
    }
    ca_close();
    ks_config_changed();
    ok("ca");
}

/* The token is refused: the copy it streamed into is dropped, and the
 * token is cleared (a press then sends nothing: RESULT INVALID_INPUT)
 * rather than a token other than the one pasted being kept. */
static void token_refuse(const char *why)
{
    uint32_t zero = 0;
    store_edit_t e = {CFG_OFF(token_len), sizeof zero, &zero};
    store_token_abort();
    mode = MODE_LINE;
    if (save(&e, 1, STORE_WIPE_OLD) == 0) {
        err(why);
    }
}

static void token_end(void)
{
    uint32_t n = store_token_len();
    if (bad != 0u) {
        token_refuse(
            "token refused: a NUL, or a CR not right before the LF, inside it; "
            "token cleared");
        return;
    }
    if (token_overflow || token_bad || n == 0u) {
        token_refuse(
            "token must be 1..20000 visible ASCII characters; token cleared");
        return;
    }
    mode = MODE_LINE;
    if (store_token_commit() != 0) {
        err("config not saved: flash error (old configuration kept)");
        return;
    }
    ks_config_changed();
    out_str("OK token (");
    out_u32(n);
    out_str(" chars)");
    out_nl();
}

static void token_byte(char c)
{
    if (c == '\n') {
        token_end();
    } else if (store_token_len() >= DS_TOKEN_MAX) {
        token_overflow = 1;
    } else if (!ds_valid_token(&c, 1) || store_token_byte(c) != 0) {
        token_bad = 1;
    }
}

/* An over-long line or one with a bad byte: refused whole (a CA paste
 * ends, keeping the old CA). */
static void refuse_line(mode_t_ m, const char *why)
{
    if (m == MODE_CA) {
        ca_abort(why);
    } else {
        err(why);
    }
}

/* A byte while an over-long line is skipped up to its end. */
static void discard_byte(int c)
{
    if (c != '\n')
        return;
    mode = discard_from;
    refuse_line(mode, "line too long (320 characters at most)");
}

/* "set token " typed: the rest of the line streams into the token. */
static void maybe_token_prefix(void)
{
    if (mode == MODE_LINE && line_len == sizeof TOKEN_PREFIX - 1u &&
        memcmp(line, TOKEN_PREFIX, line_len) == 0) {
        uint32_t a = KS_AUTH_TOKEN;
        store_edit_t e = {CFG_OFF(auth), sizeof a, &a};
        token_overflow = 0;
        token_bad = store_token_begin(&e, 1) != 0;
        line_len = 0;
        mode = MODE_TOKEN;
    }
}

static void line_end(void)
{
    line[line_len] = '\0';
    if (bad & BAD_NUL) {
        refuse_line(mode, "line refused: it holds a NUL byte");
    } else if (bad & BAD_CR) {
        refuse_line(mode,
                    "line refused: a CR inside it (CR only right before LF)");
    } else if (mode == MODE_CA) {
        ca_line(line, line_len);
    } else {
        run_line(line);
    }
    ds_wipe(line, sizeof line);
    line_len = 0;
}

/* A byte of a command line or of a CA paste. */
static void line_byte(int c)
{
    if (c == '\n') {
        line_end();
        return;
    }
    if (line_len >= LINE_MAX) {
        discard_from = mode;
        mode = MODE_DISCARD;
        ds_wipe(line, sizeof line);
        line_len = 0;
        return;
    }
    line[line_len++] = (char)c;
    maybe_token_prefix();
}

/* One byte in. A CR is held back: right before LF it is the CRLF line
 * end and dropped; before anything else it refuses the line (a dropped
 * CR would change a pasted token or ID without a word). A NUL refuses the
 * line too (it would cut it). The flags clear at each LF. */
static void console_byte(int c)
{
    if (cr_pending && c != '\n') {
        bad |= BAD_CR;
    }
    cr_pending = c == '\r';
    if (cr_pending) {
        return;
    }
    if (c == '\0') {
        bad |= BAD_NUL;
    }
    if (mode == MODE_TOKEN)
        token_byte((char)c);
    else if (mode == MODE_DISCARD)
        discard_byte(c);
    else
        line_byte(c);
    if (c == '\n') {
        bad = 0u;
    }
}

/* A token or CA paste (or an over-long line) that stopped without its end
 * for KS_PASTE_IDLE_MS is abandoned, so what is typed next is a command
 * again: the token is cleared, the old CA kept. */
static void paste_idle(void)
{
    if (mode == MODE_LINE ||
        (uint32_t)(board_ms() - last_rx_ms) < KS_PASTE_IDLE_MS) {
        return;
    }
    if (mode == MODE_DISCARD) {
        mode = discard_from;
    }
    ds_wipe(line, sizeof line);
    line_len = 0;
    bad = 0u;
    cr_pending = 0;
    if (mode == MODE_TOKEN) {
        token_refuse("token: paste ended without a newline; token cleared");
    } else {
        refuse_line(mode, mode == MODE_CA
                              ? "paste ended without " CA_END
                              : "line too long (320 characters at most)");
    }
}

void console_poll(void)
{
    int c;
    /* Bounded per call so the network keeps running during a paste. */
    int budget = 256;
    while (budget-- > 0 && (c = board_console_getc()) >= 0) {
        last_rx_ms = board_ms();
        console_byte(c);
    }
    paste_idle();
}
