/* Console output without printf (which would pull stdio, and with it a
 * heap, into the image). */
#ifndef KS_OUT_H
#define KS_OUT_H

#include <stddef.h>
#include <stdint.h>

void out_str(const char *s);
void out_mem(const char *s, size_t len);
void out_u32(uint32_t v);
void out_i32(int32_t v);
void out_i64(int64_t v);
void out_hex(uint32_t v);
/* Server-supplied text: printable ASCII only, quotes and backslashes
 * escaped, so a hostile answer cannot forge a console line. */
void out_quoted(const char *s);
void out_nl(void);

#endif /* KS_OUT_H */
