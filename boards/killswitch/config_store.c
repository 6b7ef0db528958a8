/*
 * Configuration in flash, A/B (config_store.h). Why it survives a cut:
 *   - a save never touches the copy in force: it erases the other slot,
 *     programs the new body, then the header words seq, len, crc and the
 *     magic last; a slot counts only with the magic, a sane length and a
 *     CRC over seq, len and body that matches;
 *   - the newest valid slot (sequence compared with wrap-around) wins, so
 *     a cut before the magic word leaves the old copy, after it the new.
 * A cut in the middle of an erase leaves a torn slot whose CRC fails.
 */
#include "config_store.h"

#include <string.h>

#include "board.h"

#define SLOT_PAGES 6u
#define SLOT_SIZE (SLOT_PAGES * BOARD_FLASH_PAGE)
#define SLOTS 2u
#define MAGIC 0x4B53430Bu /* "KSC" + layout version 11 */
#define HDR_SIZE 16u
#define BODY_MAX (SLOT_SIZE - HDR_SIZE)
#define NO_SLOT 0xFFu

#define TAIL offsetof(ks_config_t, tail)
#define LEN_MAX KS_CONFIG_LEN(KS_CA_MAX, DS_TOKEN_MAX)

_Static_assert(LEN_MAX <= BODY_MAX,
               "a copy with the largest CA and token must fit its slot");
_Static_assert(SLOTS * SLOT_SIZE <= BOARD_FLASH_SIZE,
               "both copies must fit the board's flash");
_Static_assert(offsetof(ks_config_t, token_len) % 4u == 0u &&
                   TAIL % 4u == 0u,
               "the CA and the streamed token start on a word");

typedef struct slot_hdr {
    uint32_t magic;
    uint32_t seq;
    uint32_t len;
    uint32_t crc;
} slot_hdr_t;

/* A blank device's configuration: no endpoint, task or credential, and
 * an empty CA and token (their NULs, in the bytes after the struct). */
static const union {
    ks_config_t c;
    uint8_t bytes[KS_CONFIG_LEN(0, 0)];
} defaults = {.c = {
                  .port = 443u,
                  .use_tls = 1u,
                  .hold_ms = KS_DEFAULT_HOLD_MS,
                  .deadline_ms = KS_DEFAULT_DEADLINE_MS,
              }};

/* How a new copy is made: the copy in force with edits to the fields
 * before the tail, a CA (the one in force, or a new one) and the token in
 * force (or none). */
typedef struct copy {
    const store_edit_t *e;
    unsigned n;
    const char *ca; /* NULL: the copy in force's */
    uint32_t ca_len;
    uint32_t token_len;
} copy_t;

static uint8_t active = NO_SLOT;
static uint32_t active_seq;
/* The token being streamed: its target slot, length and the word not yet
 * full (wiped when programmed). */
static uint8_t tk_slot = NO_SLOT;
static uint32_t tk_len;
static uint32_t tk_word;

static uint32_t slot_off(unsigned slot)
{
    return (uint32_t)slot * SLOT_SIZE;
}

static const slot_hdr_t *hdr_of(unsigned slot)
{
    return (const slot_hdr_t *)(const void *)(board_flash_base() +
                                              slot_off(slot));
}

static const uint8_t *body_of(unsigned slot)
{
    return board_flash_base() + slot_off(slot) + HDR_SIZE;
}

uint32_t store_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    unsigned k;
    crc = ~crc;
    while (len-- > 0u) {
        crc ^= *p++;
        for (k = 0; k < 8u; k++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

static uint32_t slot_crc(unsigned slot, uint32_t seq, uint32_t len)
{
    uint32_t c = store_crc32(0, &seq, sizeof seq);
    c = store_crc32(c, &len, sizeof len);
    return store_crc32(c, body_of(slot), len);
}

static int slot_valid(unsigned slot)
{
    const slot_hdr_t *h = hdr_of(slot);
    const ks_config_t *c = (const ks_config_t *)(const void *)body_of(slot);
    if (h->magic != MAGIC || h->len > LEN_MAX || h->len < TAIL) {
        return 0;
    }
    if (slot_crc(slot, h->seq, h->len) != h->crc) {
        return 0;
    }
    return c->ca_len <= KS_CA_MAX && c->token_len <= DS_TOKEN_MAX &&
           KS_CONFIG_LEN(c->ca_len, c->token_len) <= h->len;
}

void store_init(void)
{
    unsigned s;
    active = NO_SLOT;
    active_seq = 0;
    for (s = 0; s < SLOTS; s++) {
        if (slot_valid(s) &&
            (active == NO_SLOT || (int32_t)(hdr_of(s)->seq - active_seq) > 0)) {
            active = (uint8_t)s;
            active_seq = hdr_of(s)->seq;
        }
    }
}

const ks_config_t *ks_config(void)
{
    if (active == NO_SLOT) {
        return &defaults.c;
    }
    return (const ks_config_t *)(const void *)body_of(active);
}

uint32_t store_seq(void)
{
    return active == NO_SLOT ? 0u : active_seq;
}

static unsigned spare_slot(void)
{
    return active == 0u ? 1u : 0u;
}

static int erase_slot(unsigned slot)
{
    unsigned p;
    for (p = 0; p < SLOT_PAGES; p++) {
        if (board_flash_erase(slot_off(slot) + p * BOARD_FLASH_PAGE) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Byte `off` (before the tail) of the new copy: the edit that covers it,
 * else the copy in force (the defaults without one). */
static uint8_t fixed_byte(size_t off, const copy_t *k)
{
    unsigned i;
    for (i = 0; i < k->n; i++) {
        if (off >= k->e[i].off && off < k->e[i].off + k->e[i].len) {
            return ((const uint8_t *)k->e[i].val)[off - k->e[i].off];
        }
    }
    return ((const uint8_t *)ks_config())[off];
}

/* Byte `off` of the tail: the CA (new or in force), then the token in
 * force; zero padding after each. */
static uint8_t tail_byte(size_t off, const copy_t *k)
{
    size_t ca_room = KS_ALIGN4((size_t)k->ca_len + 1u);
    if (off < ca_room) {
        const char *ca = k->ca != NULL ? k->ca : ks_ca(ks_config());
        return off < k->ca_len ? (uint8_t)ca[off] : 0u;
    }
    off -= ca_room;
    return off < k->token_len ? (uint8_t)ks_token(ks_config())[off] : 0u;
}

static uint32_t new_word(size_t off, const copy_t *k)
{
    uint32_t w = 0;
    unsigned b;
    for (b = 0; b < 4u; b++) {
        size_t o = off + b;
        uint8_t v = o < TAIL ? fixed_byte(o, k) : tail_byte(o - TAIL, k);
        w |= (uint32_t)v << (8u * b);
    }
    return w;
}

/* Program words [from, to) of the new copy into `slot`. */
static int program_body(unsigned slot, size_t from, size_t to,
                        const copy_t *k)
{
    size_t off;
    for (off = from; off < to; off += 4u) {
        if (board_flash_program(slot_off(slot) + HDR_SIZE + (uint32_t)off,
                                new_word(off, k)) != 0) {
            return -1;
        }
    }
    return 0;
}

/* The CA and token lengths of the new copy; -1 when they do not fit or
 * the token would grow (only a streamed token can). */
static int copy_init(copy_t *k, const store_edit_t *e, unsigned n,
                     const char *ca, uint32_t ca_len)
{
    k->e = e;
    k->n = n;
    k->ca = ca;
    /* Both words lie before the tail: new_word reads them without the
     * lengths being set yet. */
    k->ca_len = ca != NULL ? ca_len : new_word(offsetof(ks_config_t, ca_len), k);
    k->token_len = new_word(offsetof(ks_config_t, token_len), k);
    if (k->ca_len > KS_CA_MAX || k->token_len > ks_config()->token_len) {
        return -1;
    }
    return 0;
}

/* The header, magic last: until it is programmed the slot is not valid. */
static int commit_slot(unsigned slot, uint32_t len, unsigned flags)
{
    uint32_t seq = active_seq + 1u;
    uint32_t base = slot_off(slot);
    unsigned old = active;
    if (board_flash_program(base + 4u, seq) != 0 ||
        board_flash_program(base + 8u, len) != 0 ||
        board_flash_program(base + 12u, slot_crc(slot, seq, len)) != 0 ||
        board_flash_program(base, MAGIC) != 0) {
        return -1;
    }
    store_init();
    if (active != slot) {
        return -1; /* read back wrong: the old copy stays in force */
    }
    if ((flags & STORE_WIPE_OLD) != 0u && old != NO_SLOT) {
        (void)erase_slot(old);
    }
    return 0;
}

/* A new copy with the CA's length edited in when one is given. */
static int save_copy(const store_edit_t *e, unsigned n, unsigned flags,
                     const char *ca, uint32_t ca_len)
{
    unsigned slot = spare_slot();
    copy_t k;
    size_t len;
    if (copy_init(&k, e, n, ca, ca_len) != 0) {
        return -1;
    }
    len = KS_CONFIG_LEN(k.ca_len, k.token_len);
    store_token_abort();
    if (erase_slot(slot) != 0 || program_body(slot, 0, len, &k) != 0) {
        return -1;
    }
    return commit_slot(slot, (uint32_t)len, flags);
}

int store_save(const store_edit_t *e, unsigned n, unsigned flags)
{
    return save_copy(e, n, flags, NULL, 0);
}

int store_save_ca(const char *pem, uint32_t len)
{
    store_edit_t e = {offsetof(ks_config_t, ca_len), sizeof len, &len};
    return save_copy(&e, 1, 0, pem, len);
}

/* The token streams in after the CA: where it starts in the body. */
static uint32_t tk_base;
static uint32_t tk_ca_len;

int store_token_begin(const store_edit_t *e, unsigned n)
{
    unsigned slot = spare_slot();
    size_t tl = offsetof(ks_config_t, token_len);
    copy_t k;
    k.e = e;
    k.n = n;
    k.ca = NULL;
    k.ca_len = ks_config()->ca_len;
    k.token_len = 0;
    store_token_abort();
    /* Everything but the token and its length (programmed at the end). */
    if (erase_slot(slot) != 0 || program_body(slot, 0, tl, &k) != 0 ||
        program_body(slot, tl + 4u, TAIL + KS_ALIGN4(k.ca_len + 1u), &k) !=
            0) {
        return -1;
    }
    tk_slot = (uint8_t)slot;
    tk_base = (uint32_t)(TAIL + KS_ALIGN4(k.ca_len + 1u));
    tk_ca_len = k.ca_len;
    tk_len = 0;
    tk_word = 0;
    return 0;
}

/* The token's word at byte `at` of the token (wiped once programmed). */
static int program_token_word(uint32_t at)
{
    uint32_t off = slot_off(tk_slot) + HDR_SIZE + tk_base + at;
    int rc = board_flash_program(off, tk_word);
    tk_word = 0;
    return rc;
}

int store_token_byte(char c)
{
    uint32_t at = tk_len & ~3u;
    if (tk_slot == NO_SLOT || tk_len >= DS_TOKEN_MAX) {
        return -1;
    }
    tk_word |= (uint32_t)(uint8_t)c << (8u * (tk_len & 3u));
    tk_len++;
    if ((tk_len & 3u) == 0u && program_token_word(at) != 0) {
        store_token_abort();
        return -1;
    }
    return 0;
}

uint32_t store_token_len(void)
{
    return tk_len;
}

/* The tail word (with the NUL), the length, then the header. */
int store_token_commit(void)
{
    uint32_t base;
    uint32_t len = tk_len;
    if (tk_slot == NO_SLOT) {
        return -1;
    }
    base = slot_off(tk_slot) + HDR_SIZE;
    if (program_token_word(len & ~3u) != 0 ||
        board_flash_program(base + (uint32_t)offsetof(ks_config_t, token_len),
                            len) != 0 ||
        commit_slot(tk_slot, (uint32_t)KS_CONFIG_LEN(tk_ca_len, len),
                    STORE_WIPE_OLD) != 0) {
        store_token_abort();
        return -1;
    }
    tk_slot = NO_SLOT;
    tk_len = 0;
    return 0;
}

void store_token_abort(void)
{
    tk_slot = NO_SLOT;
    tk_len = 0;
    tk_word = 0;
}

int store_factory_reset(void)
{
    unsigned s;
    uint32_t off;
    int rc = 0;
    store_token_abort();
    for (s = 0; s < SLOTS; s++) {
        rc |= erase_slot(s);
    }
    for (off = 0; off < SLOTS * SLOT_SIZE; off++) {
        if (board_flash_base()[off] != 0xFFu) {
            rc = -1;
        }
    }
    store_init();
    return rc == 0 ? 0 : -1;
}
