/*
 * What the kill switch does on the network: a press (every configured task
 * on one connection, discover + stop + wait for the end) and the self-test
 * call. One session setup serves both (run.c).
 */
#ifndef KS_RUN_H
#define KS_RUN_H

#include <stdint.h>

#include "deploystop.h"

/* A press: prints one `RESULT <OUTCOME> task=...` line per task and the
 * `RESULT ALL <OUTCOME> ...` summary; returns the summary's outcome. */
ds_outcome_t run_press(void);

/* The button went down: connect (TCP + TLS handshake) now, so the request
 * leaves the moment the hold is accepted. Blocking, within the deadline;
 * prints `HOLD connection ready|failed ... ms=N`. */
void run_preconnect(void);
/* The button came up before the hold: close that connection, nothing was
 * sent on it. */
void run_cancel(void);

/* The self-test (boards/README.md "Self-test"): 0 when a press has what it
 * needs, else < 0 with *why set to a static one-line reason. */
int run_check(const char **why);

/* 1 while a press or a check runs past its deadline plus a grace: it is
 * stuck, and the watchdog must no longer be fed for it. */
int run_overdue(void);

/* The board's clock was set: an offset learnt against the old clock (for
 * AK/SK signing) no longer applies. */
void run_forget_clock_offset(void);

/* main.c: the longest stretch between two watchdog feeds, microseconds. */
uint32_t ks_feed_gap_max_us(void);

/* `stats`: arena, lwIP heap and stack high-water marks. */
void run_print_stats(void);

#endif /* KS_RUN_H */
