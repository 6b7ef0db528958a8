/* The serial console (console.c): provisioning and diagnosis. */
#ifndef KS_CONSOLE_H
#define KS_CONSOLE_H

/* Read and act on what arrived, a bounded number of bytes per call so the
 * network keeps running during a paste. Never blocks. */
void console_poll(void);

#endif /* KS_CONSOLE_H */
