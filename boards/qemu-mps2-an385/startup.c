/*
 * Reset and exception entry for the Cortex-M3 of mps2-an385. Polled design:
 * only SysTick is used; every other exception is fatal and says so on the
 * console, because a silent hang is the one thing a kill switch must not do.
 */
#include <stdint.h>
#include <string.h>

#include "an385.h"

extern uint32_t __data_start, __data_end, __data_load;
extern uint32_t __bss_start, __bss_end;
extern uint32_t __stack_bottom, __stack_top;

int main(void);
void reset_handler(void);
void fault_handler(void);
void nmi_handler(void);
void systick_handler(void);
void _init(void);
void _fini(void);

/* newlib-nano's init code references these; there is nothing to run. */
void _init(void) {}
void _fini(void) {}

void reset_handler(void)
{
    uint32_t *p;
    const uint32_t *src = &__data_load;
    for (p = &__data_start; p < &__data_end; p++) {
        *p = *src++;
    }
    for (p = &__bss_start; p < &__bss_end; p++) {
        *p = 0;
    }
    /* Paint the stack (below the current frame) for the high-water mark. */
    {
        uint32_t here = (uint32_t)(uintptr_t)&p;
        for (p = &__stack_bottom; (uint32_t)(uintptr_t)p < here - 64u; p++) {
            *p = AN385_STACK_PAINT;
        }
    }
    (void)main();
    an385_semihost_exit(0);
    for (;;) {
    }
}

void fault_handler(void)
{
    static const char msg[] = "\r\nFATAL cpu fault\r\n";
    an385_uart_write(msg, sizeof msg - 1u);
    an385_semihost_exit(3);
    for (;;) {
    }
}

typedef void (*vector_t)(void);

__attribute__((section(".vectors"), used)) static const vector_t vectors[16] = {
    (vector_t)(uintptr_t)&__stack_top,
    reset_handler,
    nmi_handler, /* NMI: the watchdog's first expiry */
    fault_handler, /* HardFault */
    fault_handler, /* MemManage */
    fault_handler, /* BusFault */
    fault_handler, /* UsageFault */
    0,
    0,
    0,
    0,
    fault_handler, /* SVCall */
    fault_handler, /* DebugMon */
    0,
    fault_handler, /* PendSV */
    systick_handler,
};
