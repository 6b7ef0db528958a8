/*
 * Serial console: provisioning and diagnosis. One command per line; every
 * command answers with one `OK ...` or `ERR ...` line (tests wait for it).
 *
 *   set endpoint https://HOST[:PORT]   set task ID   set record ID
 *   set token TOKEN      (up to 20,000 chars; streamed, never echoed)
 *   set ak AK            set sk SK   (AK/SK signing; the SK is never shown)
 *   set auth token|aksk  set hold MS   set deadline MS   set time UNIX_SECONDS
 *   ca                   then PEM lines up to -----END CERTIFICATE-----
 *   show  net  stats  press [MS]  exit [STATUS]  help
 *
 * Lines end with LF (a CR before it is ignored). The token does not go
 * through the line buffer: after "set token " its bytes go straight into
 * the configuration, so the line may be as long as the API allows.
 *
 * Auth: the credential set last is the one used (`set token` selects the
 * token; `set sk`, with an AK set, selects AK/SK), and `set auth` switches
 * between credentials already set. Every line is wiped from the line
 * buffer once handled: `set sk` passes through it.
 */
#include <string.h>

#include "deploystop.h"
#include "ds_lwip.h"
#include "killswitch.h"
#include "out.h"

#define LINE_MAX 320u
#define TOKEN_PREFIX "set token "
#define CA_END "-----END CERTIFICATE-----"

typedef enum { MODE_LINE = 0, MODE_TOKEN, MODE_CA, MODE_DISCARD } mode_t_;

static char line[LINE_MAX + 1];
static size_t line_len;
static mode_t_ mode;
static mode_t_ discard_from;
static int token_overflow;

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

static int parse_u32(const char *s, uint32_t *v)
{
    uint32_t x = 0;
    if (*s == '\0') {
        return -1;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || x > 429496728u) {
            return -1;
        }
        x = x * 10u + (uint32_t)(*s - '0');
    }
    *v = x;
    return 0;
}

static void save(void)
{
    if (board_config_save(&ks_cfg) != 0) {
        err("config not saved");
    }
}

static void show(void)
{
    int64_t t;
    /* The host passed ds_valid_host: nothing in it needs quoting. */
    out_str("endpoint=\"");
    if (ks_cfg.host[0] != '\0') {
        out_str(ks_cfg.use_tls ? "https://" : "http://");
        out_str(ks_cfg.host);
        out_str(":");
        out_u32(ks_cfg.port);
    }
    out_str("\"");
    out_str(" task=");
    out_quoted(ks_cfg.task);
    out_str(" record=");
    out_quoted(ks_cfg.record);
    out_str(" auth=");
    out_str(ks_cfg.auth == BOARD_AUTH_AKSK ? "aksk" : "token");
    /* Secrets are never shown: only whether they are set. */
    out_str(" token=<redacted ");
    out_u32((uint32_t)ks_cfg.token_len);
    out_str(" chars> ak=<");
    out_u32((uint32_t)strlen(ks_cfg.ak));
    out_str(" chars> sk=<redacted ");
    out_u32((uint32_t)strlen(ks_cfg.sk));
    out_str(" chars> ca=");
    out_u32((uint32_t)ks_cfg.ca_len);
    out_str(" bytes hold_ms=");
    out_u32(ks_cfg.hold_ms);
    out_str(" deadline_ms=");
    out_u32(ks_cfg.deadline_ms);
    out_str(" clock=");
    if (board_unix_time(&t) == 0) {
        out_u32((uint32_t)t);
    } else {
        out_str("none");
    }
    out_str(" state=");
    out_str(ks_state_name(ks_state()));
    out_nl();
    ok("show");
}

static void set_id(char *dst, const char *v, const char *what)
{
    if (!ds_valid_id(v)) {
        err("id must be 32 letters or digits");
        return;
    }
    memcpy(dst, v, DS_ID_LEN + 1u);
    save();
    ok(what);
}

/* "https://HOST[:PORT][/]" ("http://" for tests; no scheme means https).
 * Parsed here, in the line buffer, so a typo is an ERR at once instead of
 * a failed press, and the old endpoint is kept. */
static void set_endpoint(char *v)
{
    char *h = v;
    char *p;
    uint32_t port = 443u;
    uint8_t tls = 1u;
    if (strncmp(h, "https://", 8) == 0) {
        h += 8;
    } else if (strncmp(h, "http://", 7) == 0) {
        h += 7;
        port = 80u;
        tls = 0u;
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
    memcpy(ks_cfg.host, h, strlen(h) + 1u);
    ks_cfg.port = (uint16_t)port;
    ks_cfg.use_tls = tls;
    save();
    ok("endpoint");
}

static void set_key(char *dst, size_t cap, const char *v, int is_sk)
{
    if (!(is_sk ? ds_sign_valid_sk(v) : ds_sign_valid_ak(v))) {
        err(is_sk ? "sk must be 1..128 visible ASCII characters"
                  : "ak must be 1..128 letters or digits");
        return;
    }
    ds_wipe(dst, cap);
    memcpy(dst, v, strlen(v) + 1u);
    if (ks_cfg.ak[0] != '\0' && ks_cfg.sk[0] != '\0') {
        ks_cfg.auth = BOARD_AUTH_AKSK;
    }
    save();
    ok(is_sk ? "sk" : "ak");
}

static void set_auth(const char *v)
{
    if (strcmp(v, "token") == 0 && ks_cfg.token_len != 0u) {
        ks_cfg.auth = BOARD_AUTH_TOKEN;
    } else if (strcmp(v, "aksk") == 0 && ks_cfg.ak[0] != '\0' && ks_cfg.sk[0] != '\0') {
        ks_cfg.auth = BOARD_AUTH_AKSK;
    } else {
        err("auth: token (needs a token) or aksk (needs ak and sk)");
        return;
    }
    save();
    ok("auth");
}

static void cmd_set(char *args)
{
    char *v = strchr(args, ' ');
    uint32_t n;
    if (v == NULL) {
        err("usage: set endpoint|task|record|token|ak|sk|auth|hold|deadline|time VALUE");
        return;
    }
    *v++ = '\0';
    if (strcmp(args, "endpoint") == 0) {
        set_endpoint(v);
    } else if (strcmp(args, "task") == 0) {
        set_id(ks_cfg.task, v, "task");
    } else if (strcmp(args, "record") == 0) {
        set_id(ks_cfg.record, v, "record");
    } else if (strcmp(args, "ak") == 0) {
        set_key(ks_cfg.ak, sizeof ks_cfg.ak, v, 0);
    } else if (strcmp(args, "sk") == 0) {
        set_key(ks_cfg.sk, sizeof ks_cfg.sk, v, 1);
    } else if (strcmp(args, "auth") == 0) {
        set_auth(v);
    } else if (strcmp(args, "hold") == 0 && parse_u32(v, &n) == 0 && n >= 100u && n <= 60000u) {
        ks_cfg.hold_ms = n;
        save();
        ok("hold");
    } else if (strcmp(args, "deadline") == 0 && parse_u32(v, &n) == 0 && n >= 1000u && n <= 600000u) {
        ks_cfg.deadline_ms = n;
        save();
        ok("deadline");
    } else if (strcmp(args, "time") == 0 && parse_u32(v, &n) == 0) {
        if (board_set_unix_time((int64_t)n) != 0) {
            err("this board keeps its own time");
            return;
        }
        ks_forget_clock_offset();
        ok("time");
    } else {
        err("bad setting or value");
    }
}

static void run_line(char *l)
{
    uint32_t n;
    if (l[0] == '\0') {
        return;
    }
    if (strncmp(l, "set ", 4) == 0) {
        cmd_set(l + 4);
    } else if (strcmp(l, "show") == 0) {
        show();
    } else if (strcmp(l, "ca") == 0) {
        ds_wipe(ks_cfg.ca_pem, sizeof ks_cfg.ca_pem);
        ks_cfg.ca_len = 0;
        mode = MODE_CA;
        out_str("OK paste PEM, ends at " CA_END);
        out_nl();
    } else if (strcmp(l, "press") == 0) {
        ks_press(ks_cfg.hold_ms + 2u * KS_DEBOUNCE_MS + 100u);
        ok("press");
    } else if (strncmp(l, "press ", 6) == 0 && parse_u32(l + 6, &n) == 0) {
        ks_press(n);
        ok("press");
    } else if (strcmp(l, "net") == 0) {
        ks_print_network();
        ok("net");
    } else if (strcmp(l, "stats") == 0) {
        ks_print_stats();
        ok("stats");
    } else if (strcmp(l, "exit") == 0) {
        ok("exit");
        board_exit(0);
    } else if (strncmp(l, "exit ", 5) == 0 && parse_u32(l + 5, &n) == 0) {
        ok("exit");
        board_exit((int)n);
    } else if (strcmp(l, "help") == 0) {
        out_str("commands: set endpoint|task|record|token|ak|sk|auth|hold|deadline|time VALUE, "
                "ca, show, net, stats, press [MS], exit [N]");
        out_nl();
        out_str("auth: the credential set last is used (set token, or set ak + set sk); "
                "set auth token|aksk switches; secrets are never shown");
        out_nl();
        ok("help");
    } else {
        err("unknown command (try help)");
    }
}

static void ca_line(const char *l, size_t len)
{
    if (ks_cfg.ca_len + len + 1u > BOARD_CA_MAX) {
        ds_wipe(ks_cfg.ca_pem, sizeof ks_cfg.ca_pem);
        ks_cfg.ca_len = 0;
        mode = MODE_LINE;
        err("ca too large");
        return;
    }
    memcpy(ks_cfg.ca_pem + ks_cfg.ca_len, l, len);
    ks_cfg.ca_len += len;
    ks_cfg.ca_pem[ks_cfg.ca_len++] = '\n';
    ks_cfg.ca_pem[ks_cfg.ca_len] = '\0';
    if (len == sizeof CA_END - 1u && memcmp(l, CA_END, len) == 0) {
        mode = MODE_LINE;
        if (ds_tls_check_ca(ks_cfg.ca_pem, ks_cfg.ca_len) != 0) {
            ds_wipe(ks_cfg.ca_pem, sizeof ks_cfg.ca_pem);
            ks_cfg.ca_len = 0;
            err("ca: not a certificate");
            return;
        }
        save();
        ok("ca");
    }
}

static void token_byte(char c)
{
    if (c == '\n') {
        mode = MODE_LINE;
        if (token_overflow || !ds_valid_token(ks_cfg.token, ks_cfg.token_len)) {
            ds_wipe(ks_cfg.token, sizeof ks_cfg.token);
            ks_cfg.token_len = 0;
            err("token must be 1..20000 visible ASCII characters");
            return;
        }
        ks_cfg.token[ks_cfg.token_len] = '\0';
        ks_cfg.auth = BOARD_AUTH_TOKEN;
        save();
        out_str("OK token (");
        out_u32((uint32_t)ks_cfg.token_len);
        out_str(" chars)");
        out_nl();
        return;
    }
    if (ks_cfg.token_len < DS_TOKEN_MAX) {
        ks_cfg.token[ks_cfg.token_len++] = c;
    } else {
        token_overflow = 1;
    }
}

/* A byte while an over-long line is skipped up to its end. */
static void discard_byte(int c)
{
    if (c != '\n')
        return;
    mode = discard_from;
    if (mode == MODE_CA) {
        ds_wipe(ks_cfg.ca_pem, sizeof ks_cfg.ca_pem);
        ks_cfg.ca_len = 0;
        mode = MODE_LINE;
    }
    err("line too long");
}

/* "set token " typed: the rest of the line streams into the token. */
static void maybe_token_prefix(void)
{
    if (mode == MODE_LINE && line_len == sizeof TOKEN_PREFIX - 1u &&
        memcmp(line, TOKEN_PREFIX, line_len) == 0) {
        ds_wipe(ks_cfg.token, sizeof ks_cfg.token);
        ks_cfg.token_len = 0;
        token_overflow = 0;
        line_len = 0;
        mode = MODE_TOKEN;
    }
}

/* A byte of a command line or of a CA paste. */
static void line_byte(int c)
{
    if (c == '\n') {
        line[line_len] = '\0';
        if (mode == MODE_CA) {
            ca_line(line, line_len);
        } else {
            run_line(line);
        }
        ds_wipe(line, sizeof line);
        line_len = 0;
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

void console_poll(void)
{
    int c;
    /* Bounded per call so the network keeps running during a paste. */
    int budget = 256;
    while (budget-- > 0 && (c = board_console_getc()) >= 0) {
        if (c == '\r')
            continue;
        if (mode == MODE_TOKEN)
            token_byte((char)c);
        else if (mode == MODE_DISCARD)
            discard_byte(c);
        else
            line_byte(c);
    }
}
