/*
 * Where the CLI gets AK/SK credentials: --credentials FILE, else the
 * DEPLOYSTOP_AK and DEPLOYSTOP_SK environment variables.
 */
#ifndef DS_CLI_AKSK_SOURCE_H
#define DS_CLI_AKSK_SOURCE_H

#include <stddef.h>

#include "ds_sign.h"

typedef struct aksk_creds {
    char ak[DS_SIGN_AK_MAX + 1];
    char sk[DS_SIGN_SK_MAX + 1];
} aksk_creds_t;

/*
 * Load AK/SK from `file` (when not NULL) or the environment. The file is
 * either the credentials.csv the Huawei Cloud console downloads (a header
 * naming "Access Key Id" and "Secret Access Key", then one line of values)
 * or "ak = ..." / "sk = ..." lines (DEPLOYSTOP_AK= / DEPLOYSTOP_SK= also
 * accepted, '#' starts a comment). From the environment both variables
 * must be set; they are then wiped and unset.
 * Returns 1 when credentials were loaded, 0 when none are configured (no
 * file, neither variable set: token auth applies), -1 with a one-line
 * reason in `err` that never contains the secret key. `c` is wiped on
 * failure; the caller wipes it after use.
 */
int aksk_load(const char *file, aksk_creds_t *c, char *err, size_t err_cap);

#endif /* DS_CLI_AKSK_SOURCE_H */
