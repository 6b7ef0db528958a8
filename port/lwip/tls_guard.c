/*
 * The fixes lwIP 2.1.3's altcp_tls_mbedtls.c needs (docs/platform.md):
 *  - it sets verification to OPTIONAL: we set REQUIRED on each connection's
 *    context and check the verify result again before reporting success;
 *  - it never sets the server name: we set it (SNI + host check) for DNS
 *    names; mbedTLS 2.28 cannot match IP addresses in subjectAltName, so
 *    for an IP literal the verify callback below does that match;
 *  - it swallows close_notify and read errors from mbedtls_ssl_read and a
 *    handshake's error code: the linker wraps both functions
 *    (-Wl,--wrap=...), so the transport learns about them instead of
 *    waiting for data that never comes.
 * Validity dates are enforced only when the board has a wall clock.
 */
#include <string.h>

#include "ds_lwip_internal.h"
#include "lwip/ip4_addr.h"
#include "mbedtls/ssl.h"
#include "mbedtls/oid.h"
#include "mbedtls/x509.h"
#include "mbedtls/x509_crt.h"

/* mbedtls_x509_crt keeps every subjectAltName entry; this is the
 * iPAddress choice of GeneralName (RFC 5280). */
#define SAN_IP_ADDRESS 7

static mbedtls_ssl_context *watched_ssl;
static ds_lwip_conn_t *watched_conn;

void ds_tls_guard_watch(void *ssl, ds_lwip_conn_t *conn)
{
    watched_ssl = (mbedtls_ssl_context *)ssl;
    watched_conn = conn;
}

void ds_tls_guard_forget(void)
{
    watched_ssl = NULL;
    watched_conn = NULL;
}

int __real_mbedtls_ssl_read(mbedtls_ssl_context *ssl, unsigned char *buf, size_t len);
int __wrap_mbedtls_ssl_read(mbedtls_ssl_context *ssl, unsigned char *buf, size_t len);
int __real_mbedtls_ssl_handshake(mbedtls_ssl_context *ssl);
int __wrap_mbedtls_ssl_handshake(mbedtls_ssl_context *ssl);

int __wrap_mbedtls_ssl_read(mbedtls_ssl_context *ssl, unsigned char *buf, size_t len)
{
    int ret = __real_mbedtls_ssl_read(ssl, buf, len);
    if (ssl == watched_ssl && watched_conn != NULL && ret < 0 &&
        ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
        if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            watched_conn->peer_closed = 1;
        } else {
            watched_conn->last_tls_error = ret;
            watched_conn->failed = DS_TR_ERR_TLS;
        }
    }
    return ret;
}

int __wrap_mbedtls_ssl_handshake(mbedtls_ssl_context *ssl)
{
    int ret = __real_mbedtls_ssl_handshake(ssl);
    if (ssl == watched_ssl && watched_conn != NULL && ret < 0 &&
        ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
        watched_conn->last_tls_error = ret;
        watched_conn->last_verify_flags = mbedtls_ssl_get_verify_result(ssl);
        watched_conn->failed = ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED
                                   ? DS_TR_ERR_TLS_VERIFY
                                   : DS_TR_ERR_TLS;
    }
    return ret;
}

static int san_has_ip(const mbedtls_x509_crt *crt, uint32_t ip)
{
    const mbedtls_x509_sequence *cur;
    if ((crt->ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME) == 0) {
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

static int verify_cb(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    ds_lwip_conn_t *conn = (ds_lwip_conn_t *)arg;
    int64_t now;
    if (ds_lwip_hooks.unix_time == NULL || ds_lwip_hooks.unix_time(&now) != 0) {
        *flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
    }
    if (depth == 0 && conn->host_is_ip && !san_has_ip(crt, conn->ip)) {
        *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    }
    return 0;
}

int ds_tls_guard_setup(void *ssl_ptr, ds_lwip_conn_t *conn, const char *host)
{
    mbedtls_ssl_context *ssl = (mbedtls_ssl_context *)ssl_ptr;
    mbedtls_ssl_set_hs_authmode(ssl, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_set_verify(ssl, verify_cb, conn);
    if (!conn->host_is_ip) {
        /* SNI and mbedTLS's own name check. RFC 6066 forbids an IP literal
         * as server name, so IP hosts send none and match in verify_cb. */
        if (mbedtls_ssl_set_hostname(ssl, host) != 0) {
            return -1;
        }
    }
    ds_tls_guard_watch(ssl, conn);
    return 0;
}
