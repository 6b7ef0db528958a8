/*
 * The AN385's CMSDK APB watchdog at 0x40008000, which QEMU 7.2 models
 * (`info mtree` lists cmsdk-apb-watchdog there) and wires to the NMI. It
 * counts down from LOAD at the 25 MHz system clock: the first time it
 * reaches zero it raises the NMI and reloads, the second time (interrupt
 * still pending) it resets the board. The NMI handler notes the cause in a
 * word that no loader or startup code touches, so the next boot can say
 * `BOOT reason=watchdog`, and returns: a loop that is slow but alive still
 * feeds in time (the feed clears the note); a hung one is reset.
 */
#include "an385.h"
#include "board.h"

#define WDOG 0x40008000u
#define WDOG_LOAD AN385_REG(WDOG + 0x00u)
#define WDOG_CONTROL AN385_REG(WDOG + 0x08u)
#define WDOG_INTCLR AN385_REG(WDOG + 0x0Cu)
#define WDOG_LOCK AN385_REG(WDOG + 0xC00u)
#define WDOG_UNLOCK 0x1ACCE551u
#define WDOG_INTEN 0x1u
#define WDOG_RESEN 0x2u
#define CAUSE_WATCHDOG 0x57444F47u /* "WDOG" */

/* Outside every section (an385.ld): kept across a reset. */
extern volatile uint32_t __reset_record[];

void nmi_handler(void);
void nmi_handler(void)
{
    static const char msg[] = "\r\nWATCHDOG expired: reset unless fed\r\n";
    __reset_record[0] = CAUSE_WATCHDOG;
    an385_uart_write(msg, sizeof msg - 1u);
}

void board_watchdog_start(uint32_t period_ms)
{
    /* Half the period to the NMI, the other half to the reset. */
    WDOG_LOCK = WDOG_UNLOCK;
    WDOG_LOAD = period_ms / 2u * (AN385_CPU_HZ / 1000u);
    WDOG_INTCLR = 1u;
    WDOG_CONTROL = WDOG_INTEN | WDOG_RESEN;
    WDOG_LOCK = 0u;
}

void board_watchdog_feed(void)
{
    __reset_record[0] = 0u; /* alive after all: no reset is coming */
    WDOG_LOCK = WDOG_UNLOCK;
    WDOG_INTCLR = 1u; /* reloads the counter */
    WDOG_LOCK = 0u;
}

unsigned board_reset_cause(void)
{
    unsigned cause = __reset_record[0] == CAUSE_WATCHDOG ? BOARD_RESET_WATCHDOG
                                                         : BOARD_RESET_POWER;
    __reset_record[0] = 0u;
    return cause;
}
