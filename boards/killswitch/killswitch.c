/*
 * The kill switch's state machine (killswitch.h): button debounce and hold,
 * self-test schedule, LED patterns (boards/README.md "LEDs").
 */
#include "killswitch.h"

#include <string.h>

#include "board.h"
#include "config_store.h"
#include "deploystop.h"
#include "ds_lwip.h"
#include "out.h"
#include "run.h"

static ks_state_t state = KS_BOOT;
static ks_state_t state_before_hold = KS_NOT_READY;
static int net_seen;
static ds_outcome_t last_outcome = DS_UNKNOWN;

/* Button: raw level, debounced level, and a simulated press (console). */
static int btn_raw_last;
static uint32_t btn_raw_since;
static int btn_stable;
static uint32_t btn_down_at;
static int btn_need_release;
static uint32_t sim_until;
static int sim_active;

/* Self-test: due at check_at when check_due; automatic ones can be off
 * (test image). */
static int check_due;
static uint32_t check_at;
static int checks_auto = 1;

static const char *const state_names[] = {
    "BOOT", "NETWORK", "READY", "NOT_READY", "HOLDING", "STOPPING", "DONE"};

const char *ks_state_name(ks_state_t s)
{
    return state_names[s];
}

ks_state_t ks_state(void)
{
    return state;
}

static void set_state(ks_state_t s)
{
    state = s;
    out_str("STATE ");
    out_str(state_names[s]);
    out_nl();
}

/* NOT_READY with its reason; said again only when the reason changed. */
static void not_ready(const char *why)
{
    static char last[48];
    if (state == KS_NOT_READY && strncmp(last, why, sizeof last - 1u) == 0) {
        return;
    }
    strncpy(last, why, sizeof last - 1u);
    state = KS_NOT_READY;
    out_str("STATE NOT_READY reason=");
    out_quoted(why);
    out_nl();
}

static void schedule_check(uint32_t in_ms)
{
    check_due = 1;
    check_at = board_ms() + in_ms;
}

/* The pattern of a finished press: its summary outcome. */
static uint32_t done_leds(uint32_t t)
{
    uint32_t slow = (t / 500u) % 2u;
    switch (last_outcome) {
    case DS_STOPPED: return BOARD_LED_RED; /* stopped, seen ended */
    case DS_NOTHING_RUNNING: return slow ? BOARD_LED_GREEN : 0u;
    case DS_STILL_RUNNING: return slow ? BOARD_LED_RED : 0u; /* accepted */
    default: return slow ? BOARD_LED_RED : BOARD_LED_GREEN; /* failure */
    }
}

void ks_leds(void)
{
    uint32_t t = board_ms();
    uint32_t m = 0;
    switch (state) {
    case KS_BOOT: m = BOARD_LED_GREEN | BOARD_LED_RED; break;
    case KS_NETWORK: m = (t / 250u) % 2u ? BOARD_LED_GREEN : 0u; break;
    case KS_READY: m = BOARD_LED_GREEN; break;
    case KS_NOT_READY: m = (t / 250u) % 2u ? BOARD_LED_RED : 0u; break;
    case KS_HOLDING:
        m = BOARD_LED_GREEN | ((t / 62u) % 2u ? BOARD_LED_RED : 0u);
        break;
    case KS_STOPPING:
        m = BOARD_LED_RED | ((t / 125u) % 2u ? BOARD_LED_GREEN : 0u);
        break;
    case KS_DONE: m = done_leds(t); break;
    }
    board_leds(m);
}

void ks_init(int net_ok)
{
    set_state(KS_BOOT);
    if (!net_ok) {
        not_ready("network controller failed");
        return;
    }
    set_state(KS_NETWORK);
}

void ks_print_network(void)
{
    char ip[16], gw[16];
    ds_lwip_net_addr(ip, gw);
    out_str("NET ");
    out_str(ds_lwip_net_up() ? "up" : "down");
    out_str(" ip=");
    out_str(ip);
    out_str(" gw=");
    out_str(gw);
    out_nl();
}

void ks_config_changed(void)
{
    if (checks_auto) {
        schedule_check(KS_CHECK_SETTLE_MS);
    }
}

void ks_check_now(void)
{
    schedule_check(0);
}

void ks_checks_auto(int on)
{
    checks_auto = on;
    if (!on) {
        check_due = 0;
    }
}

/* The self-test: READY or NOT_READY; a passing periodic check leaves a
 * shown result (DONE) alone. */
static void run_self_test(void)
{
    const char *why = NULL;
    uint32_t t0 = board_ms();
    int rc = run_check(&why);
    check_due = checks_auto;
    check_at = board_ms() + KS_CHECK_PERIOD_MS;
    out_str("CHECK ");
    out_str(rc == 0 ? "ok" : "failed");
    out_str(" ms=");
    out_u32((uint32_t)(board_ms() - t0));
    out_nl();
    if (rc != 0) {
        not_ready(why);
    } else if (state != KS_DONE) {
        set_state(KS_READY);
    }
}

static void step_check(void)
{
    if (state == KS_HOLDING || state == KS_STOPPING || state == KS_BOOT) {
        return;
    }
    if (check_due && (int32_t)(board_ms() - check_at) >= 0) {
        run_self_test();
    }
}

static void step_network(void)
{
    if (net_seen || !ds_lwip_net_up()) {
        return;
    }
    net_seen = 1;
    ks_print_network();
    if (state == KS_NETWORK && checks_auto) {
        schedule_check(0);
    }
}

void ks_press(uint32_t ms)
{
    sim_until = board_ms() + ms;
    sim_active = 1;
}

static int button_level(void)
{
    int sim = 0;
    if (sim_active) {
        if ((int32_t)(sim_until - board_ms()) > 0) {
            sim = 1;
        } else {
            sim_active = 0;
        }
    }
    return board_button_raw() || sim;
}

static void fire(void)
{
    btn_need_release = 1;
    set_state(KS_STOPPING);
    last_outcome = run_press();
    set_state(KS_DONE);
}

static void released(uint32_t t)
{
    btn_need_release = 0;
    if (state != KS_HOLDING) {
        return;
    }
    out_str("HOLD released after ");
    out_u32((uint32_t)(t - btn_down_at));
    out_str(" ms: not fired (hold ");
    out_u32(ks_config()->hold_ms);
    out_str(" ms)");
    out_nl();
    run_cancel();
    set_state(state_before_hold);
}

static void step_button(void)
{
    uint32_t t = board_ms();
    int raw = button_level();
    if (raw != btn_raw_last) {
        btn_raw_last = raw;
        btn_raw_since = t;
    }
    if (raw != btn_stable && (uint32_t)(t - btn_raw_since) >= KS_DEBOUNCE_MS) {
        btn_stable = raw;
        if (!raw) {
            released(t);
        } else if (!btn_need_release) {
            btn_down_at = t;
            state_before_hold = state;
            set_state(KS_HOLDING);
            run_preconnect();
        }
    }
    if (state == KS_HOLDING && btn_stable &&
        (uint32_t)(t - btn_down_at) >= ks_config()->hold_ms) {
        fire();
    }
}

void ks_step(void)
{
    step_network();
    step_check();
    step_button();
}
