/*
 * Fake transport for unit tests. Records every byte and every call, and
 * plays a script per connection attempt: the connect result, then the answer
 * bytes (delivered whole, one byte at a time or in random slices), then
 * end of stream, a timeout or an error. Sends can fail after N bytes or be
 * accepted a few bytes at a time (short sends).
 *
 * Call log (ft.log), one character per call:
 *   C connect ok   c connect failed   S send ok   s send failed
 *   R recv data    0 recv end of stream   T recv timeout   E recv error
 *   X close        ! a call out of order (recv/send while not connected)
 *   A alive() said 1   a alive() said 0 (only with fake_transport_alive)
 *
 * Several requests per connection (keep-alive): answer serves the first
 * request sent on the connection, then[0] the second, then[1] the third...
 * A send after the connection's last recv starts the next request; when no
 * answer is scripted for it, recv plays `end` at once.
 */
#ifndef FAKE_TRANSPORT_H
#define FAKE_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ds_transport.h"
#include "fake_platform.h"

#define FT_MAX_ATTEMPTS 16
#define FT_THEN_MAX 16
#define FT_REQ_MAX 64
#define FT_SENT_MAX 65536
#define FT_LOG_MAX 8192

enum ft_end { FT_EOF = 0, FT_TIMEOUT, FT_ERROR };
enum ft_split { FT_WHOLE = 0, FT_BYTES, FT_RANDOM };

typedef struct ft_attempt {
    int connect_rc;     /* DS_TR_OK or a DS_TR_ERR_* */
    const char *answer; /* bytes the server sends; NULL: none */
    size_t answer_len;  /* 0: strlen(answer) */
    int end;            /* after the answer: enum ft_end */
    int end_rc;         /* FT_ERROR: the error recv returns */
    int send_fails;     /* 1: sends fail once send_fail_at bytes went */
    size_t send_fail_at;
    int send_fail_rc;
    uint32_t latency_ms; /* clock advance per recv that delivers bytes */
    const char *then[FT_THEN_MAX]; /* answers to later requests on this
                                    * connection (NULL: none) */
} ft_attempt_t;

typedef struct fake_transport {
    /* --- script (set by the test) --- */
    ft_attempt_t att[FT_MAX_ATTEMPTS];
    int natt;                 /* connects beyond this fail with ERR_CONNECT */
    int split;                /* enum ft_split */
    uint32_t seed;            /* for FT_RANDOM */
    size_t max_send;          /* short sends: accept at most this (0: all) */
    fake_platform_t *clock;   /* advanced by every timeout (may be NULL) */
    int alive_default;        /* alive(): this once alive_script is spent */
    const char *alive_script; /* alive(): '1'/'0' per call, in order */

    /* --- record --- */
    int connects, sends, recvs, closes, misuse;
    char host[320];
    uint16_t port;
    int use_tls;
    uint32_t connect_timeout_ms, last_recv_timeout_ms, last_send_timeout_ms;
    uint8_t sent[FT_SENT_MAX];
    size_t sent_len;                       /* all attempts */
    size_t attempt_start[FT_MAX_ATTEMPTS]; /* offset in sent[] of attempt i */
    size_t attempt_sent[FT_MAX_ATTEMPTS];
    size_t max_send_len;          /* largest len passed to send() */
    int alives;                   /* alive() calls */
    int nreq;                     /* requests seen (all connections) */
    size_t req_start[FT_REQ_MAX]; /* offset in sent[] of request i */
    int req_conn[FT_REQ_MAX];     /* attempt (connection) of request i */
    char log[FT_LOG_MAX];
    size_t log_len;

    /* --- state --- */
    int cur; /* attempt index, -1 before the first connect */
    int connected;
    size_t pos;
    int creq;      /* requests on this connection, -1 none yet */
    int receiving; /* recv called since the last request began */
} fake_transport_t;

void fake_transport_init(fake_transport_t *ft, ds_transport_t *tr,
                         fake_platform_t *clock);
/* Script attempt i with a successful connect and an answer ending in EOF. */
ft_attempt_t *ft_answer(fake_transport_t *ft, int i, const char *answer);
/* Script attempt i with a failed connect. */
void ft_connect_fails(fake_transport_t *ft, int i, int rc);
/* Install the optional alive hook on `tr`, answering `value` (see
 * alive_script for a sequence). */
void fake_transport_alive(fake_transport_t *ft, ds_transport_t *tr, int value);
/* Bytes and length of request i (all connections, in order). */
const char *ft_request(const fake_transport_t *ft, int i, size_t *len);
/* Number of `c` in the call log. */
int ft_count(const fake_transport_t *ft, char c);

#endif /* FAKE_TRANSPORT_H */
