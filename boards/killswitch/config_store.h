/*
 * The kill switch's configuration, kept in the board's flash and read in
 * place: nothing of it (least of all the token or the SK) is copied into
 * RAM. Two copies, A and B, each a header {magic, seq, len, crc} and a
 * ks_config_t; a save writes the whole new copy into the other slot and
 * its header last (magic last of all), so a power cut at any instant of a
 * save leaves the old copy or the new one, never a mix (boards/README.md
 * "Flash layout").
 */
#ifndef KS_CONFIG_STORE_H
#define KS_CONFIG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ds_config.h"
#include "ds_sign.h"

#define KS_TASKS_MAX 4u
/* PEM text of the trusted CA(s): one RSA-2048 root. */
#define KS_CA_MAX 1600u
#define KS_DEFAULT_HOLD_MS 1500u
#define KS_DEFAULT_DEADLINE_MS 15000u

/* ks_config_t.auth: which credential a press uses. */
#define KS_AUTH_TOKEN 0u
#define KS_AUTH_AKSK 1u

/* One copy of the configuration as it lies in flash. The token is last:
 * `set token` streams it into the new copy as it is typed. */
typedef struct ks_config {
    /* The endpoint, parsed when set: host, port and scheme side by side
     * so one edit replaces them together. */
    char host[DS_HOST_MAX + 1]; /* "" until set */
    uint16_t port;
    uint8_t use_tls; /* 0 only for an http:// test endpoint */
    uint8_t ntasks;  /* tasks in task[], 0..KS_TASKS_MAX */
    uint8_t no_prehandshake; /* 1: connect only once the hold is accepted */
    uint8_t spare[3];
    char task[KS_TASKS_MAX][DS_ID_LEN + 1];
    char project[DS_ID_LEN + 1];
    char record[DS_ID_LEN + 1]; /* optional pin for the first task */
    uint32_t auth;              /* KS_AUTH_* */
    uint32_t hold_ms;           /* button hold to fire */
    uint32_t deadline_ms;       /* a whole press, all tasks */
    char ak[DS_SIGN_AK_MAX + 1];
    char sk[DS_SIGN_SK_MAX + 1]; /* never printed */
    uint32_t ca_len;             /* PEM bytes, without the NUL */
    uint32_t token_len;
    /* The CA (ca_len bytes and a NUL, padded to a word), then the token
     * (token_len bytes and a NUL), up to KS_CA_MAX and DS_TOKEN_MAX: a
     * flexible tail, so the defaults of a blank device (a ks_config_t in
     * ROM) cost no CA- or token-sized block. Read with ks_ca()/ks_token().
     * The token is last: `set token` streams it into the new copy. */
    char tail[];
} ks_config_t;

#define KS_ALIGN4(n) (((size_t)(n) + 3u) & ~(size_t)3u)
/* Bytes of a copy holding a CA and a token of these lengths. */
#define KS_CONFIG_LEN(ca_len, token_len)                                       \
    (offsetof(ks_config_t, tail) + KS_ALIGN4((size_t)(ca_len) + 1u) +          \
     KS_ALIGN4((size_t)(token_len) + 1u))

/* The trusted CA(s) in PEM, NUL-terminated, where they lie in flash. */
static inline const char *ks_ca(const ks_config_t *c)
{
    return c->tail;
}

/* The token, NUL-terminated, where it lies in flash: streamed to TLS from
 * there, never copied. */
static inline const char *ks_token(const ks_config_t *c)
{
    return c->tail + KS_ALIGN4((size_t)c->ca_len + 1u);
}

/* Find the newest valid copy. Call once at boot (and it is cheap to call
 * again: the tests' reboot does). */
void store_init(void);

/* The configuration in force: the newest valid copy in flash, else the
 * defaults (no endpoint, no task, no credential). Never NULL; valid until
 * the next save. */
const ks_config_t *ks_config(void);

/* Sequence number of the copy in force (0: none, the defaults). */
uint32_t store_seq(void);

/* One field (or run of adjacent fields) of a save. */
typedef struct store_edit {
    size_t off; /* offsetof(ks_config_t, ...) */
    size_t len;
    const void *val;
} store_edit_t;

/* Save flags. */
#define STORE_WIPE_OLD 1u /* a secret changed: erase the old copy once the new
                           * one stands, so it does not linger in flash */

/* Write a new copy: the one in force with `n` edits applied (to fields
 * before the tail; an edit of token_len to 0 clears the token). 0 on
 * success; on failure the copy in force is unchanged. */
int store_save(const store_edit_t *e, unsigned n, unsigned flags);
/* The same with a new CA (`len` bytes of PEM, at most KS_CA_MAX). */
int store_save_ca(const char *pem, uint32_t len);

/* A token streamed into a new copy byte by byte (the console's `set
 * token`), with `e`/`n` applied to the rest (auth). Nothing is in force
 * until store_token_commit; store_token_abort leaves the old copy. */
int store_token_begin(const store_edit_t *e, unsigned n);
/* -1 when the token is full (DS_TOKEN_MAX bytes): the byte is dropped. */
int store_token_byte(char c);
uint32_t store_token_len(void);
int store_token_commit(void);
void store_token_abort(void);

/* Erase both copies (every page of both slots). 0 when every byte of the
 * region reads erased afterwards. */
int store_factory_reset(void);

/* CRC-32 (IEEE 802.3, reflected) continued from `crc` (0 to start). */
uint32_t store_crc32(uint32_t crc, const void *data, size_t len);

#endif /* KS_CONFIG_STORE_H */
