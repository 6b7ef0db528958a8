/* Validation rules of ds_valid_id, ds_valid_token and ds_valid_host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "deploystop.h"

#define ID32 "e700f15965694253940502911220d76b"

static void id_of_32_alnum_is_valid(void **state)
{
    (void)state;
    assert_true(ds_valid_id(ID32));
    assert_true(ds_valid_id("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"));
    assert_true(ds_valid_id("abcdefghijklmnopqrstuvwxyz678901"));
}

static void id_of_31_or_33_chars_is_invalid(void **state)
{
    (void)state;
    assert_false(ds_valid_id("e700f15965694253940502911220d76"));
    assert_false(ds_valid_id(ID32 "0"));
    assert_false(ds_valid_id(""));
    assert_false(ds_valid_id(NULL));
}

static void id_with_non_alnum_is_invalid(void **state)
{
    static const char bad[] = "-_ ./:@[`{\x7f\x80\xff\t";
    size_t i, pos;
    char id[DS_ID_LEN + 1];
    (void)state;
    for (i = 0; bad[i]; i++) {
        for (pos = 0; pos < DS_ID_LEN; pos += 31) {
            memcpy(id, ID32, sizeof id);
            id[pos] = bad[i];
            assert_false(ds_valid_id(id));
        }
    }
}

static char big_token[DS_TOKEN_MAX + 2];

static void fill_token(size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        big_token[i] = (char)('!' + i % 94);
}

static void token_of_1_to_20000_visible_chars_is_valid(void **state)
{
    (void)state;
    fill_token(DS_TOKEN_MAX);
    assert_true(ds_valid_token("x", 1));
    assert_true(ds_valid_token(big_token, 20));
    assert_true(ds_valid_token(big_token, DS_TOKEN_MAX));
    assert_true(ds_valid_token("!~", 2));
}

static void token_empty_or_over_20000_is_invalid(void **state)
{
    (void)state;
    fill_token(DS_TOKEN_MAX + 1);
    assert_false(ds_valid_token(big_token, 0));
    assert_false(ds_valid_token(big_token, DS_TOKEN_MAX + 1));
    assert_false(ds_valid_token(NULL, 5));
}

static void token_with_space_cr_lf_del_or_non_ascii_is_invalid(void **state)
{
    static const char bad[] = " \r\n\t\x7f\x80\xc3\x01";
    size_t i;
    char t[] = "abcdef";
    (void)state;
    for (i = 0; bad[i]; i++) {
        t[3] = bad[i];
        assert_false(ds_valid_token(t, 6));
    }
    assert_false(ds_valid_token("ab\0cd", 5));
}

static void dns_names_are_valid(void **state)
{
    (void)state;
    assert_true(ds_valid_host("codearts-deploy.cn-north-4.myhuaweicloud.com"));
    assert_true(ds_valid_host("localhost"));
    assert_true(ds_valid_host("a"));
    assert_true(ds_valid_host("x1.example"));
    assert_true(ds_valid_host("1a.2b"));
    assert_true(ds_valid_host("123.example.com"));
    assert_true(ds_valid_host("a-b--c.d"));
}

static void labels_of_63_ok_64_too_long(void **state)
{
    char h[80];
    (void)state;
    memset(h, 'a', 63);
    strcpy(h + 63, ".com");
    assert_true(ds_valid_host(h));
    memset(h, 'a', 64);
    strcpy(h + 64, ".com");
    assert_false(ds_valid_host(h));
}

static void names_of_253_ok_254_too_long(void **state)
{
    char h[300];
    size_t i;
    (void)state;
    /* 4 labels of 62 + dots = 251, then ".b" = 253 */
    for (i = 0; i < 4; i++) {
        memset(h + i * 63, 'a', 62);
        h[i * 63 + 62] = '.';
    }
    strcpy(h + 252, "b");
    assert_int_equal(strlen(h), 253);
    assert_true(ds_valid_host(h));
    strcpy(h + 252, "bc");
    assert_false(ds_valid_host(h));
}

static void hyphen_at_label_edge_is_invalid(void **state)
{
    (void)state;
    assert_false(ds_valid_host("-a.com"));
    assert_false(ds_valid_host("a-.com"));
    assert_false(ds_valid_host("a.-com"));
    assert_false(ds_valid_host("a.com-"));
}

static void empty_labels_and_bad_chars_are_invalid(void **state)
{
    (void)state;
    assert_false(ds_valid_host(""));
    assert_false(ds_valid_host(NULL));
    assert_false(ds_valid_host("."));
    assert_false(ds_valid_host("a..b"));
    assert_false(ds_valid_host(".a"));
    assert_false(ds_valid_host("a.b."));
    assert_false(ds_valid_host("a_b.com"));
    assert_false(ds_valid_host("a b"));
    assert_false(ds_valid_host("a/b"));
    assert_false(ds_valid_host("h\xc3\xa9.com"));
    assert_false(ds_valid_host("[::1]"));
    assert_false(ds_valid_host("host:443"));
}

static void ipv4_literals(void **state)
{
    (void)state;
    assert_true(ds_valid_host("127.0.0.1"));
    assert_true(ds_valid_host("0.0.0.0"));
    assert_true(ds_valid_host("255.255.255.255"));
    assert_true(ds_valid_host("10.0.2.2"));
    assert_false(ds_valid_host("256.0.0.1"));
    assert_false(ds_valid_host("1.2.3"));
    assert_false(ds_valid_host("1.2.3.4.5"));
    assert_false(ds_valid_host("01.2.3.4"));
    assert_false(ds_valid_host("1.2.3.0004"));
    assert_false(ds_valid_host("1234"));
    assert_false(ds_valid_host("1.2.3.4."));
}

static void ipv6_literals(void **state)
{
    (void)state;
    assert_true(ds_valid_host("::1"));
    assert_true(ds_valid_host("::"));
    assert_true(ds_valid_host("fe80::1"));
    assert_true(ds_valid_host("1::"));
    assert_true(ds_valid_host("2001:db8:0:0:0:0:2:1"));
    assert_true(ds_valid_host("2001:DB8::FFFF:1"));
    assert_true(ds_valid_host("::ffff:192.0.2.1"));
    assert_true(ds_valid_host("1:2:3:4:5:6:1.2.3.4"));
    assert_true(ds_valid_host("1:2:3:4:5:6:7::"));
    assert_false(ds_valid_host("1:2:3:4:5:6:7:8:9"));
    assert_false(ds_valid_host("1:2:3:4:5:6:7"));
    assert_false(ds_valid_host("1:2:3:4:5:6:7:8::"));
    assert_false(ds_valid_host("1::2::3"));
    assert_false(ds_valid_host(":::"));
    assert_false(ds_valid_host(":1:2:3:4:5:6:7"));
    assert_false(ds_valid_host("1:2:3:4:5:6:7:"));
    assert_false(ds_valid_host("12345::"));
    assert_false(ds_valid_host("g::1"));
    assert_false(ds_valid_host("fe80::1%eth0"));
    assert_false(ds_valid_host("::1.2.3"));
    assert_false(ds_valid_host("::1.2.3.4:5"));
    assert_false(ds_valid_host("1:2:3:4:5:6:7:1.2.3.4"));
    assert_false(ds_valid_host(":"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(id_of_32_alnum_is_valid),
        cmocka_unit_test(id_of_31_or_33_chars_is_invalid),
        cmocka_unit_test(id_with_non_alnum_is_invalid),
        cmocka_unit_test(token_of_1_to_20000_visible_chars_is_valid),
        cmocka_unit_test(token_empty_or_over_20000_is_invalid),
        cmocka_unit_test(token_with_space_cr_lf_del_or_non_ascii_is_invalid),
        cmocka_unit_test(dns_names_are_valid),
        cmocka_unit_test(labels_of_63_ok_64_too_long),
        cmocka_unit_test(names_of_253_ok_254_too_long),
        cmocka_unit_test(hyphen_at_label_edge_is_invalid),
        cmocka_unit_test(empty_labels_and_bad_chars_are_invalid),
        cmocka_unit_test(ipv4_literals),
        cmocka_unit_test(ipv6_literals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
