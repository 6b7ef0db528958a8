/*
 * deploystop token --iam-endpoint https://HOST[:PORT] --user U --domain D
 *                  --project REGION (--out FILE [--refresh-margin SECONDS]
 *                  | --print) [--ca-file PEM] [--timeout SECONDS]
 *
 * The password comes from DEPLOYSTOP_PASSWORD (then wiped and unset) or a
 * prompt on the terminal with echo off; never from the command line, where
 * every user of the machine could read it. The token goes to a file
 * created 0600, whose modification time is set to the token's expiry so
 * that --refresh-margin can skip a fetch while the token stays valid.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli_args.h"
#include "cli_token.h"
#include "redact.h"
#include "deploystop.h"
#include "ds_date.h"
#include "ds_iam.h"
#include "ds_posix.h"
#include "endpoint.h"
#include "report.h"

const char cli_token_usage[] =
    "Usage:\n"
    "  deploystop token --iam-endpoint https://HOST[:PORT] --user USER\n"
    "                   --domain ACCOUNT --project REGION\n"
    "                   (--out FILE [--refresh-margin SECONDS] | --print)\n"
    "                   [--ca-file PEM] [--timeout SECONDS]\n"
    "\n"
    "Asks IAM (POST /v3/auth/tokens) for a project-scoped token, valid 24 h.\n"
    "The password is read from DEPLOYSTOP_PASSWORD, else prompted for on the\n"
    "terminal without echo. --out writes the token to FILE (mode 0600, its\n"
    "modification time set to the expiry); with --refresh-margin a token in\n"
    "FILE valid for longer than SECONDS is kept and nothing is sent. --print\n"
    "writes the token to stdout instead. Use the file with\n"
    "  deploystop stop --token-file FILE ...\n";

enum {
    T_ENDPOINT,
    T_USER,
    T_DOMAIN,
    T_PROJECT,
    T_OUT,
    T_MARGIN,
    T_CA,
    T_TIMEOUT,
    T_COUNT
};
static const char *const k_opts[T_COUNT] = {
    "--iam-endpoint", "--user",           "--domain",  "--project",
    "--out",          "--refresh-margin", "--ca-file", "--timeout"};

static ds_workspace_t workspace;
static ds_posix_net_t net;
static char token[DS_IAM_TOKEN_CAP + 1]; /* + write_token's newline */
static char password[DS_IAM_FIELD_MAX + 2];

static int usage(const char *what, const char *detail)
{
    (void)fprintf(stderr,
                  "deploystop token: %s%s (try: deploystop token --help)\n",
                  what, detail);
    return 2;
}

static const char *const k_flags[] = {"--print"};
static const cli_spec_t k_spec = {k_opts, T_COUNT, k_flags, 1, 0};

typedef struct token_scan {
    const char **v;
    int *print;
} token_scan_t;

static int on_opt(void *ctx, int opt, const char *value, char *err,
                  size_t err_cap)
{
    token_scan_t *t = ctx;
    (void)err;
    (void)err_cap;
    if (opt < 0)
        *t->print = 1;
    else
        t->v[opt] = value;
    return 0;
}

/* The same scanner as stop and status (cli_args.c), then the rules of
 * this command. */
static int parse(int argc, char **argv, const char *v[T_COUNT], int *print)
{
    token_scan_t t;
    char err[160] = "";
    int j;

    t.v = v;
    t.print = print;
    if (cli_scan(argc, argv, 1, &k_spec, on_opt, &t, err, sizeof err) != 0)
        return usage(err, "");
    for (j = T_ENDPOINT; j <= T_PROJECT; j++)
        if (!v[j] || !*v[j])
            return usage(k_opts[j], " is required");
    if (!v[T_OUT] == !*print)
        return usage("give exactly one of --out FILE and --print", "");
    if (v[T_MARGIN] && !v[T_OUT])
        return usage("--refresh-margin needs --out", "");
    return 0;
}

/* The password from the environment or the terminal, into `password`. */
static int read_password(const char *user)
{
    char *env = getenv("DEPLOYSTOP_PASSWORD");
    struct termios old, quiet;
    size_t n = 0;
    int fd, ok = 0;

    if (env) {
        n = strlen(env);
        if (n < sizeof password)
            memcpy(password, env, n + 1);
        ds_wipe(env, n);
        (void)unsetenv("DEPLOYSTOP_PASSWORD");
        return n >= 1 && n <= DS_IAM_FIELD_MAX ? 0 : -1;
    }
    fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || tcgetattr(fd, &old) != 0) {
        if (fd >= 0)
            (void)close(fd);
        return -1;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    if (tcsetattr(fd, TCSAFLUSH, &quiet) == 0) {
        char c;
        (void)dprintf(fd, "IAM password for %s: ", user);
        for (;;) {
            ssize_t got = read(fd, &c, 1);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0 || c == '\n' || c == '\r') {
                ok = got > 0;
                break;
            }
            if (n + 1 < sizeof password)
                password[n] = c;
            n++;
        }
        c = 0;
        (void)tcsetattr(fd, TCSAFLUSH, &old);
        (void)write(fd, "\n", 1);
    }
    (void)close(fd);
    if (n >= sizeof password)
        n = sizeof password - 1;
    password[n] = '\0';
    return ok && n >= 1 && n <= DS_IAM_FIELD_MAX ? 0 : -1;
}

/* 1 when FILE holds a token our --out wrote that is still valid for more
 * than `margin` seconds (its mtime is the expiry). */
static int still_valid(const char *file, int64_t margin, int64_t *expires)
{
    struct stat st;
    if (stat(file, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 2)
        return 0;
    *expires = (int64_t)st.st_mtime;
    return !ds_token_needs_refresh(*expires, (int64_t)time(NULL), margin);
}

static int write_token(const char *file, size_t len, int64_t expires)
{
    struct timespec times[2];
    size_t off = 0;
    int rc = 0, fd;

    if (len >= sizeof token)
        return -1;
    fd = ds_posix_open_regular(file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW,
                               0600);

    if (fd == DS_POSIX_NOT_REGULAR)
        errno = EINVAL; /* replaced by something else since the check */
    if (fd < 0)
        return -1;
    /* An existing file keeps its mode through O_CREAT: narrow it first. */
    if (fchmod(fd, 0600) != 0)
        rc = -1;
    token[len] = '\n';
    while (!rc && off < len + 1) {
        ssize_t w = write(fd, token + off, len + 1 - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = -1;
        else
            off += (size_t)w;
    }
    token[len] = '\0';
    times[0].tv_sec = 0;
    times[0].tv_nsec = UTIME_NOW;
    times[1].tv_sec = (time_t)expires;
    times[1].tv_nsec = 0;
    if (!rc && (futimens(fd, times) != 0 || fsync(fd) != 0))
        rc = -1;
    if (close(fd) != 0)
        rc = -1;
    return rc;
}

/* "2026-11-29T10:00:00Z" for messages. */
static void iso_time(int64_t t, char out[21])
{
    char d[DS_SDK_DATE_LEN + 1];
    if (ds_date_sdk(t, d, sizeof d) != 0) {
        (void)snprintf(out, 21, "(unknown)");
        return;
    }
    (void)snprintf(out, 21, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", d, d + 4, d + 6,
                   d + 9, d + 11, d + 13);
}

static void print_failure(const ds_result_t *res)
{
    (void)fprintf(stderr, "deploystop token: %s: %s",
                  ds_outcome_name(res->outcome), ds_reason_text(res->reason));
    if (res->http_status)
        (void)fprintf(stderr, " (HTTP %d%s%s%s%s)", res->http_status,
                      res->error_code[0] ? " " : "", res->error_code,
                      res->error_msg[0] ? ": " : "", res->error_msg);
    if ((res->outcome == DS_NETWORK || res->outcome == DS_UNKNOWN) &&
        ds_posix_net_error(&net)[0])
        (void)fprintf(stderr, ": %s", ds_posix_net_error(&net));
    if (res->request_id[0])
        (void)fprintf(stderr, " [request id %s]", res->request_id);
    (void)fputc('\n', stderr);
}

static int fetch(const char *v[T_COUNT], int print, const cli_endpoint_t *ep,
                 uint32_t timeout_ms)
{
    ds_iam_request_t req;
    ds_iam_token_t tok;
    ds_transport_t tr;
    ds_platform_t pf;
    ds_result_t res;
    char when[21];
    int rc;

    if (ds_posix_net_init(&net, v[T_CA]) != 0) {
        (void)fprintf(stderr, "deploystop token: %s%s\n",
                      v[T_CA] ? "--ca-file: " : "", ds_posix_net_error(&net));
        ds_posix_net_free(&net);
        return v[T_CA] ? 2 : report_exit_status(DS_NETWORK);
    }
    ds_posix_transport(&net, &tr);
    ds_posix_platform(&pf);
    ds_iam_request_init(&req);
    req.host = ep->host;
    req.port = ep->port;
    req.user = v[T_USER];
    req.password = password;
    req.domain = v[T_DOMAIN];
    req.project = v[T_PROJECT];
    req.deadline_ms = timeout_ms;
    tok.buf = token;
    tok.cap = DS_IAM_TOKEN_CAP;

    (void)ds_iam_fetch(&req, &tr, &pf, &workspace, &tok, &res);
    ds_posix_net_free(&net);
    ds_wipe(&workspace, sizeof workspace);
    if (res.outcome != DS_IAM_ISSUED) {
        /* Printed while the password is still known to the filter: a
         * server that echoes it gets [REDACTED]. */
        print_failure(&res);
        redact_flush();
        redact_forget();
        ds_wipe(password, sizeof password);
        return report_exit_status(res.outcome);
    }
    redact_flush();
    redact_forget();
    ds_wipe(password, sizeof password);
    iso_time(tok.expires_at, when);
    if (print) {
        (void)fwrite(token, 1, tok.len, stdout);
        (void)fputc('\n', stdout);
        rc = fflush(stdout) == 0 ? 0 : 8;
    } else if (write_token(v[T_OUT], tok.len, tok.expires_at) != 0) {
        (void)fprintf(stderr, "deploystop token: cannot write %.200s: %s\n",
                      v[T_OUT], strerror(errno));
        rc = 8;
    } else {
        rc = 0;
    }
    ds_wipe(token, sizeof token);
    if (!rc)
        (void)fprintf(stderr, "deploystop token: %s%s, valid until %s\n",
                      print ? "token printed" : "token written to ",
                      print ? "" : v[T_OUT], when);
    return rc;
}

int cli_token_main(int argc, char **argv)
{
    const char *v[T_COUNT] = {NULL};
    cli_endpoint_t ep;
    uint32_t timeout_ms = DS_DEFAULT_DEADLINE_MS, margin_ms = 0;
    int64_t expires;
    int print = 0, i;
    char why[256];

    for (i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            (void)fputs(cli_token_usage, stdout);
            return 0;
        }
    if (parse(argc, argv, v, &print))
        return 2;
    if (endpoint_parse(v[T_ENDPOINT], &ep, why, sizeof why))
        return usage("--iam-endpoint: ", why);
    if (v[T_TIMEOUT] && cli_parse_seconds(v[T_TIMEOUT], &timeout_ms))
        return usage("--timeout wants seconds between 0.001 and 86400", "");
    if (v[T_MARGIN] && cli_parse_seconds(v[T_MARGIN], &margin_ms))
        return usage("--refresh-margin wants seconds between 0.001 and 86400",
                     "");
    if (strlen(v[T_USER]) > DS_IAM_FIELD_MAX ||
        strlen(v[T_DOMAIN]) > DS_IAM_FIELD_MAX ||
        strlen(v[T_PROJECT]) > DS_IAM_FIELD_MAX)
        return usage("--user, --domain and --project take at most 255 bytes",
                     "");
    if (v[T_OUT]) {
        /* Before anything is asked or sent: a FIFO or directory as --out
         * would only fail (or block) once the token has been issued. */
        i = ds_posix_open_regular(v[T_OUT], O_RDONLY, 0);
        if (i == DS_POSIX_NOT_REGULAR) {
            (void)fprintf(stderr,
                          "deploystop token: --out %.200s is not a "
                          "regular file\n",
                          v[T_OUT]);
            return 2;
        }
        if (i >= 0)
            (void)close(i);
        if (v[T_MARGIN] && still_valid(v[T_OUT], margin_ms / 1000u, &expires)) {
            char when[21];
            iso_time(expires, when);
            (void)fprintf(stderr,
                          "deploystop token: %s still valid until %s, kept\n",
                          v[T_OUT], when);
            return 0;
        }
    }
    if (read_password(v[T_USER]) != 0) {
        ds_wipe(password, sizeof password);
        (void)fputs("deploystop token: no password: set DEPLOYSTOP_PASSWORD or "
                    "run on a terminal (1..255 bytes)\n",
                    stderr);
        return 2;
    }
    redact_add(password, strlen(password));
    return fetch(v, print, &ep, timeout_ms);
}
