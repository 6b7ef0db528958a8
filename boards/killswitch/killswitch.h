/*
 * Portable kill-switch logic, shared by every board: network up, wait for a
 * held button, stop the configured deployment, show a definite result until
 * the next press. Console lines `STATE <NAME>` and `RESULT <OUTCOME> ...`
 * are an interface (tests and people follow the device by them).
 */
#ifndef KS_KILLSWITCH_H
#define KS_KILLSWITCH_H

#include <stdint.h>

#include "board.h"

#define KS_DEFAULT_HOLD_MS 1500u
#define KS_DEBOUNCE_MS 30u

typedef enum ks_state {
    KS_BOOT = 0,
    KS_NETWORK,  /* waiting for DHCP */
    KS_READY,    /* network up, armed */
    KS_HOLDING,  /* button down, not held long enough yet */
    KS_STOPPING, /* ds_stop running */
    KS_DONE      /* result shown until the next press */
} ks_state_t;

/* The live configuration (console edits it; the board persists it). */
extern board_config_t ks_cfg;

/* Boot: load the configuration, bring the network up. 0 on success. */
int ks_init(void);
/* One turn of the main loop: network, console, button, LEDs. */
void ks_step(void);

/* For the console. */
ks_state_t ks_state(void);
const char *ks_state_name(ks_state_t s);
/* The board's clock was set: an offset learned against the old clock
 * (for AK/SK signing) no longer applies. */
void ks_forget_clock_offset(void);
/* Simulate holding the button for `ms` milliseconds. */
void ks_press(uint32_t ms);
void ks_print_stats(void);
void ks_print_network(void);

/* console.c */
void console_poll(void);

#endif /* KS_KILLSWITCH_H */
