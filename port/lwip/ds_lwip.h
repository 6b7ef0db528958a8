/*
 * deploystop transport over lwIP 2.2.1 (raw TCP API, NO_SYS=1) with TLS
 * from Mbed TLS 3.6 driven by the port itself.
 *
 * Blocking calls run the stack themselves: while they wait they call the
 * board's pump hook (poll the NIC, run sys_check_timeouts) until data,
 * completion or the deadline. One connection at a time.
 */
#ifndef DS_LWIP_H
#define DS_LWIP_H

#include <stddef.h>
#include <stdint.h>

#include "deploystop.h"
#include "ds_transport.h"

struct netif;

/* What the port needs from the board. */
typedef struct ds_lwip_hooks {
    uint32_t (*now_ms)(void);
    /* Poll the NIC and run lwIP's timers once; never blocks. */
    void (*pump)(void);
    /* Entropy for Mbed TLS's CTR-DRBG; 0 on success. */
    int (*entropy)(uint8_t *buf, size_t len);
    /* Wall clock (seconds since 1970 UTC); < 0 when the board has none. */
    int (*unix_time)(int64_t *seconds);
    /* Unrecoverable state (mbedTLS found its arena corrupted): report and
     * reset; must not return. */
    void (*fatal)(const char *why);
    /* The board's Ethernet controller: attach it to lwIP as `netif` (0 on
     * success), and move received frames into lwIP (never blocks). */
    int (*nic_init)(struct netif *netif);
    void (*nic_poll)(struct netif *netif);
    /* Seconds since boot, never wrapping: the signing clock of a board
     * without a wall clock (ds_lwip_platform). */
    uint32_t (*uptime_s)(void);
} ds_lwip_hooks_t;

/* Register the hooks and give mbedTLS its arena. Call once, before
 * lwip_init(). */
void ds_lwip_init(const ds_lwip_hooks_t *hooks);

/*
 * Network bring-up (net_lwip.c): lwIP, the board's NIC, DHCP. 0 on
 * success, else < 0 with a one-line reason in *why.
 */
int ds_lwip_net_start(const char **why);
/* Poll the NIC and run lwIP's timers once; never blocks. The board's pump
 * hook calls it (with whatever else the board's loop must keep doing). */
void ds_lwip_net_poll(void);
/* 1 once DHCP supplied an address. */
int ds_lwip_net_up(void);
/* Dotted addresses of the interface and its gateway. */
void ds_lwip_net_addr(char ip[16], char gw[16]);
/* lwIP heap: peak and current bytes, and its size. */
void ds_lwip_heap_stats(size_t *peak, size_t *in_use, size_t *size);

/* The core's platform over the hooks: milliseconds, sleeping by running
 * the stack, randomness from the entropy hook, and the signing clock (the
 * wall clock, else the uptime read as a 1970 date, which the offset the
 * core learns from the server's Date turns into real time; never
 * board_ms() / 1000, which jumps back every 49.7 days). */
void ds_lwip_platform(ds_platform_t *pf);

/* Run the stack for `ms` milliseconds (backoff waits). */
void ds_lwip_wait(uint32_t ms);

/* Per-connection state; the caller owns it (static). */
typedef struct ds_lwip_conn {
    /* Trust anchors: NUL-terminated PEM (or DER with ca_len exact). Set
     * before connect; borrowed for the connection's life. */
    const char *ca_pem;
    size_t ca_len;
    /* TLS session resumption (ds_transport.h): the caller's slot, or NULL
     * for none. Set before connect; borrowed for as long as it is set. The
     * port offers the slot's session when it was made for the same host,
     * port and CA, and keeps each new session in it. */
    ds_tls_session_t *session;
    /* After a failed TLS connect: mbedTLS's error and verify flags, for
     * diagnostics. */
    int last_tls_error;
    uint32_t last_verify_flags;
    /* private */
    void *pcb; /* struct tcp_pcb */
    void *
        rx; /* struct pbuf chain received, not yet read (ciphertext with TLS) */
    uint32_t ip; /* network order, the peer */
    int use_tls;
    int host_is_ip;
    int tcp_up;      /* TCP connected */
    int tls_open;    /* the TLS contexts are set up */
    int tls_done;    /* handshake complete */
    int connected;   /* connect() succeeded */
    int fin;         /* the peer's TCP FIN arrived */
    int peer_closed; /* end of stream reported: FIN, or TLS close_notify */
    int failed;      /* DS_TR_ERR_* of a reset or a fatal TLS error */
    int dns_done;
    const char *dns_wait; /* name being resolved, NULL when none */
} ds_lwip_conn_t;

/* Fill `tr` with the lwIP transport working on `conn`. */
void ds_lwip_transport(ds_transport_t *tr, ds_lwip_conn_t *conn);

/* Mbed TLS arena statistics: bytes in use now, peak bytes and peak block
 * count since boot, arena size. */
typedef struct ds_tls_arena_stats {
    size_t in_use;
    size_t peak;
    size_t peak_blocks;
    size_t size;
} ds_tls_arena_stats_t;
void ds_tls_arena_stats(ds_tls_arena_stats_t *st);

/* Parse `pem` (NUL-terminated) as certificates and free them again: 0 when
 * at least one certificate parsed. Used to check a pasted CA. */
int ds_tls_check_ca(const char *pem, size_t len);

/* A block of the TLS arena for use between stops, when TLS holds none of
 * it: the console stages a CA paste there, so a refused paste leaves the
 * stored CA alone without a second CA buffer in RAM. NULL when the arena
 * cannot give `len` bytes. ds_tls_scratch_free wipes the block and gives
 * it back (NULL is ignored). */
void *ds_tls_scratch_alloc(size_t len);
void ds_tls_scratch_free(void *p, size_t len);

#endif /* DS_LWIP_H */
