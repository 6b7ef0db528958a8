/*
 * deploystop AK/SK request signing: Huawei Cloud "SDK-HMAC-SHA256"
 * (docs/api.md section 5), zero-malloc.
 *
 *   CanonicalRequest = METHOD \n URI/ \n QUERY \n HEADERS \n SIGNED \n hex(sha256(body))
 *   StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(CanonicalRequest))
 *   Authorization    = SDK-HMAC-SHA256 Access=AK, SignedHeaders=SIGNED, Signature=hex(hmac(SK, StringToSign))
 *
 * Hashing goes through the one-shot hooks of ds_crypto_t, so the canonical
 * request is built in a caller scratch buffer. It is bounded: for a stop it
 * is at most DS_SIGN_STOP_SCRATCH bytes (host <= 253), and ds_stop lends the
 * workspace's response-body buffer, idle until the answer arrives, so AK/SK
 * costs no extra RAM and the ports implement no streaming hash.
 *
 * Canonicalisation follows the official SDKs: the path and the query are
 * percent-decoded, then every byte but A-Za-z0-9-_.~ (and '/' in the path)
 * is re-encoded as uppercase %XX; a '%' not followed by two hex digits is a
 * literal '%'; '+' is a literal plus (send spaces as %20); query pairs with
 * an empty key are dropped, a key without '=' has an empty value; pairs are
 * sorted by decoded key, then decoded value (byte order). Header values are
 * trimmed of spaces and tabs.
 */
#ifndef DS_SIGN_H
#define DS_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "ds_date.h"
#include "ds_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DS_SIGN_OK 0
#define DS_SIGN_E_ARG                                                          \
    (-1) /* NULL, missing hook, bad method/path/date, CR/LF in a value */
#define DS_SIGN_E_CREDENTIALS                                                  \
    (-2) /* AK not 1..DS_SIGN_AK_MAX [A-Za-z0-9], SK not 1..DS_SIGN_SK_MAX visible ASCII */
#define DS_SIGN_E_SCRATCH                                                      \
    (-3) /* canonical request larger than the scratch buffer */
#define DS_SIGN_E_OUTPUT (-4) /* Authorization value does not fit `out` */
#define DS_SIGN_E_CRYPTO (-5) /* a crypto hook failed */

#define DS_SIGN_AK_MAX 128u
#define DS_SIGN_SK_MAX 128u

/* Authorization value with every optional header signed and the longest AK,
 * NUL included. */
#define DS_SIGN_AUTH_MAX                                                       \
    (sizeof "SDK-HMAC-SHA256 Access=, SignedHeaders=content-type;host;"        \
            "x-project-id;x-sdk-date;x-security-token, Signature=" +           \
     DS_SIGN_AK_MAX + 64u)

/* Canonical request of a stop (PUT, two 32-char ids, no query, content-type
 * + host of <= 253 chars with ":65535" + x-sdk-date), bytes. */
#define DS_SIGN_STOP_SCRATCH 520u

typedef struct ds_sign_input {
    const char *method;         /* "PUT"; upper-case letters */
    const char *path;           /* as sent, without query: "" or "/..." */
    const char *query;          /* as sent, without '?'; NULL or "" if none */
    const char *content_type;   /* NULL: not sent, not signed */
    const char *host;           /* Host header as sent ("h" or "h:port") */
    const char *sdk_date;       /* X-Sdk-Date, DS_SDK_DATE_LEN chars */
    const char *project_id;     /* NULL: not sent, not signed */
    const char *security_token; /* NULL: not sent (temporary AK/SK only) */
    const uint8_t *body;        /* may be NULL when body_len is 0 */
    size_t body_len;
} ds_sign_input_t;

/*
 * Build the canonical request into `buf` (capacity `cap`; not
 * NUL-terminated) and set *len. Uses crypto->sha256 for the body hash.
 * Returns DS_SIGN_OK, DS_SIGN_E_ARG, DS_SIGN_E_SCRATCH or DS_SIGN_E_CRYPTO.
 */
int ds_sign_canonical(const ds_sign_input_t *in, const ds_crypto_t *crypto,
                      char *buf, size_t cap, size_t *len);

/*
 * Sign and write the NUL-terminated Authorization header value into `out`
 * (capacity `out_cap`, DS_SIGN_AUTH_MAX always suffices). `scratch` holds
 * the canonical request and is wiped before returning, as is every
 * intermediate; `ak`/`sk` are NUL-terminated and only read. On error `out`
 * is "" (when out_cap > 0). Returns DS_SIGN_OK or a DS_SIGN_E_* code.
 */
int ds_sign_authorization(const ds_sign_input_t *in, const char *ak,
                          const char *sk, const ds_crypto_t *crypto,
                          char *scratch, size_t scratch_cap, char *out,
                          size_t out_cap);

/* 1 when AK/SK have the form ds_sign_authorization accepts: an AK of
 * 1..DS_SIGN_AK_MAX [A-Za-z0-9], an SK of 1..DS_SIGN_SK_MAX visible ASCII.
 * Each half on its own for a device that is given them one at a time. */
int ds_sign_valid_credentials(const char *ak, const char *sk);
int ds_sign_valid_ak(const char *ak);
int ds_sign_valid_sk(const char *sk);

/*
 * Clock-skew recovery. Returns 1 and sets *server_unix when the answer is
 * the gateway refusing a signature for its time (HTTP 401 whose error_msg
 * says "signature expired") and the server's time is known: from
 * `date_header` (HTTP Date, may be NULL or "") or else from the message's
 * "server time:YYYYMMDDTHHMMSSZ". Returns 0 otherwise (retrying then would
 * only count towards the gateway's 5-failure AK lockout).
 */
int ds_sign_skew_refused(int http_status, const char *error_msg,
                         const char *date_header, int64_t *server_unix);

#ifdef __cplusplus
}
#endif

#endif /* DS_SIGN_H */
