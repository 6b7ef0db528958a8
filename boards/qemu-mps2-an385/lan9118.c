/*
 * Polled driver for the SMSC LAN9118 Ethernet controller of mps2-an385, as
 * QEMU emulates it, attached to lwIP as an Ethernet netif. No interrupts:
 * the main loop calls board_nic_poll(). Facts it relies on (docs/platform.md):
 * 32-bit register access at 0x40200000, frames are dropped until
 * MAC_CR.RXEN is set, the RX status length includes the 4-byte CRC.
 */
#include <string.h>

#include "an385.h"
#include "board.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#define NIC_REG(off) AN385_REG(AN385_LAN9118 + (off))
#define RX_DATA_FIFO NIC_REG(0x00u)
#define TX_DATA_FIFO NIC_REG(0x20u)
#define RX_STATUS_FIFO NIC_REG(0x40u)
#define RX_STATUS_PEEK NIC_REG(0x44u)
#define ID_REV NIC_REG(0x50u)
#define IRQ_CFG NIC_REG(0x54u)
#define INT_EN NIC_REG(0x5Cu)
#define BYTE_TEST NIC_REG(0x64u)
#define TX_CFG NIC_REG(0x70u)
#define HW_CFG NIC_REG(0x74u)
#define RX_FIFO_INF NIC_REG(0x7Cu)
#define TX_FIFO_INF NIC_REG(0x80u)
#define PMT_CTRL NIC_REG(0x84u)
#define MAC_CSR_CMD NIC_REG(0xA4u)
#define MAC_CSR_DATA NIC_REG(0xA8u)

#define CSR_BUSY 0x80000000u
#define CSR_READ 0x40000000u
#define MAC_CR 1u
#define MAC_ADDRH 2u
#define MAC_ADDRL 3u
#define MAC_CR_RXEN (1u << 2)
#define MAC_CR_TXEN (1u << 3)
#define MAC_CR_FDPX (1u << 20)
#define TX_CFG_TX_ON (1u << 1)
#define TX_CFG_TXSAO (1u << 2) /* TX status may overrun: never read */
#define HW_CFG_SRST 1u
#define PMT_READY 1u
#define RX_STS_ES (1u << 15)
#define TX_CMD_A_FIRST (1u << 13)
#define TX_CMD_A_LAST (1u << 12)

/* Bound on register polls: the emulated device answers at once, real
 * silicon within microseconds; a stuck device must not hang the board. */
#define NIC_SPIN_MAX 100000u

static int csr_wait(void)
{
    uint32_t n;
    for (n = 0; n < NIC_SPIN_MAX; n++) {
        if ((MAC_CSR_CMD & CSR_BUSY) == 0u) {
            return 0;
        }
    }
    return -1;
}

static uint32_t mac_read(uint32_t reg)
{
    (void)csr_wait();
    MAC_CSR_CMD = CSR_BUSY | CSR_READ | reg;
    (void)csr_wait();
    return MAC_CSR_DATA;
}

static void mac_write(uint32_t reg, uint32_t val)
{
    (void)csr_wait();
    MAC_CSR_DATA = val;
    MAC_CSR_CMD = CSR_BUSY | reg;
    (void)csr_wait();
}

/* Copy `n` bytes of `src` into the chain `p` at `off`. */
static void chain_put(struct pbuf *p, uint16_t off, const uint8_t *src,
                      uint16_t n)
{
    while (p != NULL && n > 0u) {
        if (off >= p->len) {
            off = (uint16_t)(off - p->len);
            p = p->next;
            continue;
        }
        {
            uint16_t k = (uint16_t)(p->len - off);
            if (k > n) {
                k = n;
            }
            memcpy((uint8_t *)p->payload + off, src, k);
            src += k;
            n = (uint16_t)(n - k);
            off = 0;
            p = p->next;
        }
    }
}

static err_t nic_output(struct netif *netif, struct pbuf *p)
{
    const struct pbuf *q;
    uint32_t word = 0;
    unsigned fill = 0;
    uint32_t n;
    (void)netif;
    if (p->tot_len > 1514u) {
        return ERR_BUF;
    }
    for (n = 0; (TX_FIFO_INF & 0xFFFFu) < (uint32_t)p->tot_len + 8u; n++) {
        if (n >= NIC_SPIN_MAX) {
            return ERR_IF;
        }
    }
    TX_DATA_FIFO = TX_CMD_A_FIRST | TX_CMD_A_LAST | p->tot_len;
    TX_DATA_FIFO = ((uint32_t)p->tot_len << 16) | p->tot_len;
    for (q = p; q != NULL; q = q->next) {
        const uint8_t *b = (const uint8_t *)q->payload;
        uint16_t i;
        for (i = 0; i < q->len; i++) {
            word |= (uint32_t)b[i] << (8u * fill);
            if (++fill == 4u) {
                TX_DATA_FIFO = word;
                word = 0;
                fill = 0;
            }
        }
    }
    if (fill != 0u) {
        TX_DATA_FIFO = word;
    }
    return ERR_OK;
}

static err_t nic_netif_init(struct netif *netif)
{
    uint32_t lo = mac_read(MAC_ADDRL);
    uint32_t hi = mac_read(MAC_ADDRH);
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->output = etharp_output;
    netif->linkoutput = nic_output;
    netif->mtu = 1500;
    netif->hwaddr_len = 6;
    netif->hwaddr[0] = (uint8_t)lo;
    netif->hwaddr[1] = (uint8_t)(lo >> 8);
    netif->hwaddr[2] = (uint8_t)(lo >> 16);
    netif->hwaddr[3] = (uint8_t)(lo >> 24);
    netif->hwaddr[4] = (uint8_t)hi;
    netif->hwaddr[5] = (uint8_t)(hi >> 8);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
                   NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
    return ERR_OK;
}

int board_nic_init(struct netif *netif)
{
    uint32_t n;
    if (BYTE_TEST != 0x87654321u || (ID_REV >> 16) != 0x0118u) {
        return -1;
    }
    HW_CFG = HW_CFG_SRST;
    for (n = 0; (HW_CFG & HW_CFG_SRST) != 0u; n++) {
        if (n >= NIC_SPIN_MAX) {
            return -1;
        }
    }
    for (n = 0; (PMT_CTRL & PMT_READY) == 0u; n++) {
        if (n >= NIC_SPIN_MAX) {
            return -1;
        }
    }
    /* Polled: interrupt output off (its polarity is inverted unless
     * IRQ_CFG is 0x111, docs/platform.md), nothing enabled. */
    INT_EN = 0u;
    IRQ_CFG = 0u;
    TX_CFG = TX_CFG_TX_ON | TX_CFG_TXSAO;
    mac_write(MAC_CR, MAC_CR_RXEN | MAC_CR_TXEN | MAC_CR_FDPX);
    if (netif_add(netif, NULL, NULL, NULL, NULL, nic_netif_init,
                  ethernet_input) == NULL) {
        return -1;
    }
    return 0;
}

void board_nic_poll(struct netif *netif)
{
    /* Bounded per call so a flood cannot starve the rest of the loop, but
     * generous: the controller's FIFO is small and a frame it has to drop
     * costs a TCP retransmission timeout. */
    int budget = 16;
    while (budget-- > 0 && ((RX_FIFO_INF >> 16) & 0xFFu) != 0u) {
        uint32_t sts = RX_STATUS_PEEK;
        uint32_t len = (sts >> 16) & 0x3FFFu; /* includes the CRC */
        uint32_t words = (len + 3u) / 4u;
        uint32_t frame = len >= 4u ? len - 4u : 0u;
        int good = (sts & RX_STS_ES) == 0u && frame >= 14u && frame <= 1514u;
        struct pbuf *p = NULL;
        uint32_t i;
        if (good) {
            p = pbuf_alloc(PBUF_RAW, (uint16_t)frame, PBUF_POOL);
            if (p == NULL) {
                /* Out of buffers: leave the frame in the controller until
                 * the stack has freed some (no drop, no retransmission). */
                break;
            }
        }
        (void)RX_STATUS_FIFO;
        for (i = 0; i < words; i++) {
            uint32_t w = RX_DATA_FIFO;
            uint32_t off = i * 4u;
            if (p != NULL && off < frame) {
                uint8_t b[4];
                uint32_t k = frame - off < 4u ? frame - off : 4u;
                b[0] = (uint8_t)w;
                b[1] = (uint8_t)(w >> 8);
                b[2] = (uint8_t)(w >> 16);
                b[3] = (uint8_t)(w >> 24);
                chain_put(p, (uint16_t)off, b, (uint16_t)k);
            }
        }
        if (p != NULL && netif->input(p, netif) != ERR_OK) {
            pbuf_free(p);
        }
    }
}
