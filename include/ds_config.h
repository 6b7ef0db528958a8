/*
 * deploystop compile-time limits.
 *
 * Every buffer deploystop uses is owned by the caller and sized by these
 * macros at compile time. A board may define smaller values (for example
 * -DDS_HTTP_BODY_MAX=2048) for the whole build: the library and every user of
 * the public structs must be compiled with the same values.
 */
#ifndef DS_CONFIG_H
#define DS_CONFIG_H

/* Longest single response header line (status line included), bytes. */
#ifndef DS_HTTP_LINE_MAX
#define DS_HTTP_LINE_MAX 2048u
#endif

/* All response header bytes of one message (status line, headers, chunk
 * trailers), bytes. */
#ifndef DS_HTTP_HEADERS_MAX
#define DS_HTTP_HEADERS_MAX 16384u
#endif

/* Largest response body kept, bytes. A bigger body is an error, never a
 * silent truncation. */
#ifndef DS_HTTP_BODY_MAX
#define DS_HTTP_BODY_MAX 16384u
#endif

/* jsmn tokens for one response body. The documented answers need < 20. */
#ifndef DS_JSON_TOKENS
#define DS_JSON_TOKENS 64u
#endif

/* Request head (request line and every header but the token), bytes. */
#ifndef DS_REQ_HEAD_MAX
#define DS_REQ_HEAD_MAX 1024u
#endif

/* The token goes to the transport in pieces of at most this many bytes. */
#ifndef DS_SEND_CHUNK
#define DS_SEND_CHUNK 512u
#endif

/* Largest serialized TLS session a ds_tls_session_t holds (ds_transport.h),
 * bytes. A TLS 1.2 session without the peer certificate is about 140 bytes
 * plus the server's ticket (an OpenSSL ticket is about 200-250 bytes); a host
 * build keeps the peer's end-entity certificate in TLS 1.3 sessions, hence
 * the larger default. A session that does not fit is not kept (the next
 * connection does a full handshake). */
#ifndef DS_TLS_SESSION_MAX
#define DS_TLS_SESSION_MAX 4096u
#endif

/* Truncated copies kept in ds_result_t (each includes the NUL). */
#define DS_ERROR_CODE_MAX 48u
#define DS_ERROR_MSG_MAX 160u
#define DS_REQUEST_ID_MAX 72u
#define DS_STATUS_MAX 16u
#define DS_DATE_MAX 40u

/* Defaults of a stop. */
#define DS_DEFAULT_DEADLINE_MS 30000u
#define DS_DEFAULT_RETRIES 2
#define DS_DEFAULT_PORT 443u

/* Fixed by the API. */
#define DS_ID_LEN 32u
#define DS_TOKEN_MAX 20000u
#define DS_HOST_MAX 253u

#endif /* DS_CONFIG_H */
