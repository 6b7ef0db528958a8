/*
 * Every byte the CLI writes to stdout and stderr passes through here: any
 * run of REDACT_RUN or more consecutive characters of a secret of the run
 * (the token, the AK/SK secret, an IAM password), or a whole secret shorter
 * than that, becomes "[REDACTED]", whatever printed it (a result line, a
 * JSON object, a -v trace line of any length, an error message a server
 * echoed). Secrets are borrowed, not copied: register them after loading
 * and keep them until the last line is written, then wipe them.
 */
#ifndef DS_CLI_REDACT_H
#define DS_CLI_REDACT_H

#include <stddef.h>

#define REDACT_RUN 16u

/* Route stdout and stderr through the filter (lines are written whole).
 * Returns 0, or -1 when the streams could not be replaced. */
int redact_install(void);
/* A secret of the run: `n` bytes at `p` (borrowed). Up to 4. */
void redact_add(const char *p, size_t n);
/* Write out any partial line (call before wiping the secrets). */
void redact_flush(void);
/* Forget every secret (call before wiping them, after the last output). */
void redact_forget(void);
/* The redacted form of s[0..n) into out (capacity cap); returns its
 * length (cut at cap - 1; out is NUL-terminated). */
size_t redact_text(const char *s, size_t n, char *out, size_t cap);

#endif /* DS_CLI_REDACT_H */
