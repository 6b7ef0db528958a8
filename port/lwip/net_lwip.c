/*
 * Network bring-up for the lwIP port: lwIP itself, the board's NIC (through
 * the hooks), DHCP, and the core's platform over the same hooks. A board's
 * main loop calls ds_lwip_net_poll; blocking transport calls reach it
 * through the board's pump hook.
 */
#include "ds_lwip.h"
#include "ds_lwip_internal.h"
#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"

static struct netif net_if;
static int nic_ok;

int ds_lwip_net_start(const char **why)
{
    lwip_init();
    if (ds_lwip_hooks.nic_init(&net_if) != 0) {
        *why = "network controller not found";
        return -1;
    }
    nic_ok = 1;
    netif_set_default(&net_if);
    netif_set_up(&net_if);
    if (dhcp_start(&net_if) != ERR_OK) {
        *why = "dhcp did not start";
        return -1;
    }
    return 0;
}

void ds_lwip_net_poll(void)
{
    if (nic_ok) {
        ds_lwip_hooks.nic_poll(&net_if);
        sys_check_timeouts();
    }
}

int ds_lwip_net_up(void)
{
    return nic_ok && dhcp_supplied_address(&net_if);
}

void ds_lwip_net_addr(char ip[16], char gw[16])
{
    (void)ip4addr_ntoa_r(netif_ip4_addr(&net_if), ip, 16);
    (void)ip4addr_ntoa_r(netif_ip4_gw(&net_if), gw, 16);
}

void ds_lwip_heap_stats(size_t *peak, size_t *in_use, size_t *size)
{
    *peak = lwip_stats.mem.max;
    *in_use = lwip_stats.mem.used;
    *size = MEM_SIZE;
}

static uint32_t pf_now(void *ctx)
{
    (void)ctx;
    return ds_lwip_hooks.now_ms();
}

static void pf_sleep(void *ctx, uint32_t ms)
{
    (void)ctx;
    ds_lwip_wait(ms);
}

static uint32_t pf_random(void *ctx)
{
    uint32_t r = 0;
    (void)ctx;
    (void)ds_lwip_hooks.entropy((uint8_t *)&r, sizeof r);
    return r;
}

static int pf_unix_time(void *ctx, int64_t *s)
{
    (void)ctx;
    if (ds_lwip_hooks.unix_time(s) != 0) {
        *s = (int64_t)ds_lwip_hooks.uptime_s();
    }
    return 0;
}

void ds_lwip_platform(ds_platform_t *pf)
{
    pf->ctx = NULL;
    pf->now_ms = pf_now;
    pf->sleep_ms = pf_sleep;
    pf->random_u32 = pf_random;
    pf->unix_time = pf_unix_time;
}
