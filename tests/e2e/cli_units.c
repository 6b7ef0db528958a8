/*
 * cmocka tests of the CLI's pure parts: endpoint and region mapping, option
 * parsing, and the escaping of server text in the JSON and text outputs.
 * Built and run by `make e2e` before the end-to-end cases.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli_args.h"
#include "deploystop.h"
#include "endpoint.h"
#include "report.h"

static void region_maps_to_documented_com_host(void **state)
{
    cli_endpoint_t ep;
    char err[160];
    (void)state;
    assert_int_equal(endpoint_from_region("cn-north-4", &ep, err, sizeof err),
                     0);
    assert_string_equal(ep.host,
                        "codearts-deploy.cn-north-4.myhuaweicloud.com");
    assert_int_equal(ep.port, 443);
}

static void eu_region_maps_to_the_eu_domain(void **state)
{
    cli_endpoint_t ep;
    char err[160];
    (void)state;
    assert_int_equal(endpoint_from_region("eu-west-101", &ep, err, sizeof err),
                     0);
    assert_string_equal(ep.host,
                        "codearts-deploy.eu-west-101.myhuaweicloud.eu");
}

static void unknown_region_is_refused(void **state)
{
    cli_endpoint_t ep;
    char err[160];
    (void)state;
    assert_int_equal(endpoint_from_region("cn-north-9", &ep, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "--endpoint"));
}

static void endpoint_with_port(void **state)
{
    cli_endpoint_t ep;
    char err[160];
    (void)state;
    assert_int_equal(
        endpoint_parse("https://127.0.0.1:8443", &ep, err, sizeof err), 0);
    assert_string_equal(ep.host, "127.0.0.1");
    assert_int_equal(ep.port, 8443);
}

static void
endpoint_without_port_defaults_to_443_and_allows_a_slash(void **state)
{
    cli_endpoint_t ep;
    char err[160];
    (void)state;
    assert_int_equal(
        endpoint_parse("HTTPS://Deploy.Example.com/", &ep, err, sizeof err), 0);
    assert_string_equal(ep.host, "Deploy.Example.com");
    assert_int_equal(ep.port, 443);
}

static void bracketed_ipv6_endpoint(void **state)
{
    cli_endpoint_t ep;
    char err[160];
    (void)state;
    assert_int_equal(endpoint_parse("https://[::1]:9443", &ep, err, sizeof err),
                     0);
    assert_string_equal(ep.host, "::1");
    assert_int_equal(ep.port, 9443);
}

static void malformed_endpoints_are_refused(void **state)
{
    static const char *const bad[] = {
        "http://127.0.0.1", "ftp://host",        "https://",
        "https://:443",     "https://host:0",    "https://host:65536",
        "https://host:12a", "https://host/path", "https://u@host",
        "https://host?x=1", "https://[::1",      "https://[::1]x",
        "https://::1:443",  "https://bad_host!", "127.0.0.1:443",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cli_endpoint_t ep;
        char err[160] = "";
        if (endpoint_parse(bad[i], &ep, err, sizeof err) != -1) {
            fail_msg("accepted %s", bad[i]);
        }
        assert_true(err[0] != '\0');
    }
}

static void seconds_accept_decimals_up_to_milliseconds(void **state)
{
    uint32_t ms = 0;
    (void)state;
    assert_int_equal(cli_parse_seconds("30", &ms), 0);
    assert_int_equal(ms, 30000);
    assert_int_equal(cli_parse_seconds("1.5", &ms), 0);
    assert_int_equal(ms, 1500);
    assert_int_equal(cli_parse_seconds("0.001", &ms), 0);
    assert_int_equal(ms, 1);
    assert_int_equal(cli_parse_seconds("86400", &ms), 0);
    assert_int_equal(ms, 86400000u);
}

static void seconds_refuse_zero_junk_and_overflow(void **state)
{
    static const char *const bad[] = {"0",
                                      "0.0",
                                      "",
                                      "-1",
                                      "1.",
                                      ".5",
                                      "1.0001",
                                      "86401",
                                      "1e3",
                                      "5s",
                                      "99999999999999999999"};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t ms = 7;
        if (cli_parse_seconds(bad[i], &ms) == 0) {
            fail_msg("accepted '%s'", bad[i]);
        }
        assert_int_equal(ms, 7);
    }
}

static void options_take_both_value_forms(void **state)
{
    char *argv[] = {"deploystop", "stop", "--endpoint=https://h",
                    "--task",     "t",    "--record=r",
                    "--timeout",  "2.5",  "--retries=0",
                    "--json",     "-v",   NULL};
    cli_opts_t o;
    char err[160];
    (void)state;
    assert_int_equal(cli_parse(11, argv, &o, err, sizeof err), CLI_STOP);
    assert_string_equal(o.endpoint, "https://h");
    assert_string_equal(o.task, "t");
    assert_string_equal(o.record, "r");
    assert_int_equal(o.timeout_ms, 2500);
    assert_int_equal(o.retries, 0);
    assert_true(o.json);
    assert_true(o.verbose);
    assert_null(o.token_file);
}

static void defaults_are_30_seconds_and_2_retries(void **state)
{
    char *argv[] = {"deploystop", "stop",   "--region",
                    "cn-north-4", "--task", "t",
                    "--record",   "r",      NULL};
    cli_opts_t o;
    char err[160];
    (void)state;
    assert_int_equal(cli_parse(8, argv, &o, err, sizeof err), CLI_STOP);
    assert_int_equal(o.timeout_ms, 30000);
    assert_int_equal(o.retries, 2);
}

static void repeated_option_is_a_usage_error(void **state)
{
    /* --task repeats (several tasks); other options may not. */
    char *argv[] = {"deploystop", "stop", "--record", "a",
                    "--record",   "b",    NULL};
    cli_opts_t o;
    char err[160];
    (void)state;
    assert_int_equal(cli_parse(6, argv, &o, err, sizeof err), CLI_USAGE_ERROR);
    assert_non_null(strstr(err, "twice"));
}

static void option_without_value_is_a_usage_error(void **state)
{
    char *argv[] = {"deploystop", "stop",   "--region",
                    "cn-north-4", "--task", NULL};
    cli_opts_t o;
    char err[160];
    (void)state;
    assert_int_equal(cli_parse(5, argv, &o, err, sizeof err), CLI_USAGE_ERROR);
    assert_non_null(strstr(err, "needs a value"));
}

static void help_and_version_anywhere_first(void **state)
{
    char *help[] = {"deploystop", "--help", NULL};
    char *version[] = {"deploystop", "--version", NULL};
    char *stop_help[] = {"deploystop", "stop", "--task", "x", "-h", NULL};
    cli_opts_t o;
    char err[160];
    (void)state;
    assert_int_equal(cli_parse(2, help, &o, err, sizeof err), CLI_HELP);
    assert_int_equal(cli_parse(2, version, &o, err, sizeof err), CLI_VERSION);
    assert_int_equal(cli_parse(5, stop_help, &o, err, sizeof err), CLI_HELP);
}

static void exit_statuses_follow_issue_3(void **state)
{
    (void)state;
    assert_int_equal(report_exit_status(DS_STOPPED), 0);
    assert_int_equal(report_exit_status(DS_INVALID_INPUT), 2);
    assert_int_equal(report_exit_status(DS_AUTH_FAILED), 3);
    assert_int_equal(report_exit_status(DS_NOT_FOUND), 4);
    assert_int_equal(report_exit_status(DS_REJECTED), 5);
    assert_int_equal(report_exit_status(DS_UNAVAILABLE), 6);
    assert_int_equal(report_exit_status(DS_NETWORK), 7);
    assert_int_equal(report_exit_status(DS_UNKNOWN), 8);
}

/* Render report_json into `out` through a memory stream. */
static void json_of(const ds_result_t *res, const char *detail, char *out,
                    size_t cap)
{
    report_ctx_t rc;
    FILE *f = fmemopen(out, cap, "w");
    assert_non_null(f);
    rc.task_id = "e700f15965694253940502911220d76b";
    rc.record_id = "2c82ffe8d00d4968a4e5f7a36d87ae17";
    rc.detail = detail;
    report_json(f, res, &rc);
    assert_int_equal(fclose(f), 0);
}

static void json_escapes_hostile_server_text(void **state)
{
    ds_result_t res;
    char out[1024];
    (void)state;
    memset(&res, 0, sizeof res);
    res.outcome = DS_REJECTED;
    res.reason = DS_R_HTTP_STATUS;
    res.http_status = 400;
    strcpy(res.error_code, "Deploy.\"1\"");
    /* quote, backslash, newline, ESC, DEL, valid UTF-8 (U+4E2D), a lone
     * continuation byte and a truncated 3-byte sequence */
    strcpy(res.error_msg, "a\"b\\c\nd\x1b[31m\x7f \xe4\xb8\xad \x80 \xe4\xb8");
    json_of(&res, "", out, sizeof out);
    assert_non_null(strstr(out, "\"error_code\":\"Deploy.\\\"1\\\"\""));
    assert_non_null(strstr(out,
                           "\"error_msg\":\"a\\\"b\\\\c\\nd\\u001b[31m\\u007f "
                           "\xe4\xb8\xad \\ufffd \\ufffd\\ufffd\""));
    assert_non_null(strstr(out, "\"request_id\":null"));
    assert_non_null(strstr(out, "\"http_status\":400"));
    assert_non_null(strstr(out, "\"outcome\":\"REJECTED\""));
    assert_null(strchr(out, '\x1b'));
    assert_int_equal(strchr(out, '\n'), out + strlen(out) - 1);
}

static void json_detail_only_for_network_and_unknown(void **state)
{
    ds_result_t res;
    char out[1024];
    (void)state;
    memset(&res, 0, sizeof res);
    res.outcome = DS_NOT_FOUND;
    json_of(&res, "stale transport note", out, sizeof out);
    assert_non_null(strstr(out, "\"detail\":null"));
    res.outcome = DS_NETWORK;
    json_of(&res, "certificate rejected", out, sizeof out);
    assert_non_null(strstr(out, "\"detail\":\"certificate rejected\""));
}

static void trace_withholds_a_line_holding_the_token(void **state)
{
    static const char token[] = "SECRET-TOKEN-VALUE";
    trace_ctx_t tc;
    char out[512] = "";
    FILE *saved = stderr;
    FILE *f = fmemopen(out, sizeof out, "w");
    (void)state;
    assert_non_null(f);
    tc.token = token;
    tc.token_len = strlen(token);
    stderr = f;
    report_trace(&tc, DS_TRACE_RESPONSE_LINE, "X-Echo: SECRET-TOKEN-VALUE", 26);
    report_trace(&tc, DS_TRACE_RESPONSE_LINE, "HTTP/1.1 200 OK", 15);
    stderr = saved;
    assert_int_equal(fclose(f), 0);
    assert_null(strstr(out, token));
    assert_non_null(strstr(out, "withheld"));
    assert_non_null(strstr(out, "< HTTP/1.1 200 OK\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(region_maps_to_documented_com_host),
        cmocka_unit_test(eu_region_maps_to_the_eu_domain),
        cmocka_unit_test(unknown_region_is_refused),
        cmocka_unit_test(endpoint_with_port),
        cmocka_unit_test(
            endpoint_without_port_defaults_to_443_and_allows_a_slash),
        cmocka_unit_test(bracketed_ipv6_endpoint),
        cmocka_unit_test(malformed_endpoints_are_refused),
        cmocka_unit_test(seconds_accept_decimals_up_to_milliseconds),
        cmocka_unit_test(seconds_refuse_zero_junk_and_overflow),
        cmocka_unit_test(options_take_both_value_forms),
        cmocka_unit_test(defaults_are_30_seconds_and_2_retries),
        cmocka_unit_test(repeated_option_is_a_usage_error),
        cmocka_unit_test(option_without_value_is_a_usage_error),
        cmocka_unit_test(help_and_version_anywhere_first),
        cmocka_unit_test(exit_statuses_follow_issue_3),
        cmocka_unit_test(json_escapes_hostile_server_text),
        cmocka_unit_test(json_detail_only_for_network_and_unknown),
        cmocka_unit_test(trace_withholds_a_line_holding_the_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
