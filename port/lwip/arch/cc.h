/* lwIP architecture glue for bare-metal Cortex-M with newlib-nano. */
#ifndef DS_LWIP_ARCH_CC_H
#define DS_LWIP_ARCH_CC_H

#include <stdint.h>

#define LWIP_NO_INTTYPES_H 0
#define BYTE_ORDER LITTLE_ENDIAN

/* Diagnostics would pull printf into the image; assertions are off in
 * lwipopts.h and failures surface as transport errors instead. */
#define LWIP_PLATFORM_DIAG(x)                                                  \
    do {                                                                       \
    } while (0)
void ds_lwip_assert_failed(const char *msg);
#define LWIP_PLATFORM_ASSERT(x) ds_lwip_assert_failed(x)

#define LWIP_RAND() ds_lwip_rand()

#endif /* DS_LWIP_ARCH_CC_H */
