/*
 * Kill-switch firmware entry. main drives everything, in one direction:
 * the network (port/lwip), the console, the state machine; neither of
 * those calls the other. The watchdog is fed here only:
 *   - at the end of a loop turn, when each part came back (made progress);
 *   - from the pump while a press or a self-test blocks the loop, only as
 *     long as that run is within its deadline (run_overdue): a run stuck
 *     past it lets the watchdog reset the board.
 * Never from an interrupt: a wedged loop with a live SysTick still resets.
 */
#include "board.h"
#include "config_store.h"
#include "console.h"
#include "deploystop.h"
#include "ds_lwip.h"
#include "killswitch.h"
#include "out.h"
#include "run.h"

/* Reset after this long without a feed. The longest stretch without one
 * (a cold TLS handshake's public-key step, docs/measurements.md) is far
 * shorter even at 25 MHz. */
#ifndef KS_WATCHDOG_MS
#define KS_WATCHDOG_MS 8000u
#endif

/* The longest stretch between two feeds (board_us), for `stats`: what
 * the watchdog period must cover (docs/measurements.md). */
static uint32_t last_feed_us;
static uint32_t feed_gap_max_us;

static void feed(void)
{
    uint32_t now = board_us();
    uint32_t gap = now - last_feed_us;
    if (last_feed_us != 0u && (int32_t)gap > (int32_t)feed_gap_max_us) {
        feed_gap_max_us = gap;
    }
    last_feed_us = now;
    board_watchdog_feed();
}

uint32_t ks_feed_gap_max_us(void)
{
    return feed_gap_max_us;
}

static void pump(void)
{
    ds_lwip_net_poll();
    ks_leds();
    if (!run_overdue()) {
        feed();
    }
}

static int hook_unix_time(int64_t *s)
{
    return board_unix_time(s);
}

static void fatal(const char *why)
{
    out_nl();
    out_str("FATAL ");
    out_str(why);
    out_nl();
    board_exit(3);
}

static const ds_lwip_hooks_t hooks = {
    board_ms,      pump,           board_entropy,  hook_unix_time, fatal,
    board_nic_init, board_nic_poll, board_uptime_s,
};

static void boot_line(unsigned cause)
{
    out_nl();
    out_str("deploystop kill switch " DS_VERSION);
    out_nl();
    out_str("BOOT reason=");
    out_str(cause == BOARD_RESET_WATCHDOG ? "watchdog" : "power");
    out_str(" config=");
    out_str(store_seq() != 0u ? "flash" : "none");
    out_str(" seq=");
    out_u32(store_seq());
    out_nl();
}

int main(void)
{
    const char *why = NULL;
    int net_ok;
    board_init();
    store_init();
    boot_line(board_reset_cause());
    board_watchdog_start(KS_WATCHDOG_MS);
    last_feed_us = board_us();
    ds_lwip_init(&hooks);
    net_ok = ds_lwip_net_start(&why) == 0;
    if (!net_ok) {
        /* Without a network a press can only fail: say so, keep the
         * console alive for diagnosis. */
        out_str("ERR ");
        out_str(why);
        out_nl();
    }
    ks_init(net_ok);
    for (;;) {
        ds_lwip_net_poll();
        console_poll();
        ks_step();
        ks_leds();
        feed(); /* every part of the turn came back */
    }
}
