/*
 * Input validation for a stop: everything is checked before a connection is
 * opened, so bad input can never reach the wire (or be half sent).
 */
#include <string.h>

#include "deploystop.h"

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Locale-free on purpose: <ctype.h> may accept more in some locales. */
static int is_alnum(int c)
{
    return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static int hex_digits(const char *s)
{
    int n = 0;
    while (n < 5 &&
           (is_digit(s[n]) || ((s[n] | 0x20) >= 'a' && (s[n] | 0x20) <= 'f')))
        n++;
    return n;
}

int ds_valid_id(const char *id)
{
    unsigned i;
    if (!id)
        return 0;
    for (i = 0; i < DS_ID_LEN; i++)
        if (!is_alnum((unsigned char)id[i]))
            return 0;
    return id[DS_ID_LEN] == 0;
}

int ds_valid_token(const char *token, size_t len)
{
    size_t i;
    if (!token || len == 0 || len > DS_TOKEN_MAX)
        return 0;
    for (i = 0; i < len; i++)
        if ((unsigned char)token[i] <= ' ' || (unsigned char)token[i] >= 0x7f)
            return 0;
    return 1;
}

/* Dotted quad to the end of the string. Leading zeros are refused: some
 * stacks read them as octal, so "010.0.0.1" would mean two addresses. */
static int valid_ipv4(const char *s)
{
    int parts = 0;
    for (;;) {
        unsigned v = 0;
        int d = 0;
        while (is_digit(*s)) {
            if (d && v == 0)
                return 0;
            v = v * 10 + (unsigned)(*s++ - '0');
            if (++d > 3)
                return 0;
        }
        if (!d || v > 255)
            return 0;
        if (++parts == 4)
            return *s == 0;
        if (*s++ != '.')
            return 0;
    }
}

/* RFC 4291 text form without zone: up to 8 groups, one "::", and an
 * optional dotted-quad tail worth two groups. */
static int valid_ipv6(const char *s)
{
    int groups = 0, dbl = 0;
    while (*s) {
        int d;
        if (s[0] == ':' && s[1] == ':') {
            if (dbl)
                return 0;
            dbl = 1;
            s += 2;
            continue;
        }
        d = hex_digits(s);
        if (s[d] == '.') {
            if (!valid_ipv4(s))
                return 0;
            groups += 2;
            break;
        }
        if (d == 0 || d > 4)
            return 0;
        groups++;
        s += d;
        /* A single ':' must separate two groups; "::" is taken above. */
        if (s[0] == ':' && s[1] != ':' && *++s == 0)
            return 0;
    }
    return dbl ? groups <= 7 : groups == 8;
}

int ds_valid_host(const char *host)
{
    size_t i, lab = 0;
    int all_digits = 1;
    if (!host)
        return 0;
    if (strchr(host, ':'))
        return valid_ipv6(host);
    for (i = 0;; i++) {
        int c = (unsigned char)host[i];
        if (c == '.' || c == 0) {
            if (lab == 0 || host[i - 1] == '-')
                return 0;
            if (c == 0)
                break;
            lab = 0;
            all_digits = 1;
            continue;
        }
        if ((!is_alnum(c) && c != '-') || (c == '-' && lab == 0) || ++lab > 63)
            return 0;
        all_digits &= is_digit(c);
    }
    if (i > DS_HOST_MAX)
        return 0;
    /* No top-level domain is numeric: such a name can only be an address. */
    return all_digits ? valid_ipv4(host) : 1;
}
