/*
 * Endpoint URL and region parsing for the CLI.
 */
#include <stdio.h>
#include <string.h>

#include "deploystop.h"
#include "endpoint.h"

/* docs/api.md section 2. Only documented regions: a typo must not turn into a
 * DNS query for a host that may belong to someone else. */
static const struct {
    const char *region;
    const char *suffix;
} regions[] = {
    {"cn-north-4", "com"}, {"cn-north-1", "com"},  {"cn-east-2", "com"},
    {"cn-east-3", "com"},  {"cn-south-1", "com"},  {"ap-southeast-3", "com"},
    {"la-north-2", "com"}, {"sa-brazil-1", "com"}, {"tr-west-1", "com"},
    {"eu-west-101", "eu"},
};

int endpoint_from_region(const char *region, cli_endpoint_t *ep, char *err,
                         size_t err_cap)
{
    size_t i;
    for (i = 0; i < sizeof regions / sizeof regions[0]; i++) {
        if (strcmp(region, regions[i].region) == 0) {
            (void)snprintf(ep->host, sizeof ep->host,
                           "codearts-deploy.%s.myhuaweicloud.%s",
                           regions[i].region, regions[i].suffix);
            ep->port = DS_DEFAULT_PORT;
            return 0;
        }
    }
    (void)snprintf(
        err, err_cap,
        "unknown region '%.40s' (use --endpoint https://HOST for others)",
        region);
    return -1;
}

static int prefix_nocase(const char *s, const char *prefix)
{
    for (; *prefix != '\0'; s++, prefix++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (c != *prefix) {
            return 0;
        }
    }
    return 1;
}

static int parse_port(const char *p, size_t len, uint16_t *port)
{
    unsigned long v = 0;
    size_t i;
    if (len == 0 || len > 5) {
        return -1;
    }
    for (i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return -1;
        }
        v = v * 10u + (unsigned long)(p[i] - '0');
    }
    if (v == 0 || v > 65535u) {
        return -1;
    }
    *port = (uint16_t)v;
    return 0;
}

int endpoint_parse(const char *url, cli_endpoint_t *ep, char *err,
                   size_t err_cap)
{
    const char *auth, *end, *host, *host_end, *port_text = NULL;
    size_t auth_len, host_len;

    if (prefix_nocase(url, "http://")) {
        (void)snprintf(
            err, err_cap,
            "refusing http:// (the token would travel in clear): use https://");
        return -1;
    }
    if (!prefix_nocase(url, "https://")) {
        (void)snprintf(err, err_cap,
                       "--endpoint must look like https://HOST[:PORT]");
        return -1;
    }
    auth = url + 8;
    end = strchr(auth, '/');
    auth_len = end != NULL ? (size_t)(end - auth) : strlen(auth);
    if (end != NULL && end[1] != '\0') {
        (void)snprintf(err, err_cap,
                       "--endpoint takes no path: https://HOST[:PORT]");
        return -1;
    }
    if (memchr(auth, '@', auth_len) != NULL ||
        memchr(auth, '?', auth_len) != NULL ||
        memchr(auth, '#', auth_len) != NULL) {
        (void)snprintf(err, err_cap,
                       "--endpoint takes no user info, query or fragment");
        return -1;
    }
    if (auth_len > 0 && auth[0] == '[') {
        const char *close = memchr(auth, ']', auth_len);
        if (close == NULL) {
            (void)snprintf(err, err_cap,
                           "--endpoint: unclosed [ in IPv6 address");
            return -1;
        }
        host = auth + 1;
        host_end = close;
        if (close + 1 < auth + auth_len) {
            if (close[1] != ':') {
                (void)snprintf(err, err_cap, "--endpoint: junk after ]");
                return -1;
            }
            port_text = close + 2;
        }
    } else {
        const char *colon = memchr(auth, ':', auth_len);
        host = auth;
        host_end = colon != NULL ? colon : auth + auth_len;
        if (colon != NULL) {
            port_text = colon + 1;
        }
    }
    host_len = (size_t)(host_end - host);
    if (host_len == 0 || host_len > DS_HOST_MAX) {
        (void)snprintf(err, err_cap, "--endpoint: missing or too long host");
        return -1;
    }
    ep->port = DS_DEFAULT_PORT;
    if (port_text != NULL &&
        parse_port(port_text, (size_t)(auth + auth_len - port_text),
                   &ep->port) != 0) {
        (void)snprintf(err, err_cap, "--endpoint: port must be 1..65535");
        return -1;
    }
    memcpy(ep->host, host, host_len);
    ep->host[host_len] = '\0';
    if (!ds_valid_host(ep->host)) {
        (void)snprintf(err, err_cap,
                       "--endpoint: '%.60s' is not a host name or IP address",
                       ep->host);
        return -1;
    }
    return 0;
}
