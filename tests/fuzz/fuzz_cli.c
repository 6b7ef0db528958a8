/*
 * libFuzzer target for the CLI's own parsers: the command line (cli_parse,
 * through the one option scanner), --endpoint (endpoint_parse), a token
 * file (token_load) and a credentials file (aksk_load). The first byte
 * picks the parser; the rest is its input (argv: arguments split at NUL
 * bytes; files: written to a temporary regular file).
 * Oracle: besides the sanitizers, whatever a parser accepts is what the
 * core would accept (ids, host, token, AK/SK) and within the CLI's bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aksk_source.h"
#include "cli_args.h"
#include "deploystop.h"
#include "ds_sign.h"
#include "endpoint.h"
#include "token_source.h"

#define ARGS_MAX 48

static void check_args(const uint8_t *d, size_t n)
{
    static char buf[4096];
    char *argv[ARGS_MAX + 2];
    int argc = 1, i;
    cli_opts_t o;
    char err[160];
    size_t k = 0;
    cli_action_t a;

    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, d, n);
    buf[n] = 0;
    argv[0] = "deploystop";
    while (k <= n && argc <= ARGS_MAX) {
        argv[argc++] = buf + k;
        k += strlen(buf + k) + 1;
    }
    argv[argc] = NULL;
    a = cli_parse(argc, argv, &o, err, sizeof err);
    if (a == CLI_USAGE_ERROR && (!err[0] || strlen(err) >= sizeof err))
        abort();
    if (a != CLI_STOP && a != CLI_STATUS)
        return;
    if (o.ntasks < 1 || o.ntasks > CLI_TASKS_MAX || (!o.record == !o.project) ||
        (!o.endpoint == !o.region) || (o.record && o.ntasks != 1) ||
        o.timeout_ms == 0 || o.retries < 0 || o.retries > 10)
        abort();
    for (i = 0; i < o.ntasks; i++)
        if (!o.tasks[i])
            abort();
}

static void check_endpoint(const uint8_t *d, size_t n)
{
    static char url[1024];
    cli_endpoint_t ep;
    char err[256];
    if (n >= sizeof url)
        n = sizeof url - 1;
    memcpy(url, d, n);
    url[n] = 0;
    if (endpoint_parse(url, &ep, err, sizeof err) == 0 &&
        (!ds_valid_host(ep.host) || ep.port == 0))
        abort();
}

static const char *to_file(const uint8_t *d, size_t n)
{
    static char path[64];
    FILE *f;
    if (!path[0])
        (void)snprintf(path, sizeof path, "/tmp/fuzz_cli.%ld", (long)getpid());
    f = fopen(path, "wb");
    if (!f)
        abort();
    if (n && fwrite(d, 1, n, f) != n)
        abort();
    (void)fclose(f);
    return path;
}

static void check_token(const uint8_t *d, size_t n)
{
    static char tok[DS_TOKEN_MAX + 2];
    size_t len = 0;
    char err[256];
    if (token_load(to_file(d, n), tok, sizeof tok, &len, err, sizeof err) ==
            0 &&
        !ds_valid_token(tok, len))
        abort();
}

static void check_credentials(const uint8_t *d, size_t n)
{
    aksk_creds_t c;
    char err[256];
    int r = aksk_load(to_file(d, n), &c, err, sizeof err);
    if (r > 0 && !ds_sign_valid_credentials(c.ak, c.sk))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] & 3) {
    case 0: check_args(data + 1, size - 1); break;
    case 1: check_endpoint(data + 1, size - 1); break;
    case 2: check_token(data + 1, size - 1); break;
    default: check_credentials(data + 1, size - 1); break;
    }
    return 0;
}
