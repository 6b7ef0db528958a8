#include <string.h>

#include "deploystop.h"
#include "ds_lwip.h"
#include "ds_lwip_crypto.h"
#include "killswitch.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"
#include "out.h"

board_config_t ks_cfg;

static struct netif ks_netif;
static ks_state_t state = KS_BOOT;
static ks_state_t state_before_hold = KS_READY;
static int net_up;
static int nic_ok;

/* Button: raw level, debounced level, and a simulated press (console). */
static int btn_raw_last;
static uint32_t btn_raw_since;
static int btn_stable;
static uint32_t btn_down_at;
static int btn_need_release;
static uint32_t sim_until;
static int sim_active;

/* The stop's working memory: static, never on the stack. */
static ds_workspace_t ks_ws;
static ds_result_t ks_res;
static ds_lwip_conn_t ks_conn;
/* The last TLS session (port/lwip/README.md "Session resumption"): kept in
 * RAM across presses and offered on the next connect to the same host,
 * port and CA. Never persisted: it holds the session's master secret. */
static ds_tls_session_t ks_session;
/* The stop's timing: press accepted, and the first request bytes taken by
 * the transport (on the wire: the port sends them at once), in board_us. */
static uint32_t ks_t_press_us;
static uint32_t ks_request_us; /* after the press; 0: nothing sent yet */
static int32_t (*ks_port_send)(void *ctx, const uint8_t *buf, size_t len,
                               uint32_t timeout_ms);
static ds_outcome_t last_outcome = DS_UNKNOWN;
/* AK/SK: seconds added to the board's clock (its uptime when it has no
 * wall clock), learned from the server's Date when a signature is refused
 * for its time, and kept for the next stops. */
static int64_t ks_clock_offset;

static const char *const state_names[] = {"BOOT",    "NETWORK",  "READY",
                                          "HOLDING", "STOPPING", "DONE"};

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

/* LED patterns (README "LEDs"): period/duty per state, from the ms clock. */
static void update_leds(void)
{
    uint32_t t = board_ms();
    uint32_t m = 0;
    switch (state) {
    case KS_BOOT: m = BOARD_LED_GREEN | BOARD_LED_RED; break;
    case KS_NETWORK: m = (t / 250u) % 2u ? BOARD_LED_GREEN : 0u; break;
    case KS_READY: m = BOARD_LED_GREEN; break;
    case KS_HOLDING:
        m = BOARD_LED_GREEN | ((t / 62u) % 2u ? BOARD_LED_RED : 0u);
        break;
    case KS_STOPPING:
        m = BOARD_LED_RED | ((t / 125u) % 2u ? BOARD_LED_GREEN : 0u);
        break;
    case KS_DONE:
        if (last_outcome == DS_STOPPED) {
            m = BOARD_LED_RED;
        } else {
            m = (t / 500u) % 2u ? BOARD_LED_RED : BOARD_LED_GREEN;
        }
        break;
    }
    board_leds(m);
}

static void pump(void)
{
    if (nic_ok) {
        board_nic_poll(&ks_netif);
        sys_check_timeouts();
    }
    update_leds();
}

static int board_hook_unix_time(int64_t *s)
{
    return board_unix_time(s);
}

static uint32_t pf_now(void *ctx)
{
    (void)ctx;
    return board_ms();
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
    (void)board_entropy((uint8_t *)&r, sizeof r);
    return r;
}

/* The AK/SK signing clock: the wall clock, or without one the uptime read
 * as a 1970 date, which the offset learnt from the server's Date turns
 * into real time. Not the core's board_ms() / 1000 fallback: that jumps
 * back every 49.7 days, costing a refused request (a step towards the
 * gateway's AK lock) after each wrap. */
static int pf_unix_time(void *ctx, int64_t *s)
{
    (void)ctx;
    if (board_unix_time(s) != 0) {
        *s = (int64_t)board_uptime_s();
    }
    return 0;
}

static void fatal(const char *why)
{
    out_nl();
    out_str("FATAL ");
    out_str(why);
    out_nl();
    board_exit(3);
}

int ks_init(void)
{
    static const ds_lwip_hooks_t hooks = {board_ms, pump, board_entropy,
                                          board_hook_unix_time, fatal};
    set_state(KS_BOOT);
    if (board_config_load(&ks_cfg) != 0) {
        memset(&ks_cfg, 0, sizeof ks_cfg);
    }
    if (ks_cfg.hold_ms == 0u) {
        ks_cfg.hold_ms = KS_DEFAULT_HOLD_MS;
    }
    if (ks_cfg.deadline_ms == 0u) {
        ks_cfg.deadline_ms = 15000u;
    }
    if (ks_cfg.port == 0u) {
        /* No endpoint yet: a press then fails on the empty host ("bad
         * host"), not on a port nobody chose. */
        ks_cfg.port = 443u;
        ks_cfg.use_tls = 1u;
    }
    ds_lwip_init(&hooks);
    lwip_init();
    if (board_nic_init(&ks_netif) != 0) {
        out_str("ERR network controller not found");
        out_nl();
        return -1;
    }
    nic_ok = 1;
    netif_set_default(&ks_netif);
    netif_set_up(&ks_netif);
    if (dhcp_start(&ks_netif) != ERR_OK) {
        out_str("ERR dhcp did not start");
        out_nl();
        return -1;
    }
    set_state(KS_NETWORK);
    return 0;
}

void ks_print_network(void)
{
    char buf[IP4ADDR_STRLEN_MAX];
    out_str("NET ");
    out_str(net_up ? "up" : "down");
    out_str(" ip=");
    out_str(ip4addr_ntoa_r(netif_ip4_addr(&ks_netif), buf, (int)sizeof buf));
    out_str(" gw=");
    out_str(ip4addr_ntoa_r(netif_ip4_gw(&ks_netif), buf, (int)sizeof buf));
    out_nl();
}

static void print_result(uint32_t elapsed)
{
    out_str("RESULT ");
    out_str(ds_outcome_name(ks_res.outcome));
    out_str(" reason=");
    out_quoted(ds_reason_text(ks_res.reason));
    out_str(" http=");
    out_i32(ks_res.http_status);
    if (ks_res.error_code[0] != '\0') {
        out_str(" code=");
        out_quoted(ks_res.error_code);
    }
    if (ks_res.error_msg[0] != '\0') {
        out_str(" msg=");
        out_quoted(ks_res.error_msg);
    }
    if (ks_res.request_id[0] != '\0') {
        out_str(" request_id=");
        out_quoted(ks_res.request_id);
    }
    if (ks_res.transport_error != 0) {
        out_str(" transport=");
        out_i32(ks_res.transport_error);
    }
    if (ks_conn.last_tls_error != 0) {
        out_str(" tls=-");
        out_hex((uint32_t)-ks_conn.last_tls_error);
    }
    if (ks_conn.last_verify_flags != 0u) {
        out_str(" verify=");
        out_hex(ks_conn.last_verify_flags);
    }
    out_str(" attempts=");
    out_i32(ks_res.attempts);
    out_str(" ms=");
    out_u32(elapsed);
    out_nl();
}

/* The port's send, noting when the first request bytes went out. */
static int32_t timed_send(void *ctx, const uint8_t *buf, size_t len,
                          uint32_t timeout_ms)
{
    int32_t n = ks_port_send(ctx, buf, len, timeout_ms);
    if (n > 0 && ks_request_us == 0u) {
        uint32_t us = board_us() - ks_t_press_us;
        ks_request_us = us != 0u ? us : 1u;
    }
    return n;
}

/* `TIMING request_us=N`: from the press being accepted to the first
 * request bytes on the wire (tests/firmware/latency.py). */
static void print_timing(void)
{
    if (ks_request_us == 0u) {
        return;
    }
    out_str("TIMING request_us=");
    out_u32(ks_request_us);
    out_nl();
}

static void run_stop(void)
{
    ds_stop_request_t req;
    ds_transport_t tr;
    ds_platform_t pf;
    ds_crypto_t crypto;
    int64_t offset_before;
    uint32_t t0 = board_ms();

    ks_t_press_us = board_us();
    ks_request_us = 0;
    set_state(KS_STOPPING);
    memset(&ks_res, 0, sizeof ks_res);
    ks_conn.last_tls_error = 0;
    ks_conn.last_verify_flags = 0;
    ds_stop_request_init(&req);
    /* Never set: the empty host makes ds_stop answer INVALID_INPUT, nothing sent. */
    req.host = ks_cfg.host;
    req.port = ks_cfg.port;
    req.use_tls = ks_cfg.use_tls;
    req.task_id = ks_cfg.task;
    req.record_id = ks_cfg.record;
    if (ks_cfg.auth == BOARD_AUTH_AKSK) {
        req.auth.kind = DS_AUTH_AKSK;
        req.auth.ak = ks_cfg.ak;
        req.auth.sk = ks_cfg.sk;
        req.auth.crypto = &crypto;
        req.auth.clock_offset_s = &ks_clock_offset;
        ds_lwip_crypto(&crypto);
    } else {
        req.auth.kind = DS_AUTH_TOKEN;
        req.auth.token = ks_cfg.token;
        req.auth.token_len = ks_cfg.token_len;
    }
    offset_before = ks_clock_offset;
    req.deadline_ms = ks_cfg.deadline_ms;
    ks_conn.ca_pem = ks_cfg.ca_pem;
    ks_conn.ca_len = ks_cfg.ca_len;
    ks_conn.session = &ks_session;
    ds_lwip_transport(&tr, &ks_conn);
    ks_port_send = tr.send;
    tr.send = timed_send;
    pf.ctx = NULL;
    pf.now_ms = pf_now;
    pf.sleep_ms = pf_sleep;
    pf.random_u32 = pf_random;
    pf.unix_time = pf_unix_time;
    last_outcome = ds_stop(&req, &tr, &pf, &ks_ws, &ks_res);
    if (ks_clock_offset != offset_before) {
        out_str("CLOCK offset ");
        out_i64(ks_clock_offset);
        out_str(" s, from the server's Date");
        out_nl();
    }
    print_result((uint32_t)(board_ms() - t0));
    print_timing();
    set_state(KS_DONE);
}

void ks_forget_clock_offset(void)
{
    ks_clock_offset = 0;
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
        if (raw) {
            btn_down_at = t;
            if (!btn_need_release && state != KS_STOPPING) {
                state_before_hold = state;
                set_state(KS_HOLDING);
            }
        } else {
            btn_need_release = 0;
            if (state == KS_HOLDING) {
                out_str("HOLD released after ");
                out_u32((uint32_t)(t - btn_down_at));
                out_str(" ms: not fired (hold ");
                out_u32(ks_cfg.hold_ms);
                out_str(" ms)");
                out_nl();
                set_state(state_before_hold);
            }
        }
    }
    if (state == KS_HOLDING && btn_stable &&
        (uint32_t)(t - btn_down_at) >= ks_cfg.hold_ms) {
        btn_need_release = 1;
        run_stop();
    }
}

void ks_step(void)
{
    pump();
    if (!net_up && dhcp_supplied_address(&ks_netif)) {
        net_up = 1;
        ks_print_network();
        if (state == KS_NETWORK) {
            set_state(KS_READY);
        }
    }
    console_poll();
    step_button();
}

void ks_print_stats(void)
{
    ds_tls_arena_stats_t st;
    ds_tls_arena_stats(&st);
    out_str("STATS arena_peak=");
    out_u32((uint32_t)st.peak);
    out_str(" arena_peak_blocks=");
    out_u32((uint32_t)st.peak_blocks);
    out_str(" arena_in_use=");
    out_u32((uint32_t)st.in_use);
    out_str(" arena_size=");
    out_u32((uint32_t)st.size);
    out_str(" lwip_heap_peak=");
    out_u32((uint32_t)lwip_stats.mem.max);
    out_str(" lwip_heap_in_use=");
    out_u32((uint32_t)lwip_stats.mem.used);
    out_str(" lwip_heap_size=");
    out_u32((uint32_t)MEM_SIZE);
    out_str(" stack_peak=");
    out_u32((uint32_t)board_stack_peak());
    out_str(" stack_size=");
    out_u32((uint32_t)board_stack_size());
    out_nl();
}
