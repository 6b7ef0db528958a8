/*
 * SDK-HMAC-SHA256 signing (see ds_sign.h). No allocation: the canonical
 * request goes to the caller's scratch buffer, query pairs are sorted by
 * repeated selection over the query string itself (O(n^2) in pairs, which
 * are few), and percent-decoding happens on the fly while comparing and
 * re-encoding.
 */
#include "ds_sign.h"

#include <string.h>

#include "deploystop.h"
#include "writer.h"

static const char k_algorithm[] = "SDK-HMAC-SHA256";

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes one byte of [*p, end) (a %XX escape or a literal byte). */
static unsigned char next_decoded(const char **p, const char *end)
{
    const char *s = *p;
    int hi, lo;

    if (s[0] == '%' && end - s >= 3 && (hi = hexval(s[1])) >= 0 &&
        (lo = hexval(s[2])) >= 0) {
        *p = s + 3;
        return (unsigned char)(hi << 4 | lo);
    }
    *p = s + 1;
    return (unsigned char)s[0];
}

static void put_encoded(ds_wr_t *sk, const char *s, const char *end,
                        int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";

    while (s < end) {
        unsigned char c = next_decoded(&s, end);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~' || (keep_slash && c == '/')) {
            ds_wr_byte(sk, (char)c);
        } else {
            ds_wr_byte(sk, '%');
            ds_wr_byte(sk, hex[c >> 4]);
            ds_wr_byte(sk, hex[c & 15u]);
        }
    }
}

/* Byte order of the decoded forms of two encoded strings. */
static int cmp_decoded(const char *a, const char *ae, const char *b,
                       const char *be)
{
    while (a < ae && b < be) {
        unsigned char ca = next_decoded(&a, ae), cb = next_decoded(&b, be);
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    return (a < ae) - (b < be);
}

/* One query pair; `k` doubles as its identity (its offset breaks ties so
 * equal pairs are all emitted). */
typedef struct qpair {
    const char *k, *ke, *v, *ve;
} qpair_t;

/* Splits the pair starting at p (ending at '&' or end); returns the next
 * pair's start. */
static const char *split_pair(const char *p, const char *end, qpair_t *q)
{
    const char *amp = p;

    while (amp < end && *amp != '&')
        amp++;
    q->k = p;
    q->ke = p;
    while (q->ke < amp && *q->ke != '=')
        q->ke++;
    q->v = q->ke < amp ? q->ke + 1 : amp;
    q->ve = amp;
    return amp < end ? amp + 1 : end;
}

static int cmp_pair(const qpair_t *a, const qpair_t *b)
{
    int r = cmp_decoded(a->k, a->ke, b->k, b->ke);
    if (!r)
        r = cmp_decoded(a->v, a->ve, b->v, b->ve);
    if (!r)
        r = (a->k > b->k) - (a->k < b->k);
    return r;
}

static void put_query(ds_wr_t *sk, const char *q)
{
    const char *end = q + strlen(q);
    qpair_t prev, best, cur;
    int have_prev = 0;

    for (;;) {
        const char *p = q;
        int have_best = 0;
        while (p < end) {
            p = split_pair(p, end, &cur);
            if (cur.k == cur.ke || (have_prev && cmp_pair(&cur, &prev) <= 0))
                continue;
            if (!have_best || cmp_pair(&cur, &best) < 0) {
                best = cur;
                have_best = 1;
            }
        }
        if (!have_best)
            return;
        if (have_prev)
            ds_wr_byte(sk, '&');
        put_encoded(sk, best.k, best.ke, 0);
        ds_wr_byte(sk, '=');
        put_encoded(sk, best.v, best.ve, 0);
        prev = best;
        have_prev = 1;
    }
}

/* "name:trimmed-value\n"; CR or LF in a value would forge headers. */
static int put_header(ds_wr_t *sk, const char *name, const char *value)
{
    const char *end;

    if (!value)
        return 0;
    while (*value == ' ' || *value == '\t')
        value++;
    end = value + strlen(value);
    while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (memchr(value, '\r', (size_t)(end - value)) ||
        memchr(value, '\n', (size_t)(end - value)))
        return -1;
    ds_wr_str(sk, name);
    ds_wr_byte(sk, ':');
    ds_wr_put(sk, value, (size_t)(end - value));
    ds_wr_byte(sk, '\n');
    return 0;
}

static void put_signed_names(ds_wr_t *sk, const ds_sign_input_t *in)
{
    if (in->content_type)
        ds_wr_str(sk, "content-type;");
    ds_wr_str(sk, "host;");
    if (in->project_id)
        ds_wr_str(sk, "x-project-id;");
    ds_wr_str(sk, "x-sdk-date");
    if (in->security_token)
        ds_wr_str(sk, ";x-security-token");
}

static int valid_input(const ds_sign_input_t *in, const ds_crypto_t *c)
{
    const char *m;

    if (!in || !c || !c->sha256 || !in->method || !*in->method || !in->path ||
        (*in->path && *in->path != '/') || !in->host || !in->sdk_date ||
        strlen(in->sdk_date) != DS_SDK_DATE_LEN || (!in->body && in->body_len))
        return 0;
    for (m = in->method; *m; m++)
        if (*m < 'A' || *m > 'Z')
            return 0;
    return 1;
}

int ds_sign_canonical(const ds_sign_input_t *in, const ds_crypto_t *crypto,
                      char *buf, size_t cap, size_t *len)
{
    static const uint8_t empty[1] = {0};
    ds_wr_t sk;
    uint8_t hash[32];
    int bad;

    if (!valid_input(in, crypto) || !buf || !len)
        return DS_SIGN_E_ARG;
    ds_wr_init(&sk, buf, cap);
    ds_wr_str(&sk, in->method);
    ds_wr_byte(&sk, '\n');
    put_encoded(&sk, in->path, in->path + strlen(in->path), 1);
    if (!sk.len || buf[sk.len - 1] != '/')
        ds_wr_byte(&sk, '/');
    ds_wr_byte(&sk, '\n');
    if (in->query)
        put_query(&sk, in->query);
    ds_wr_byte(&sk, '\n');
    bad = put_header(&sk, "content-type", in->content_type) |
          put_header(&sk, "host", in->host) |
          put_header(&sk, "x-project-id", in->project_id) |
          put_header(&sk, "x-sdk-date", in->sdk_date) |
          put_header(&sk, "x-security-token", in->security_token);
    if (bad)
        return DS_SIGN_E_ARG;
    ds_wr_byte(&sk, '\n');
    put_signed_names(&sk, in);
    ds_wr_byte(&sk, '\n');
    if (crypto->sha256(crypto->ctx, in->body ? in->body : empty, in->body_len,
                       hash))
        return DS_SIGN_E_CRYPTO;
    ds_wr_hex(&sk, hash, sizeof hash);
    if (sk.err)
        return DS_SIGN_E_SCRATCH;
    *len = sk.len;
    return DS_SIGN_OK;
}

int ds_sign_valid_ak(const char *ak)
{
    size_t n;

    if (!ak)
        return 0;
    for (n = 0; ak[n]; n++)
        if (!((ak[n] >= 'A' && ak[n] <= 'Z') ||
              (ak[n] >= 'a' && ak[n] <= 'z') || (ak[n] >= '0' && ak[n] <= '9')))
            return 0;
    return n >= 1 && n <= DS_SIGN_AK_MAX;
}

int ds_sign_valid_sk(const char *sk)
{
    size_t n;

    if (!sk)
        return 0;
    for (n = 0; sk[n]; n++)
        if (sk[n] <= ' ' || sk[n] > '~')
            return 0;
    return n >= 1 && n <= DS_SIGN_SK_MAX;
}

int ds_sign_valid_credentials(const char *ak, const char *sk)
{
    return ds_sign_valid_ak(ak) && ds_sign_valid_sk(sk);
}

int ds_sign_authorization(const ds_sign_input_t *in, const char *ak,
                          const char *sk, const ds_crypto_t *crypto,
                          char *scratch, size_t scratch_cap, char *out,
                          size_t out_cap)
{
    /* "SDK-HMAC-SHA256\n" date "\n" hex(sha256) */
    char sts[sizeof k_algorithm + DS_SDK_DATE_LEN + 1u + 64u];
    uint8_t mac[32];
    size_t len = 0;
    ds_wr_t o;
    int rc;

    if (out && out_cap)
        out[0] = '\0';
    if (!out || !crypto || !crypto->hmac_sha256)
        return DS_SIGN_E_ARG;
    if (!ds_sign_valid_credentials(ak, sk))
        return DS_SIGN_E_CREDENTIALS;
    rc = ds_sign_canonical(in, crypto, scratch, scratch_cap, &len);
    if (rc == DS_SIGN_OK &&
        crypto->sha256(crypto->ctx, (const uint8_t *)scratch, len, mac))
        rc = DS_SIGN_E_CRYPTO;
    if (scratch)
        ds_wipe(scratch, rc == DS_SIGN_OK ? len : scratch_cap);
    if (rc != DS_SIGN_OK)
        return rc;

    ds_wr_init(&o, sts, sizeof sts);
    ds_wr_str(&o, k_algorithm);
    ds_wr_byte(&o, '\n');
    ds_wr_str(&o, in->sdk_date);
    ds_wr_byte(&o, '\n');
    ds_wr_hex(&o, mac, sizeof mac);
    if (crypto->hmac_sha256(crypto->ctx, (const uint8_t *)sk, strlen(sk),
                            (const uint8_t *)sts, o.len, mac))
        rc = DS_SIGN_E_CRYPTO;
    ds_wipe(sts, sizeof sts);
    if (rc == DS_SIGN_OK) {
        ds_wr_init(&o, out, out_cap);
        ds_wr_str(&o, k_algorithm);
        ds_wr_str(&o, " Access=");
        ds_wr_str(&o, ak);
        ds_wr_str(&o, ", SignedHeaders=");
        put_signed_names(&o, in);
        ds_wr_str(&o, ", Signature=");
        ds_wr_hex(&o, mac, sizeof mac);
        ds_wr_byte(&o, '\0');
        if (o.err) {
            ds_wipe(out, out_cap);
            rc = DS_SIGN_E_OUTPUT;
        }
    }
    ds_wipe(mac, sizeof mac);
    return rc;
}

/* Case-insensitive strstr for an all-lower-case needle. */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle), i;

    for (; *hay; hay++) {
        for (i = 0; i < n && hay[i] && (hay[i] | 0x20) == needle[i]; i++)
            ;
        if (i == n)
            return hay;
    }
    return NULL;
}

int ds_sign_skew_refused(int http_status, const char *error_msg,
                         const char *date_header, int64_t *server_unix)
{
    char when[DS_SDK_DATE_LEN + 1];
    const char *p;
    size_t n;

    if (http_status != 401 || !error_msg || !server_unix ||
        !find_ci(error_msg, "signature expired"))
        return 0;
    if (date_header && !ds_date_parse_http(date_header, server_unix))
        return 1;
    p = find_ci(error_msg, "server time:");
    if (!p)
        return 0;
    p += sizeof "server time:" - 1;
    for (n = 0; n < DS_SDK_DATE_LEN && p[n]; n++)
        when[n] = p[n];
    when[n] = '\0';
    return !ds_date_parse_sdk(when, server_unix);
}
