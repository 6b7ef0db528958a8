/*
 * The configuration flash of the emulated board. QEMU maps RAM where the
 * AN385 has its flash, so the board keeps the region's contents in a host
 * file through semihosting (`ks-flash.bin` in QEMU's working directory) and
 * writes every erased or programmed word through to it at once: a power cut
 * (QEMU killed, or the test-only cut below) leaves the file exactly as far
 * as the flash had got, word by word, the way a cut tears real flash.
 */
#include <string.h>

#include "an385.h"
#include "board.h"

#define SYS_OPEN 0x01u
#define SYS_WRITE 0x05u
#define SYS_READ 0x06u
#define SYS_SEEK 0x0Au
#define SYS_FLEN 0x0Cu
#define MODE_RB_PLUS 3u /* "r+b" */
#define MODE_WB_PLUS 7u /* "w+b": only when the file does not exist */

extern uint8_t __config_flash[];

static const char flash_file[] = "ks-flash.bin";
static int fh = -1;
static uint32_t file_pos = 0xFFFFFFFFu; /* unknown: seek first */
/* Test-only power cut: word operations left before it, 0 = none armed. */
static uint32_t cut_left;
static uint32_t ops;

static int32_t semihost(uint32_t op, const void *args)
{
    return an385_semihost(op, (uintptr_t)args);
}

static int file_open(uint32_t mode)
{
    uint32_t a[3] = {(uint32_t)(uintptr_t)flash_file, mode,
                     sizeof flash_file - 1u};
    return (int)semihost(SYS_OPEN, a);
}

static int file_write(uint32_t pos, const void *p, uint32_t len)
{
    uint32_t a[3] = {(uint32_t)fh, (uint32_t)(uintptr_t)p, len};
    if (pos != file_pos) {
        uint32_t s[2] = {(uint32_t)fh, pos};
        if (semihost(SYS_SEEK, s) != 0) {
            file_pos = 0xFFFFFFFFu;
            return -1;
        }
    }
    if (semihost(SYS_WRITE, a) != 0) {
        file_pos = 0xFFFFFFFFu;
        return -1;
    }
    file_pos = pos + len;
    return 0;
}

/* Open (or create, erased) the backing file and map it into the region. */
static void flash_load(void)
{
    uint32_t a[3];
    int32_t len;
    memset(__config_flash, 0xFF, BOARD_FLASH_SIZE);
    fh = file_open(MODE_RB_PLUS);
    if (fh < 0) {
        fh = file_open(MODE_WB_PLUS);
        if (fh < 0 || file_write(0, __config_flash, BOARD_FLASH_SIZE) != 0) {
            fh = -1;
            return;
        }
    }
    a[0] = (uint32_t)fh;
    len = semihost(SYS_FLEN, a);
    if (len > (int32_t)BOARD_FLASH_SIZE) {
        len = (int32_t)BOARD_FLASH_SIZE;
    }
    a[1] = (uint32_t)(uintptr_t)__config_flash;
    a[2] = (uint32_t)len;
    if (len > 0 && (semihost(SYS_SEEK, (uint32_t[2]){(uint32_t)fh, 0u}) != 0 ||
                    semihost(SYS_READ, a) != 0)) {
        memset(__config_flash, 0xFF, BOARD_FLASH_SIZE);
    }
    file_pos = 0xFFFFFFFFu;
}

const uint8_t *board_flash_base(void)
{
    if (fh < 0) {
        flash_load();
    }
    return __config_flash;
}

void board_test_power_cut(uint32_t n)
{
    cut_left = n + 1u;
}

uint32_t board_flash_ops(void)
{
    return ops;
}

/* One word of flash, in the region and in the file; the test-only cut
 * stops the board before the word it falls on. */
static int put_word(uint32_t offset, uint32_t word)
{
    static const char msg[] = "\r\nPOWER CUT (test)\r\n";
    if (cut_left != 0u && --cut_left == 0u) {
        an385_uart_write(msg, sizeof msg - 1u);
        an385_semihost_exit(0);
    }
    ops++;
    memcpy(__config_flash + offset, &word, 4);
    return fh < 0 ? -1 : file_write(offset, &word, 4);
}

int board_flash_erase(uint32_t offset)
{
    uint32_t i;
    (void)board_flash_base();
    if (offset % BOARD_FLASH_PAGE != 0u || offset >= BOARD_FLASH_SIZE) {
        return -1;
    }
    for (i = 0; i < BOARD_FLASH_PAGE; i += 4u) {
        if (put_word(offset + i, 0xFFFFFFFFu) != 0) {
            return -1;
        }
    }
    return 0;
}

int board_flash_program(uint32_t offset, uint32_t word)
{
    uint32_t old;
    (void)board_flash_base();
    if (offset % 4u != 0u || offset >= BOARD_FLASH_SIZE) {
        return -1;
    }
    memcpy(&old, __config_flash + offset, 4);
    if (old != 0xFFFFFFFFu) {
        return -1; /* NOR flash: program only what is erased */
    }
    return put_word(offset, word);
}
