/* The kill switch's flash configuration store (boards/killswitch/
 * config_store.c) over a fake flash that behaves like NOR flash: erase a
 * page to 0xFF, program a word only from erased, and a power cut after
 * any number of word operations (a longjmp out of the save). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define DS_BOARD_TEST_ONLY_ENTROPY 1
#include "../../boards/killswitch/config_store.c"

static uint32_t flash_words[BOARD_FLASH_SIZE / 4u];
static long ops_left = -1; /* word operations until the cut; -1 never */
static long ops_done;
static int fail_next; /* the next operation reports a device error */
static long magic_idx; /* index of the operation that programmed a magic */
static jmp_buf cut;

const uint8_t *board_flash_base(void)
{
    return (const uint8_t *)flash_words;
}

static void one_op(void)
{
    if (ops_left == 0) {
        longjmp(cut, 1);
    }
    if (ops_left > 0) {
        ops_left--;
    }
    ops_done++;
}

int board_flash_erase(uint32_t offset)
{
    uint32_t i;
    if (offset % BOARD_FLASH_PAGE != 0u || offset >= BOARD_FLASH_SIZE) {
        return -1;
    }
    for (i = 0; i < BOARD_FLASH_PAGE / 4u; i++) {
        one_op(); /* a cut may tear the page word by word */
        flash_words[offset / 4u + i] = 0xFFFFFFFFu;
    }
    return 0;
}

int board_flash_program(uint32_t offset, uint32_t word)
{
    if (fail_next) {
        fail_next = 0;
        return -1;
    }
    assert_int_equal(offset % 4u, 0);
    assert_true(offset < BOARD_FLASH_SIZE);
    /* NOR flash: a word is programmed once between erases. */
    assert_int_equal(flash_words[offset / 4u], 0xFFFFFFFFu);
    if (word == MAGIC) {
        magic_idx = ops_done;
    }
    one_op();
    flash_words[offset / 4u] = word;
    return 0;
}

static int fresh_flash(void **state)
{
    (void)state;
    memset(flash_words, 0xFF, sizeof flash_words);
    ops_left = -1;
    ops_done = 0;
    fail_next = 0;
    store_init();
    return 0;
}

static void save_task(const char *task, unsigned flags)
{
    char t[DS_ID_LEN + 1] = {0};
    uint8_t one = 1;
    store_edit_t e[2] = {
        {offsetof(ks_config_t, task[0]), sizeof t, t},
        {offsetof(ks_config_t, ntasks), 1, &one},
    };
    memcpy(t, task, strlen(task));
    assert_int_equal(store_save(e, 2, flags), 0);
}

static void stream_token(const char *tok)
{
    uint32_t auth = KS_AUTH_TOKEN;
    store_edit_t e = {offsetof(ks_config_t, auth), sizeof auth, &auth};
    assert_int_equal(store_token_begin(&e, 1), 0);
    while (*tok != '\0') {
        assert_int_equal(store_token_byte(*tok++), 0);
    }
    assert_int_equal(store_token_commit(), 0);
}

static const char TASK_A[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char TASK_B[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

static void test_store_empty_flash_gives_defaults(void **state)
{
    (void)state;
    assert_int_equal(store_seq(), 0);
    assert_string_equal(ks_config()->host, "");
    assert_int_equal(ks_config()->port, 443);
    assert_int_equal(ks_config()->hold_ms, KS_DEFAULT_HOLD_MS);
    assert_int_equal(ks_config()->deadline_ms, KS_DEFAULT_DEADLINE_MS);
    assert_int_equal(ks_config()->token_len, 0);
}

static void test_store_save_is_read_back_after_reboot(void **state)
{
    (void)state;
    save_task(TASK_A, 0);
    store_init(); /* a reboot: only flash is left */
    assert_int_equal(store_seq(), 1);
    assert_string_equal(ks_config()->task[0], TASK_A);
    assert_int_equal(ks_config()->ntasks, 1);
    assert_int_equal(ks_config()->port, 443); /* untouched fields kept */
}

static void test_store_saves_alternate_slots_with_growing_sequence(void **state)
{
    (void)state;
    save_task(TASK_A, 0);
    assert_ptr_equal(ks_config(), (const void *)(board_flash_base() + HDR_SIZE));
    save_task(TASK_B, 0);
    assert_ptr_equal(ks_config(),
                     (const void *)(board_flash_base() + SLOT_SIZE + HDR_SIZE));
    assert_int_equal(store_seq(), 2);
    store_init();
    assert_string_equal(ks_config()->task[0], TASK_B);
}

static void test_store_streamed_token_is_read_in_place(void **state)
{
    static char tok[DS_TOKEN_MAX + 1];
    (void)state;
    memset(tok, 'T', DS_TOKEN_MAX);
    tok[DS_TOKEN_MAX] = '\0';
    stream_token(tok);
    store_init();
    assert_int_equal(ks_config()->token_len, DS_TOKEN_MAX);
    assert_memory_equal(ks_token(ks_config()), tok, DS_TOKEN_MAX + 1u);
    /* Read in place: the token is inside the flash region. */
    assert_true((const uint8_t *)ks_token(ks_config()) >= board_flash_base() &&
                (const uint8_t *)ks_token(ks_config()) <
                    board_flash_base() + BOARD_FLASH_SIZE);
}

static void test_store_token_every_length_mod_4_is_nul_terminated(void **state)
{
    static const char *toks[] = {"a", "ab", "abc", "abcd", "abcde"};
    unsigned i;
    (void)state;
    for (i = 0; i < 5u; i++) {
        stream_token(toks[i]);
        assert_int_equal(ks_config()->token_len, strlen(toks[i]));
        assert_string_equal(ks_token(ks_config()), toks[i]);
    }
}

static void test_store_token_over_max_is_refused(void **state)
{
    unsigned i;
    (void)state;
    assert_int_equal(store_token_begin(NULL, 0), 0);
    for (i = 0; i < DS_TOKEN_MAX; i++) {
        assert_int_equal(store_token_byte('x'), 0);
    }
    assert_int_equal(store_token_byte('x'), -1);
    store_token_abort();
}

static void test_store_token_abort_keeps_the_old_copy(void **state)
{
    (void)state;
    stream_token("old-token");
    assert_int_equal(store_token_begin(NULL, 0), 0);
    assert_int_equal(store_token_byte('n'), 0);
    store_token_abort();
    store_init();
    assert_string_equal(ks_token(ks_config()), "old-token");
    assert_int_equal(store_token_commit(), -1); /* nothing to commit */
}

/* A copy of a configuration, its token included. */
typedef struct snap {
    size_t len;
    uint8_t bytes[KS_CONFIG_LEN(KS_CA_MAX, DS_TOKEN_MAX)];
} snap_t;

static void take(snap_t *s, const ks_config_t *c)
{
    s->len = KS_CONFIG_LEN(c->ca_len, c->token_len);
    memcpy(s->bytes, c, s->len);
}

/* The configuration after a cut is exactly `old` or exactly `new`. */
static int same_config(const ks_config_t *a, const snap_t *b)
{
    return KS_CONFIG_LEN(a->ca_len, a->token_len) == b->len &&
           memcmp(a, b->bytes, b->len) == 0;
}

static snap_t snap_old, snap_new;
static uint32_t image_before[BOARD_FLASH_SIZE / 4u];

typedef void (*save_fn)(void);

static void save_endpoint_and_task(void)
{
    char host[DS_HOST_MAX + 1] = "new.example.com";
    store_edit_t e[2] = {{offsetof(ks_config_t, host), sizeof host, host},
                         {offsetof(ks_config_t, task[1]), 4, "zzz"}};
    (void)store_save(e, 2, 0);
}

static void save_token(void)
{
    (void)store_token_begin(NULL, 0);
    for (const char *p = "a-new-token-of-29-characters!"; *p; p++) {
        (void)store_token_byte(*p);
    }
    (void)store_token_commit();
}

/* The save, with the power cut before word operation k. */
static void run_cut(save_fn save, long k)
{
    ops_left = k;
    if (setjmp(cut) == 0) {
        save();
    }
    ops_left = -1;
}

/* Cut the save after every `stride`-th word operation and at each of the
 * last 64 (the header), reboot, and check old-or-new each time. Returns
 * how many distinct cut points were tried. */
static long cut_everywhere(save_fn save, long stride)
{
    long total, k, magic, tried = 0;
    memcpy(image_before, flash_words, sizeof flash_words);
    take(&snap_old, ks_config());
    ops_done = 0;
    save();
    total = ops_done;
    magic = magic_idx;
    take(&snap_new, ks_config());
    assert_false(same_config(ks_config(), &snap_old));
    for (k = 0; k <= total; k++) {
        if (k % stride != 0 && k < total - 64) {
            continue;
        }
        memcpy(flash_words, image_before, sizeof flash_words);
        store_init();
        run_cut(save, k);
        store_init(); /* power back: a reboot */
        assert_true(same_config(ks_config(), &snap_old) ||
                    same_config(ks_config(), &snap_new));
        /* Before the magic word the old copy stands; from it, the new. */
        assert_true(same_config(ks_config(), k <= magic ? &snap_old : &snap_new));
        tried++;
    }
    return tried;
}

static void test_store_power_cut_anywhere_in_a_save_leaves_old_or_new(void **state)
{
    (void)state;
    save_task(TASK_A, 0);
    stream_token("the-old-token");
    assert_true(cut_everywhere(save_endpoint_and_task, 5) > 1000);
}

static void test_store_power_cut_anywhere_in_a_token_paste_leaves_old_or_new(void **state)
{
    (void)state;
    save_task(TASK_A, 0);
    stream_token("the-old-token");
    assert_true(cut_everywhere(save_token, 5) > 1000);
}

static void test_store_power_cut_on_an_empty_device_leaves_empty_or_new(void **state)
{
    (void)state;
    assert_true(cut_everywhere(save_endpoint_and_task, 11) > 500);
}

static int flash_holds(const char *s)
{
    size_t n = strlen(s);
    size_t i;
    const uint8_t *f = board_flash_base();
    for (i = 0; i + n <= BOARD_FLASH_SIZE; i++) {
        if (memcmp(f + i, s, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static void test_store_factory_reset_leaves_no_byte_of_the_secrets(void **state)
{
    char sk[DS_SIGN_SK_MAX + 1] = "SECRET-SK-0123456789";
    store_edit_t e = {offsetof(ks_config_t, sk), sizeof sk, sk};
    size_t i;
    (void)state;
    stream_token("TOKEN-SECRET-abcdefgh");
    assert_int_equal(store_save(&e, 1, STORE_WIPE_OLD), 0);
    save_task(TASK_A, 0); /* both slots now hold the secrets */
    assert_true(flash_holds("TOKEN-SECRET"));
    assert_int_equal(store_factory_reset(), 0);
    for (i = 0; i < BOARD_FLASH_SIZE / 4u; i++) {
        assert_int_equal(flash_words[i], 0xFFFFFFFFu);
    }
    store_init();
    assert_int_equal(store_seq(), 0);
    assert_int_equal(ks_config()->token_len, 0);
}

static void test_store_secret_change_erases_the_previous_copy(void **state)
{
    (void)state;
    stream_token("FIRST-TOKEN-xyz");
    stream_token("SECOND-TOKEN-uvw");
    assert_false(flash_holds("FIRST-TOKEN"));
    assert_true(flash_holds("SECOND-TOKEN"));
}

static void test_store_non_secret_save_keeps_the_previous_copy(void **state)
{
    (void)state;
    save_task(TASK_A, 0);
    save_task(TASK_B, 0);
    assert_true(flash_holds(TASK_A)); /* the older copy stays as a fallback */
}

static void test_store_corrupt_newest_copy_falls_back_to_the_older(void **state)
{
    (void)state;
    save_task(TASK_A, 0);
    save_task(TASK_B, 0);
    /* A bit flips in the newest copy's body (slot 1). */
    flash_words[(SLOT_SIZE + HDR_SIZE) / 4u] ^= 0x100u;
    store_init();
    assert_int_equal(store_seq(), 1);
    assert_string_equal(ks_config()->task[0], TASK_A);
}

static void test_store_sequence_compares_across_wrap(void **state)
{
    (void)state;
    save_task(TASK_A, 0);
    /* As if 2^32 - 1 saves had been made: slot 0 holds seq 0xFFFFFFFF. */
    flash_words[1] = 0xFFFFFFFFu;
    flash_words[3] = slot_crc(0, 0xFFFFFFFFu, flash_words[2]);
    store_init();
    assert_int_equal(store_seq(), 0xFFFFFFFFu);
    save_task(TASK_B, 0); /* seq 0 wins over 0xFFFFFFFF */
    assert_int_equal(store_seq(), 0);
    store_init();
    assert_string_equal(ks_config()->task[0], TASK_B);
}

static void test_store_device_error_keeps_the_copy_in_force(void **state)
{
    char t[DS_ID_LEN + 1] = {0};
    store_edit_t e = {offsetof(ks_config_t, task[0]), sizeof t, t};
    (void)state;
    save_task(TASK_A, 0);
    memcpy(t, TASK_B, DS_ID_LEN);
    fail_next = 1;
    assert_int_equal(store_save(&e, 1, 0), -1);
    store_init();
    assert_string_equal(ks_config()->task[0], TASK_A);
}

static void test_store_ca_save_keeps_the_token_after_it(void **state)
{
    (void)state;
    stream_token("token-before-the-ca");
    assert_int_equal(store_save_ca("-----BEGIN CERTIFICATE-----\nAB\n", 31), 0);
    store_init();
    assert_int_equal(ks_config()->ca_len, 31);
    assert_string_equal(ks_ca(ks_config()), "-----BEGIN CERTIFICATE-----\nAB\n");
    assert_string_equal(ks_token(ks_config()), "token-before-the-ca");
    /* A shorter CA moves the token back; a new token goes after the CA. */
    assert_int_equal(store_save_ca("CA2", 3), 0);
    assert_string_equal(ks_token(ks_config()), "token-before-the-ca");
    stream_token("t2");
    assert_string_equal(ks_ca(ks_config()), "CA2");
    assert_string_equal(ks_token(ks_config()), "t2");
}

static void test_store_ca_over_its_maximum_is_refused(void **state)
{
    static char big[KS_CA_MAX + 2];
    (void)state;
    memset(big, 'C', sizeof big - 1u);
    assert_int_equal(store_save_ca(big, KS_CA_MAX + 1u), -1);
    assert_int_equal(store_seq(), 0);
}

static void save_ca(void)
{
    (void)store_save_ca("-----A NEW CA-----", 18);
}

static void test_store_power_cut_anywhere_in_a_ca_save_leaves_old_or_new(void **state)
{
    (void)state;
    save_task(TASK_A, 0);
    stream_token("the-old-token");
    assert_true(cut_everywhere(save_ca, 5) > 1000);
}

static void test_store_crc32_matches_the_ieee_check_value(void **state)
{
    (void)state;
    assert_int_equal(store_crc32(0, "123456789", 9), 0xCBF43926u);
    /* Continued in pieces, the same value. */
    assert_int_equal(store_crc32(store_crc32(0, "1234", 4), "56789", 5),
                     0xCBF43926u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, fresh_flash)
        T(test_store_empty_flash_gives_defaults),
        T(test_store_save_is_read_back_after_reboot),
        T(test_store_saves_alternate_slots_with_growing_sequence),
        T(test_store_streamed_token_is_read_in_place),
        T(test_store_token_every_length_mod_4_is_nul_terminated),
        T(test_store_token_over_max_is_refused),
        T(test_store_token_abort_keeps_the_old_copy),
        T(test_store_power_cut_anywhere_in_a_save_leaves_old_or_new),
        T(test_store_power_cut_anywhere_in_a_token_paste_leaves_old_or_new),
        T(test_store_power_cut_on_an_empty_device_leaves_empty_or_new),
        T(test_store_factory_reset_leaves_no_byte_of_the_secrets),
        T(test_store_secret_change_erases_the_previous_copy),
        T(test_store_non_secret_save_keeps_the_previous_copy),
        T(test_store_corrupt_newest_copy_falls_back_to_the_older),
        T(test_store_sequence_compares_across_wrap),
        T(test_store_device_error_keeps_the_copy_in_force),
        T(test_store_ca_save_keeps_the_token_after_it),
        T(test_store_ca_over_its_maximum_is_refused),
        T(test_store_power_cut_anywhere_in_a_ca_save_leaves_old_or_new),
        T(test_store_crc32_matches_the_ieee_check_value),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
