/* Registers of QEMU's mps2-an385 that this board uses (see docs/platform.md). */
#ifndef AN385_H
#define AN385_H

#include <stddef.h>
#include <stdint.h>

#define AN385_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#define AN385_UART0 0x40004000u
#define AN385_UART_DATA AN385_REG(AN385_UART0 + 0x00u)
#define AN385_UART_STATE AN385_REG(AN385_UART0 + 0x04u)
#define AN385_UART_CTRL AN385_REG(AN385_UART0 + 0x08u)
#define AN385_UART_BAUDDIV AN385_REG(AN385_UART0 + 0x10u)
#define AN385_UART_TX_FULL 0x1u
#define AN385_UART_RX_FULL 0x2u

#define AN385_FPGAIO_LED AN385_REG(0x40028000u)

#define AN385_SYST_CSR AN385_REG(0xE000E010u)
#define AN385_SYST_RVR AN385_REG(0xE000E014u)
#define AN385_SYST_CVR AN385_REG(0xE000E018u)
#define AN385_CPU_HZ 25000000u
#define AN385_SCB_ICSR AN385_REG(0xE000ED04u)
#define AN385_ICSR_PENDSTSET (1u << 26)

#define AN385_LAN9118 0x40200000u

#define AN385_STACK_PAINT 0x5AA5C33Cu

void an385_uart_write(const char *s, size_t len);
/* A semihosting call (`bkpt 0xab`): operation `op`, argument in r1 (a
 * value, or the address of an argument block); the host's answer. */
int32_t an385_semihost(uint32_t op, uintptr_t arg);
void an385_semihost_exit(int status);

#endif /* AN385_H */
