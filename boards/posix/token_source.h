/*
 * Where the CLI gets the IAM token: a file, else DEPLOYSTOP_TOKEN.
 */
#ifndef DS_CLI_TOKEN_SOURCE_H
#define DS_CLI_TOKEN_SOURCE_H

#include <stddef.h>

#include "ds_config.h"

/* Room for the longest token, its line end and one byte to detect an
 * overlong file. */
#define TOKEN_BUF_SIZE (DS_TOKEN_MAX + 3u)

/*
 * Read the token from `file` (when not NULL) or from the DEPLOYSTOP_TOKEN
 * environment variable (whose value is then wiped and unset), into `buf`.
 * One trailing "\n" or "\r\n" is removed; anything else that is not a valid
 * token (1..20000 visible ASCII characters) is refused.
 * Returns 0 with *len set, or -1 with a one-line reason in `err` (which
 * never contains token bytes). A file readable by group or others is read
 * but gets a warning line on stderr.
 */
int token_load(const char *file, char *buf, size_t cap, size_t *len, char *err,
               size_t err_cap);

#endif /* DS_CLI_TOKEN_SOURCE_H */
