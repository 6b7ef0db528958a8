/*
 * The one interface a kill-switch board implements.
 *
 * Everything above this header (boards/killswitch, port/lwip, core/) is
 * shared by all boards; a new board provides these functions and nothing
 * else. All calls come from the single main loop: no threads, no
 * interrupts required (a board may still use them internally).
 */
#ifndef DS_BOARD_H
#define DS_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "ds_config.h"
#include "ds_sign.h"

struct netif;

/*
 * Entropy policy. A board declares, in its build flags, where its entropy
 * comes from:
 *   DS_BOARD_HAS_TRNG               a hardware random source (production)
 *   DS_BOARD_TEST_ONLY_ENTROPY      a predictable source, for emulators and
 *                                   tests only: the TLS keys it derives are
 *                                   guessable by anyone who knows the board
 * A board that declares neither does not build: TLS without real entropy
 * must never ship by accident.
 */
#if !defined(DS_BOARD_HAS_TRNG) && !defined(DS_BOARD_TEST_ONLY_ENTROPY)
#error                                                                         \
    "board: no entropy source. Define DS_BOARD_HAS_TRNG (hardware RNG) or, for emulators/tests only, DS_BOARD_TEST_ONLY_ENTROPY."
#endif

/* LEDs the kill switch drives (a board maps them to what it has). */
#define BOARD_LED_GREEN 0x1u /* network / ready */
#define BOARD_LED_RED 0x2u   /* stop fired / failure */

/* Bring up clocks, console, LEDs and button. Called first. */
void board_init(void);

/* Console: non-blocking read of one byte (-1 when none), blocking write. */
int board_console_getc(void);
void board_console_write(const char *s, size_t len);

/* Button level right now (1 = pressed), undebounced: the kill switch
 * debounces. A board without a physical button may return 0 always and
 * rely on the console's `press`. */
int board_button_raw(void);

/* Set the LEDs in `mask` on, the others off. */
void board_leds(uint32_t mask);

/* Monotonic milliseconds since boot (wraps at 2^32). */
uint32_t board_ms(void);

/* Monotonic microseconds since boot (wraps at 2^32, every 71 minutes): for
 * timing measurements only. A board without a finer clock may return
 * board_ms() * 1000. */
uint32_t board_us(void);

/* Whole seconds since boot; 2^32 s is 136 years, so it never wraps where
 * board_ms() / 1000 jumps back every 49.7 days. The AK/SK signing clock of
 * a board without a wall clock, and what a wall clock counts from. */
uint32_t board_uptime_s(void);

/* Wall clock in seconds since 1970 UTC; < 0 when the board has none
 * (or has not been told the time). */
int board_unix_time(int64_t *seconds);

/* Tell the board the wall-clock time (from the console or a time source);
 * a board with a battery-backed clock may refuse (< 0). */
int board_set_unix_time(int64_t seconds);

/* Fill `buf` with `len` bytes from the board's entropy source; 0 on
 * success. See the entropy policy above. */
int board_entropy(uint8_t *buf, size_t len);

/* Initialise the Ethernet controller and attach it to lwIP as `netif`
 * (which the caller owns). Returns 0 on success. */
int board_nic_init(struct netif *netif);

/* Move received frames from the controller into lwIP. Never blocks. */
void board_nic_poll(struct netif *netif);

/*
 * Configuration flash: BOARD_FLASH_SIZE bytes, memory-mapped for reads at
 * board_flash_base(), erased a page of BOARD_FLASH_PAGE bytes at a time (to
 * 0xFF), programmed a 32-bit word at a time (a word only from erased; the
 * caller never programs a word twice between erases). A power cut may
 * leave any prefix of an erase or of a sequence of programs done, word by
 * word: boards/killswitch/config_store.c is built for exactly that.
 * Both return 0 on success, < 0 on a bad offset or a device error.
 */
#ifndef BOARD_FLASH_PAGE
#define BOARD_FLASH_PAGE 4096u
#endif
#ifndef BOARD_FLASH_SIZE
#define BOARD_FLASH_SIZE (12u * BOARD_FLASH_PAGE)
#endif
const uint8_t *board_flash_base(void);
/* Word operations (a programmed word, or a word of an erased page) since
 * boot: wear accounting, and the tests' measure of a save. */
uint32_t board_flash_ops(void);
int board_flash_erase(uint32_t offset); /* the page at offset (page-aligned) */
int board_flash_program(uint32_t offset, uint32_t word); /* 4-aligned */

/* TEST BUILDS ONLY: the board loses power right before the `ops`+1-th
 * flash word operation from now (QEMU: the emulator exits at once). */
void board_test_power_cut(uint32_t ops);

/*
 * Hardware watchdog. Started once with a period in milliseconds; unless
 * fed within the period the board resets. Fed only from the main loop
 * (boards/killswitch/main.c says when), never from an interrupt.
 */
void board_watchdog_start(uint32_t period_ms);
void board_watchdog_feed(void);

/* Why the board last came out of reset. */
#define BOARD_RESET_POWER 0u    /* power on (or a cause the board cannot tell) */
#define BOARD_RESET_WATCHDOG 1u /* the watchdog expired */
unsigned board_reset_cause(void);

/* Deepest stack use since boot and the stack's size, bytes (the board
 * paints its stack at reset). */
size_t board_stack_peak(void);
size_t board_stack_size(void);

/* Stop the program with an exit status where that means something (an
 * emulator); on hardware, reset. */
void board_exit(int status);

#endif /* DS_BOARD_H */
