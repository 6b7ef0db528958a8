#include <string.h>

#include "board.h"
#include "out.h"

void out_mem(const char *s, size_t len)
{
    board_console_write(s, len);
}

void out_str(const char *s)
{
    board_console_write(s, strlen(s));
}

void out_nl(void)
{
    board_console_write("\r\n", 2u);
}

static void out_u64(uint64_t v)
{
    char b[20];
    size_t i = sizeof b;
    do {
        b[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    board_console_write(b + i, sizeof b - i);
}

void out_u32(uint32_t v)
{
    out_u64(v);
}

void out_i64(int64_t v)
{
    if (v < 0) {
        board_console_write("-", 1u);
        out_u64((uint64_t)0 - (uint64_t)v);
    } else {
        out_u64((uint64_t)v);
    }
}

void out_i32(int32_t v)
{
    out_i64(v);
}

void out_hex(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    char b[10];
    int i;
    b[0] = '0';
    b[1] = 'x';
    for (i = 0; i < 8; i++) {
        b[2 + i] = digits[(v >> (28 - 4 * i)) & 0xFu];
    }
    board_console_write(b, sizeof b);
}

void out_quoted(const char *s)
{
    board_console_write("\"", 1u);
    for (; *s != '\0'; s++) {
        char c = *s;
        if (c == '"' || c == '\\') {
            board_console_write("\\", 1u);
            board_console_write(&c, 1u);
        } else if (c >= 0x20 && c < 0x7f) {
            board_console_write(&c, 1u);
        } else {
            board_console_write("?", 1u);
        }
    }
    board_console_write("\"", 1u);
}
