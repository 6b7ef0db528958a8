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

/* Persistent configuration, loaded at boot, saved by the console. */
#define BOARD_CA_MAX                                                           \
    1600u /* PEM text of the trusted CA(s): one RSA-2048 root */

/* board_config_t.auth: which credential a stop uses. */
#define BOARD_AUTH_TOKEN 0u
#define BOARD_AUTH_AKSK 1u

typedef struct board_config {
    /* The endpoint, parsed when set: the host is what a stop passes to
     * DNS and TLS, so no per-stop copy of it is needed. */
    char host[DS_HOST_MAX + 1]; /* "" until set */
    uint16_t port;
    uint8_t use_tls; /* 0 only for an http:// test endpoint */
    char task[DS_ID_LEN + 1];
    char record[DS_ID_LEN + 1];
    uint32_t auth; /* BOARD_AUTH_* */
    char token[DS_TOKEN_MAX + 1];
    size_t token_len;
    char ak[DS_SIGN_AK_MAX + 1];   /* access key, NUL-terminated */
    char sk[DS_SIGN_SK_MAX + 1];   /* secret key: never printed */
    char ca_pem[BOARD_CA_MAX + 1]; /* NUL-terminated PEM */
    size_t ca_len;                 /* bytes, without the NUL */
    uint32_t hold_ms;              /* button hold to fire */
    uint32_t deadline_ms;          /* whole stop, all attempts */
} board_config_t;

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

/* Load the configuration (0 when one was found) / persist it (0 on
 * success). A board without storage keeps it in RAM until reset. */
int board_config_load(board_config_t *cfg);
int board_config_save(const board_config_t *cfg);

/* Deepest stack use since boot and the stack's size, bytes (the board
 * paints its stack at reset). */
size_t board_stack_peak(void);
size_t board_stack_size(void);

/* Stop the program with an exit status where that means something (an
 * emulator); on hardware, reset. */
void board_exit(int status);

#endif /* DS_BOARD_H */
