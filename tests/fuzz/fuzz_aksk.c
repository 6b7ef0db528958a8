/*
 * libFuzzer target for the AK/SK and IAM input handling: the three date
 * parsers, IAM's expires_at scan, skew detection, and canonicalisation of
 * arbitrary paths, queries and header values. Input: fields separated by
 * NUL bytes (path, query, host, message). Checks invariants, not only
 * crashes: parsed dates re-format to themselves, the canonical request
 * never outgrows its scratch and its URI line is percent-encoded.
 */
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ds_date.h"
#include "ds_iam.h"
#include "ds_sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sha256(void *ctx, const uint8_t *msg, size_t len, uint8_t out[32])
{
    (void)ctx;
    return mbedtls_sha256(msg, len, out, 0) ? -1 : 0;
}

static int hmac(void *ctx, const uint8_t *key, size_t key_len,
                const uint8_t *msg, size_t len, uint8_t out[32])
{
    (void)ctx;
    return mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key,
                           key_len, msg, len, out)
               ? -1
               : 0;
}

static const ds_crypto_t k_crypto = {NULL, sha256, hmac};

static void check_date_round_trip(int64_t t)
{
    char s[DS_SDK_DATE_LEN + 1];
    int64_t back = -1;
    /* A leap second (:60) legitimately becomes the next second. */
    if (ds_date_sdk(t, s, sizeof s) == 0 &&
        (ds_date_parse_sdk(s, &back) != 0 || back != t))
        abort();
}

static void check_uri_line(const char *canon, size_t len)
{
    const char *p = memchr(canon, '\n', len), *e;
    if (!p)
        abort();
    e = memchr(p + 1, '\n', len - (size_t)(p + 1 - canon));
    if (!e || e[-1] != '/')
        abort();
    for (p++; p < e; p++) {
        unsigned char c = (unsigned char)*p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
              c == '~' || c == '/' || c == '%'))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char scratch[4096], buf[1024], auth[DS_SIGN_AUTH_MAX];
    const char *field[4] = {"", "", "h", ""};
    size_t i, start = 0, n = 0, len = 0;
    ds_sign_input_t in;
    int64_t t;

    if (size >= sizeof buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    ds_iam_parse_expires(buf, size, &t);

    for (i = 0; i <= size && n < 4; i++) {
        if (buf[i] == '\0') {
            field[n++] = buf + start;
            start = i + 1;
        }
    }
    if (!ds_date_parse_http(field[0], &t))
        check_date_round_trip(t);
    if (!ds_date_parse_iso8601(field[0], &t) && t >= 0)
        check_date_round_trip(t);
    if (!ds_date_parse_sdk(field[0], &t))
        check_date_round_trip(t);
    if (ds_sign_skew_refused(401, field[3][0] ? field[3] : field[0], field[2],
                             &t))
        check_date_round_trip(t);

    memset(&in, 0, sizeof in);
    in.method = "PUT";
    in.path = field[0][0] == '/' ? field[0] : "";
    in.query = field[1];
    in.host = field[2];
    in.content_type = "application/json";
    in.sdk_date = "20250709T033628Z";
    in.body = data;
    in.body_len = size;
    if (ds_sign_canonical(&in, &k_crypto, scratch, sizeof scratch, &len) ==
        DS_SIGN_OK) {
        if (len > sizeof scratch)
            abort();
        check_uri_line(scratch, len);
        if (ds_sign_authorization(&in, "AccessKey", "SecretKey", &k_crypto,
                                  scratch, sizeof scratch, auth,
                                  sizeof auth) != DS_SIGN_OK)
            abort();
    }
    return 0;
}
