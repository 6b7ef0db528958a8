/* lwIP's system hooks in NO_SYS mode: time and randomness from the board. */
#include <stdint.h>

#include "ds_lwip_internal.h"
#include "lwip/sys.h"

u32_t sys_now(void)
{
    return ds_lwip_hooks.now_ms != NULL ? ds_lwip_hooks.now_ms() : 0u;
}

uint32_t ds_lwip_rand(void)
{
    uint32_t r = 0;
    /* Used for ports, DHCP xids and DNS ids; failing entropy degrades to
     * the clock, which only makes them guessable, not wrong. */
    if (ds_lwip_hooks.entropy == NULL ||
        ds_lwip_hooks.entropy((uint8_t *)&r, sizeof r) != 0) {
        r = sys_now() * 2654435761u;
    }
    return r;
}

void ds_lwip_assert_failed(const char *msg)
{
    if (ds_lwip_hooks.fatal != NULL) {
        ds_lwip_hooks.fatal(msg);
    }
    for (;;) {
    }
}
