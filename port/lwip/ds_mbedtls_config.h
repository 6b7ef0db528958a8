/*
 * Mbed TLS 3.6 LTS configuration for the deploystop firmware (the whole
 * configuration: it replaces include/mbedtls/mbedtls_config.h): a TLS 1.2
 * client only. ECDHE key exchange with ECDSA or RSA server certificates and
 * AES-GCM, which is what a public API gateway offers; nothing server-side,
 * no renegotiation, no server-side session cache, no PSA Crypto (TLS 1.2 runs on the
 * classic crypto modules; TLS 1.3 would need PSA: port/lwip/README.md
 * "TLS 1.3"). Memory comes from a static arena (port/lwip/tls_platform.c)
 * through mbedtls_memory_buffer_alloc: the image has no system heap.
 */
#ifndef DS_MBEDTLS_CONFIG_H
#define DS_MBEDTLS_CONFIG_H

#include <stddef.h>

/* System */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_MEMORY_DEBUG /* peak use, reported by `stats` */
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE 4
/* Diagnostics of the arena allocator would drag stdio in: drop them; a
 * corrupted arena still ends the program (ds_tls_fatal). */
#define MBEDTLS_PLATFORM_FPRINTF_MACRO(...) ((void)0)
#define MBEDTLS_PLATFORM_PRINTF_MACRO(...) ((void)0)
#define MBEDTLS_PLATFORM_EXIT_MACRO ds_tls_fatal
void ds_tls_fatal(int status);

/* Validity dates: checked when the board has wall-clock time
 * (port/lwip/tls_platform.c). Without one the port ignores the "expired" and
 * "not yet valid" verdicts only; README "Time". */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_TIME_ALT
#define MBEDTLS_PLATFORM_GMTIME_R_ALT
#define MBEDTLS_PLATFORM_MS_TIME_ALT /* mbedtls_ms_time: the board's clock */

/* Crypto */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
/* GCM needs only the forward cipher: no AES decryption in the image
 * (-2,464 B of flash; there is no CBC or ECB suite to need it). */
#if !defined(DS_TLS13)
#define MBEDTLS_BLOCK_CIPHER_NO_DECRYPT
#endif
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CTR_DRBG_C
/* No entropy pool (MBEDTLS_ENTROPY_C): the CTR-DRBG is seeded from the
 * board's source directly (tls_platform.c, ds_tls_entropy). */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA384_C /* SHA-384 suites and signatures */
#define MBEDTLS_SHA512_C /* SHA-512 signatures */
#define MBEDTLS_SHA512_SMALLER
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
/* Public-key time (docs/measurements.md "Public-key time"): a cold
 * handshake is three P-256 products by the generator (our ECDHE key, and
 * u1*G in each of the two ECDSA verifications: the server certificate by
 * the CA, the ServerKeyExchange by the server) and three by other points.
 * The generator's comb table comes precomputed from flash (P-256 1,640 B,
 * P-384 3,864 B), the other products use 4-bit combs (RAM from the arena,
 * for the length of one product): 110.4 M -> 68.3 M instructions. */
#define MBEDTLS_ECP_WINDOW_SIZE 4
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 1
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
/* A client without a certificate never signs: tls_platform.c stands in for
 * ECDSA signing, which the PK layer's tables would keep in the image. */
#define MBEDTLS_ECDSA_SIGN_ALT
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
/* Never a private RSA operation here: the CRT code stays out (-1,040 B). */
#define MBEDTLS_RSA_NO_CRT
/* PKCS#1 v2.1 (RSA-PSS, OAEP): TLS 1.2 in Mbed TLS 3.6 without PSA never
 * negotiates RSA-PSS signatures and X.509 PSS is off: only TLS 1.3 needs it. */
#if defined(DS_TLS13)
#define MBEDTLS_PKCS1_V21
#endif
#define MBEDTLS_OID_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C /* ECDSA signature encoding */
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_MPI_MAX_SIZE 512 /* RSA up to 4096-bit certificates */
#define MBEDTLS_MPI_WINDOW_SIZE 2

/* TLS */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
/* Resumption (README "Session resumption"): session tickets (RFC 5077);
 * session ids need nothing more on a client. */
#define MBEDTLS_SSL_SESSION_TICKETS
/* Receive records of the full 16 KB a server may send (no
 * max-fragment-length: a public gateway need not honour it). What we send
 * is the request head and the token, in records of 507 bytes: with AES-GCM
 * (5 header + 8 nonce + 16 tag) a full record is exactly one 536-byte TCP
 * segment (TCP_MSS, lwipopts.h; checked in transport_lwip.c), so a long
 * token goes out in full segments without 5-byte tails. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 507
/* The peer certificate is needed only while verifying it
 * (MBEDTLS_SSL_KEEP_PEER_CERTIFICATE stays undefined). */
/*
 * TLS 1.3 as well: off. Built only to measure what it costs
 * (`make firmware FW_EXTRA_DEFS=-DDS_TLS13 BUILD=build-tls13`, README
 * "TLS 1.3"): it needs PSA Crypto (its RNG taken straight from the board),
 * the peer certificate kept for the connection's life and RSA-PSS.
 */
#if defined(DS_TLS13)
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG
#define MBEDTLS_PSA_KEY_SLOT_COUNT 4
#define MBEDTLS_HKDF_C /* PSA HKDF: the TLS 1.3 key schedule */
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
#define DS_TLS13_SUITES                                                        \
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256, MBEDTLS_TLS1_3_AES_256_GCM_SHA384,
#else
#define DS_TLS13_SUITES
#endif
#define MBEDTLS_SSL_CIPHERSUITES                                               \
    DS_TLS13_SUITES                                                            \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,                           \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,                       \
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,                         \
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

/* build_info.h adjusts and checks this configuration after reading it. */

#endif /* DS_MBEDTLS_CONFIG_H */
