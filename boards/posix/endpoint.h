/*
 * Where the stop goes: an https:// endpoint or a region's documented host.
 */
#ifndef DS_CLI_ENDPOINT_H
#define DS_CLI_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "ds_config.h"

typedef struct cli_endpoint {
    char host[DS_HOST_MAX + 1]; /* IPv6 literals without brackets */
    uint16_t port;
} cli_endpoint_t;

/* Parse "https://HOST[:PORT][/]". Returns 0, or -1 with a one-line reason
 * in `err` (http://, paths, user info and bad ports are refused). */
int endpoint_parse(const char *url, cli_endpoint_t *ep, char *err,
                   size_t err_cap);

/* Map a region (docs/api.md section 2) to its Deploy host, port 443. Returns 0,
 * or -1 with a reason in `err` for a region not in the documented list. */
int endpoint_from_region(const char *region, cli_endpoint_t *ep, char *err,
                         size_t err_cap);

#endif /* DS_CLI_ENDPOINT_H */
