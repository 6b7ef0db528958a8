/*
 * The verification policy of the firmware's TLS connections
 * (docs/platform.md): what lwIP 2.1.3's altcp_tls got wrong is set right
 * here for the port's own Mbed TLS driver (transport_lwip.c):
 *  - verification REQUIRED (the transport checks the verify result again
 *    before reporting success);
 *  - the server name set for DNS names (SNI + Mbed TLS's host check); an
 *    IP literal is no SNI name (RFC 6066), so for one no name is given
 *    (mbedtls_ssl_set_hostname(NULL), which Mbed TLS 3.6.3+ requires to
 *    be explicit) and the verify callback below requires an iPAddress
 *    subjectAltName equal to the peer's address;
 *  - validity dates enforced only when the board has a wall clock.
 */
#include <string.h>

#include "ds_lwip_internal.h"
#include "mbedtls/oid.h"
#include "mbedtls/x509.h"
#include "mbedtls/x509_crt.h"

/* mbedtls_x509_crt keeps every subjectAltName entry; this is the
 * iPAddress choice of GeneralName (RFC 5280). */
#define SAN_IP_ADDRESS 7

static int san_has_ip(const mbedtls_x509_crt *crt, uint32_t ip)
{
    const mbedtls_x509_sequence *cur;
    if (!mbedtls_x509_crt_has_ext_type(crt,
                                       MBEDTLS_X509_EXT_SUBJECT_ALT_NAME)) {
        return 0;
    }
    for (cur = &crt->subject_alt_names; cur != NULL; cur = cur->next) {
        if ((cur->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK) == SAN_IP_ADDRESS &&
            cur->buf.len == 4u && memcmp(cur->buf.p, &ip, 4u) == 0) {
            return 1;
        }
    }
    return 0;
}

static int verify_cb(void *arg, mbedtls_x509_crt *crt, int depth,
                     uint32_t *flags)
{
    ds_lwip_conn_t *conn = (ds_lwip_conn_t *)arg;
    int64_t now;
    if (ds_lwip_hooks.unix_time == NULL || ds_lwip_hooks.unix_time(&now) != 0) {
        *flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED |
                              MBEDTLS_X509_BADCERT_FUTURE);
    }
    if (depth == 0 && conn->host_is_ip && !san_has_ip(crt, conn->ip)) {
        *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    }
    return 0;
}

void ds_tls_policy(mbedtls_ssl_config *conf, ds_lwip_conn_t *conn)
{
    mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_verify(conf, verify_cb, conn);
}

int ds_tls_set_host(mbedtls_ssl_context *ssl, ds_lwip_conn_t *conn,
                    const char *host)
{
    return mbedtls_ssl_set_hostname(ssl, conn->host_is_ip ? NULL : host);
}
