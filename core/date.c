/*
 * UTC date conversions (see ds_date.h). Civil-from-days after Howard
 * Hinnant's public-domain algorithms, restricted to years >= 1970 so all
 * arithmetic stays unsigned 32-bit; seconds are split as 86400 = 128 * 675
 * so a Cortex-M build needs no 64-bit division helper.
 */
#include "ds_date.h"

#define MAX_UNIX 253402300799 /* 9999-12-31T23:59:59Z */

static const char k_months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
static const char k_wdays[] =
    "ThuFriSatSunMonTueWed"; /* 1970-01-01 was a Thursday */

static unsigned days_in_month(unsigned y, unsigned m)
{
    if (m == 2)
        return 28u + ((y % 4u == 0 && y % 100u != 0) || y % 400u == 0);
    return 30u + ((m + (m >> 3)) & 1u);
}

static uint32_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
    unsigned era, yoe, doy;

    y -= m <= 2;
    era = y / 400u;
    yoe = y - era * 400u;
    doy = (153u * (m > 2 ? m - 3u : m + 9u) + 2u) / 5u + d - 1u;
    return era * 146097u + yoe * 365u + yoe / 4u - yoe / 100u + doy - 719468u;
}

/* Reads exactly n digits. */
static int digits(const char **p, unsigned n, unsigned *v)
{
    *v = 0;
    while (n--) {
        unsigned c = (unsigned)(unsigned char)**p - '0';
        if (c > 9u)
            return -1;
        *v = *v * 10u + c;
        (*p)++;
    }
    return 0;
}

static int literal(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

/* Index of the 3-letter name at *p in `names`, or -1. */
static int name3(const char **p, const char *names)
{
    int i;
    for (i = 0; names[i]; i += 3) {
        if ((*p)[0] == names[i] && (*p)[1] == names[i + 1] &&
            (*p)[2] == names[i + 2]) {
            *p += 3;
            return i / 3;
        }
    }
    return -1;
}

typedef struct civil {
    unsigned y, mo, d, h, mi, s;
} civil_t;

/* Validates `c` and converts it; a leap second (60) counts as the next
 * second, which is what the gateway's clock will read by the time we sign. */
static int to_unix(const civil_t *c, int64_t *out, uint32_t *days)
{
    if (c->y < 1970u || c->y > 9999u || c->mo < 1u || c->mo > 12u ||
        c->d < 1u || c->d > days_in_month(c->y, c->mo) || c->h > 23u ||
        c->mi > 59u || c->s > 60u)
        return -1;
    *days = days_from_civil(c->y, c->mo, c->d);
    *out =
        (int64_t)*days * 86400 + (int64_t)(c->h * 3600u + c->mi * 60u + c->s);
    return 0;
}

static int ymdhms(const char **p, civil_t *c, int sep)
{
    if (digits(p, 4, &c->y) || (sep && literal(p, '-')) ||
        digits(p, 2, &c->mo) || (sep && literal(p, '-')) ||
        digits(p, 2, &c->d) || literal(p, 'T') || digits(p, 2, &c->h) ||
        (sep && literal(p, ':')) || digits(p, 2, &c->mi) ||
        (sep && literal(p, ':')) || digits(p, 2, &c->s))
        return -1;
    return 0;
}

int ds_date_civil(int64_t unix_s, unsigned v[6])
{
    uint32_t z, era, doe, yoe, doy, mp, rem;

    if (unix_s < 0 || unix_s > MAX_UNIX)
        return -1;
    z = (uint32_t)((uint64_t)unix_s >> 7) / 675u;
    rem = (uint32_t)(unix_s - (int64_t)z * 86400);
    z += 719468u;
    era = z / 146097u;
    doe = z - era * 146097u;
    yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
    doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
    mp = (5u * doy + 2u) / 153u;
    v[2] = doy - (153u * mp + 2u) / 5u + 1u;
    v[1] = mp < 10u ? mp + 3u : mp - 9u;
    v[0] = yoe + era * 400u + (v[1] <= 2u);
    v[3] = rem / 3600u;
    v[4] = rem / 60u % 60u;
    v[5] = rem % 60u;
    return 0;
}

int ds_date_sdk(int64_t unix_s, char *out, size_t cap)
{
    static const unsigned width[6] = {4, 2, 2, 2, 2, 2};
    unsigned v[6];
    char *p = out;
    int i;

    if (!out || cap < DS_SDK_DATE_LEN + 1u)
        return -1;
    out[0] = '\0';
    if (ds_date_civil(unix_s, v))
        return -1;
    for (i = 0; i < 6; i++) {
        unsigned n = width[i], x = v[i];
        if (i == 3)
            *p++ = 'T';
        while (n--) {
            p[n] = (char)('0' + x % 10u);
            x /= 10u;
        }
        p += width[i];
    }
    p[0] = 'Z';
    p[1] = '\0';
    return 0;
}

int ds_date_parse_sdk(const char *s, int64_t *unix_s)
{
    civil_t c;
    uint32_t days;

    if (!s || !unix_s || ymdhms(&s, &c, 0) || literal(&s, 'Z') || *s)
        return -1;
    return to_unix(&c, unix_s, &days);
}

int ds_date_parse_http(const char *s, int64_t *unix_s)
{
    civil_t c;
    uint32_t days;
    int wday, mon;

    if (!s || !unix_s)
        return -1;
    wday = name3(&s, k_wdays);
    if (wday < 0 || literal(&s, ',') || literal(&s, ' ') ||
        digits(&s, 2, &c.d) || literal(&s, ' '))
        return -1;
    mon = name3(&s, k_months);
    if (mon < 0 || literal(&s, ' ') || digits(&s, 4, &c.y) ||
        literal(&s, ' ') || digits(&s, 2, &c.h) || literal(&s, ':') ||
        digits(&s, 2, &c.mi) || literal(&s, ':') || digits(&s, 2, &c.s) ||
        literal(&s, ' ') || literal(&s, 'G') || literal(&s, 'M') ||
        literal(&s, 'T') || *s)
        return -1;
    c.mo = (unsigned)mon + 1u;
    /* A weekday that disagrees with the date means a corrupted header. */
    if (to_unix(&c, unix_s, &days) || days % 7u != (unsigned)wday)
        return -1;
    return 0;
}

int ds_date_parse_iso8601(const char *s, int64_t *unix_s)
{
    civil_t c;
    uint32_t days;
    unsigned zh, zm;
    int64_t zone = 0;
    char sign;

    if (!s || !unix_s || ymdhms(&s, &c, 1))
        return -1;
    if (*s == '.') {
        if (*++s < '0' || *s > '9')
            return -1;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    sign = *s++;
    if (sign == '+' || sign == '-') {
        if (digits(&s, 2, &zh) || literal(&s, ':') || digits(&s, 2, &zm) ||
            zh > 23u || zm > 59u)
            return -1;
        zone = (int64_t)zh * 3600 + (int64_t)zm * 60;
        if (sign == '+')
            zone = -zone;
    } else if (sign != 'Z') {
        return -1;
    }
    if (*s || to_unix(&c, unix_s, &days))
        return -1;
    *unix_s += zone;
    return 0;
}
