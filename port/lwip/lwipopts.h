/*
 * lwIP 2.2.1 options for the deploystop firmware: bare metal (NO_SYS),
 * polled from one main loop, static pools only, IPv4 + DHCP + DNS + TCP.
 * TLS is Mbed TLS driven by port/lwip/transport_lwip.c over the raw TCP
 * API (no altcp: lwIP's altcp_tls_mbedtls supports Mbed TLS 2.x only).
 */
#ifndef DS_LWIPOPTS_H
#define DS_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_NETIF_API 0

/* No system heap: lwIP's own heap and pools are static arrays. */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 4
/* Send buffer, in full segments: a request goes out in flights of at most
 * this much, so a 20,000-character token (21,470 bytes on the wire) costs
 * about 21,470 / (DS_TCP_SND_SEGS * TCP_MSS) round trips (README "Sending";
 * measured trade-off in docs/measurements.md "Long token"). 9 segments
 * (4,824 bytes, RAM +3,896 B over 3) bring it to 4 round trips more than
 * a short token per request, and fit the 48 KB RAM budget now that the
 * board's configuration lives in flash (840 B of headroom left).
 * Each segment is TCP_MSS + DS_TCP_SEG_OVERHEAD bytes of heap. */
#ifndef DS_TCP_SND_SEGS
#define DS_TCP_SND_SEGS 9
#endif
/* Heap: TCP transmit segments (the send buffer, each segment with its
 * pbuf and header room) and DHCP's state, measured in README "Memory".
 * The TLS contexts live in transport_lwip.c. */
#ifndef MEM_SIZE
#define MEM_SIZE (DS_TCP_SND_SEGS * (TCP_MSS + DS_TCP_SEG_OVERHEAD) + 320)
#endif
/* A queued full segment takes TCP_MSS + 80 bytes of heap: pbuf 16, header
 * room 56 (Ethernet, IP, TCP), heap block header 8. */
#define DS_TCP_SEG_OVERHEAD 80

/* Receive buffers: one frame at a time comes off the polled NIC and is
 * consumed (Mbed TLS copies it into its record buffer) before the next is
 * read, so a few pool buffers carry a 16 KB record; decrypted plaintext
 * waits here until the core reads it. */
#ifndef PBUF_POOL_SIZE
#define PBUF_POOL_SIZE 4
#endif
#define PBUF_POOL_BUFSIZE                                                      \
    LWIP_MEM_ALIGN_SIZE(TCP_MSS + 40 + PBUF_LINK_ENCAPSULATION_HLEN +          \
                        PBUF_LINK_HLEN)

#define MEMP_NUM_PBUF 4
#define MEMP_NUM_RAW_PCB 0
#define MEMP_NUM_UDP_PCB 3 /* DHCP, DNS, spare */
#define MEMP_NUM_TCP_PCB 2
#define MEMP_NUM_TCP_PCB_LISTEN 0
#define MEMP_NUM_TCP_SEG (TCP_SND_QUEUELEN + 4)
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 1)
#define MEMP_NUM_ARP_QUEUE 4
#define ARP_TABLE_SIZE 4
#define IP_REASSEMBLY 0
#define IP_FRAG 0

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_DHCP 1
#define LWIP_DHCP_DOES_ACD_CHECK 0
#define DHCP_DOES_ARP_CHECK 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_UDP 1
#define LWIP_DNS 1
#define DNS_TABLE_SIZE 1
#define DNS_MAX_NAME_LENGTH 256
#define DNS_MAX_SERVERS 2
#define LWIP_NETIF_HOSTNAME 0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_SINGLE_NETIF 1

#define LWIP_TCP 1
/* Small segments keep every receive buffer small: the server may send
 * at most this much per segment, whatever its own MTU. */
#define TCP_MSS 536
/* A TLS record of 16 KB (plus header, IV and tag) must fit in the receive
 * window, or the peer stalls waiting for a window the record itself holds
 * closed. The window is a promise, not memory: pbufs are freed as mbedTLS
 * copies them into its record buffer (see above), hence the sanity check
 * that compares TCP_WND with the pool is disabled on purpose. */
#define TCP_WND (32 * TCP_MSS) /* 17152 > 16384 + 13 + 16 + 48 */
#define LWIP_DISABLE_TCP_SANITY_CHECKS 1
/* A TLS record we send is one full segment (transport_lwip.c: records of
 * MBEDTLS_SSL_OUT_CONTENT_LEN = TCP_MSS - 29 bytes), one pbuf each; two
 * queue entries stay free for the close. */
#define TCP_SND_BUF (DS_TCP_SND_SEGS * TCP_MSS)
#define TCP_SND_QUEUELEN (DS_TCP_SND_SEGS + 4)
#define TCP_QUEUE_OOSEQ 0 /* no memory for out-of-order segments */
#define LWIP_TCP_KEEPALIVE 0
#define LWIP_WND_SCALE 0

#define LWIP_ALTCP 0

/* Only the heap's high-water mark, for `stats` and README "Sizes". */
#define LWIP_STATS 1
#define MEM_STATS 1
#define MEMP_STATS 0
#define LINK_STATS 0
#define ETHARP_STATS 0
#define IP_STATS 0
#define IPFRAG_STATS 0
#define ICMP_STATS 0
#define UDP_STATS 0
#define TCP_STATS 0
#define SYS_STATS 0
#define LWIP_STATS_DISPLAY 0
#define LWIP_CHECKSUM_CTRL_PER_NETIF 0
#define LWIP_HAVE_LOOPIF 0
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_PROVIDE_ERRNO 1
#define LWIP_RAND() ds_lwip_rand()

#ifndef LWIP_NOASSERT
#define LWIP_NOASSERT 1
#endif

#ifndef __ASSEMBLER__
#include <stdint.h>
uint32_t ds_lwip_rand(void);
#endif

#endif /* DS_LWIPOPTS_H */
