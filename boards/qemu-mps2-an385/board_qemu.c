/*
 * The mps2-an385 board as QEMU emulates it: CMSDK UART0 console, SysTick
 * millisecond clock, FPGAIO LEDs, semihosting exit. The Ethernet side is in
 * lan9118.c, the configuration flash in flash_qemu.c, the watchdog in
 * watchdog_qemu.c.
 */
#include <string.h>

#include "an385.h"
#include "board.h"

#ifndef DS_BOARD_TEST_ONLY_ENTROPY
#error                                                                         \
    "qemu-mps2-an385 has no TRNG: it builds only with the test-only entropy opt-in"
#endif

extern uint32_t __stack_bottom, __stack_top;

static volatile uint32_t ms_ticks;
/* Seconds kept by the tick itself: a clock derived from ms_ticks would
 * jump back when it wraps (49.7 days), which a switch left powered for
 * months must survive. 32-bit reads are atomic on the Cortex-M3. */
static volatile uint32_t up_s;
static uint32_t ms_in_s;    /* the tick's only */
static int64_t wall_base_s; /* unix time at wall_base_up; 0: unknown */
static uint32_t wall_base_up;
static uint32_t entropy_state;

void systick_handler(void);
void systick_handler(void)
{
    ms_ticks++;
    if (++ms_in_s == 1000u) {
        ms_in_s = 0;
        up_s++;
    }
}

void board_init(void)
{
    AN385_UART_BAUDDIV = 16u;
    AN385_UART_CTRL = 0x3u; /* TX and RX enabled, no interrupts */
    AN385_SYST_RVR = AN385_CPU_HZ / 1000u - 1u;
    AN385_SYST_CVR = 0u;
    AN385_SYST_CSR = 0x7u; /* core clock, interrupt, enable */
    AN385_FPGAIO_LED = 0u;
}

void an385_uart_write(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        while (AN385_UART_STATE & AN385_UART_TX_FULL) {
        }
        AN385_UART_DATA = (uint8_t)s[i];
    }
}

void board_console_write(const char *s, size_t len)
{
    an385_uart_write(s, len);
}

int board_console_getc(void)
{
    if (AN385_UART_STATE & AN385_UART_RX_FULL) {
        int c = (int)(AN385_UART_DATA & 0xFFu);
        /* The arrival time of console bytes is the only unpredictable input
         * this emulated board has; it still is NOT real entropy. */
        entropy_state ^= AN385_SYST_CVR + (uint32_t)c * 2654435761u;
        return c;
    }
    return -1;
}

int board_button_raw(void)
{
    return 0; /* QEMU has no button wired to the guest: `press` simulates it */
}

void board_leds(uint32_t mask)
{
    AN385_FPGAIO_LED = mask & 0x3u;
}

uint32_t board_ms(void)
{
    return ms_ticks;
}

/* The tick count plus SysTick's position in the current millisecond (it
 * counts down from the reload value at the core clock); read again when a
 * tick came in between. A reload whose interrupt is still pending (the
 * loop runs with the tick not yet counted) adds its millisecond, so the
 * clock never steps back. */
uint32_t board_us(void)
{
    uint32_t ms;
    uint32_t cvr;
    uint32_t pend;
    do {
        ms = ms_ticks;
        cvr = AN385_SYST_CVR;
        pend = AN385_SCB_ICSR & AN385_ICSR_PENDSTSET;
    } while (ms != ms_ticks);
    if (pend != 0u && cvr > AN385_SYST_RVR / 2u) {
        ms++;
    }
    return ms * 1000u + (AN385_SYST_RVR - cvr) / (AN385_CPU_HZ / 1000000u);
}

uint32_t board_uptime_s(void)
{
    return up_s;
}

int board_unix_time(int64_t *seconds)
{
    if (wall_base_s <= 0) {
        return -1;
    }
    *seconds = wall_base_s + (int64_t)(uint32_t)(up_s - wall_base_up);
    return 0;
}

int board_set_unix_time(int64_t seconds)
{
    if (seconds <= 0) {
        return -1;
    }
    wall_base_s = seconds;
    wall_base_up = up_s;
    return 0;
}

/* TEST ONLY (DS_BOARD_TEST_ONLY_ENTROPY): xorshift over the SysTick phase
 * and console timing. Predictable by design of the emulator; never use this
 * on hardware. */
int board_entropy(uint8_t *buf, size_t len)
{
    size_t i;
    uint32_t x =
        entropy_state ^ AN385_SYST_CVR ^ (ms_ticks * 0x9E3779B9u) ^ 0xA5A5F00Du;
    for (i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x ^= AN385_SYST_CVR;
        buf[i] = (uint8_t)(x >> 7);
    }
    entropy_state = x;
    return 0;
}

int32_t an385_semihost(uint32_t op, uintptr_t arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register uintptr_t r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

void an385_semihost_exit(int status)
{
    /* SYS_EXIT: ADP_Stopped_ApplicationExit (QEMU exits 0) or
     * ADP_Stopped_RunTimeErrorUnknown (QEMU exits 1). */
    (void)an385_semihost(0x18u, status == 0 ? 0x20026u : 0x20023u);
}

void board_exit(int status)
{
    an385_semihost_exit(status);
    for (;;) {
    }
}

size_t board_stack_peak(void)
{
    const uint32_t *p = &__stack_bottom;
    while (p < &__stack_top && *p == AN385_STACK_PAINT) {
        p++;
    }
    return (size_t)((uintptr_t)&__stack_top - (uintptr_t)p);
}

size_t board_stack_size(void)
{
    return (size_t)((uintptr_t)&__stack_top - (uintptr_t)&__stack_bottom);
}
