/*
 * The kill switch's state machine, shared by every board: the held button,
 * the self-test schedule, the LEDs, and a definite result until the next
 * press. Console lines `BOOT`, `STATE <NAME>` and `RESULT ...` are an
 * interface (tests and people follow the device by them). main.c drives
 * it; it calls run.c for the network and never the console.
 */
#ifndef KS_KILLSWITCH_H
#define KS_KILLSWITCH_H

#include <stdint.h>

#define KS_DEBOUNCE_MS 30u
/* Self-test period, and the delay after a provisioning change before the
 * check runs (a burst of commands gets one check). The test image
 * shortens the period. */
#ifndef KS_CHECK_PERIOD_MS
#define KS_CHECK_PERIOD_MS 600000u
#endif
#define KS_CHECK_SETTLE_MS 1500u

typedef enum ks_state {
    KS_BOOT = 0,
    KS_NETWORK,   /* waiting for DHCP */
    KS_READY,     /* self-test passed: a press has what it needs */
    KS_NOT_READY, /* self-test failed (reason printed); a press still tries */
    KS_HOLDING,   /* button down, not held long enough yet */
    KS_STOPPING,  /* the press runs */
    KS_DONE       /* result shown until the next press */
} ks_state_t;

/* Boot: `net_ok` 0 when the network could not even start. */
void ks_init(int net_ok);
/* One turn: network state, self-test schedule, button. May block for a
 * press or a check (bounded by the configured deadline). */
void ks_step(void);
/* Show the LED pattern of the current state (the pump calls it often). */
void ks_leds(void);

ks_state_t ks_state(void);
const char *ks_state_name(ks_state_t s);
/* Simulate holding the button for `ms` milliseconds. */
void ks_press(uint32_t ms);
/* The configuration changed: check again once it settles. */
void ks_config_changed(void);
/* Run the self-test at the next step. */
void ks_check_now(void);
/* Test image: automatic checks (after changes, periodic) on or off. */
void ks_checks_auto(int on);
/* `net`: the interface's address. */
void ks_print_network(void);

#endif /* KS_KILLSWITCH_H */
