/* Byte sink shared by signing and the IAM request (see ds_sink.h). */
#include "ds_sink.h"

#include <string.h>

void ds_sink_init(ds_sink_t *s, char *buf, size_t cap)
{
    memset(s, 0, sizeof *s);
    s->buf = buf;
    s->cap = cap;
}

int ds_sink_flush(ds_sink_t *s)
{
    if (!s->err && s->len && s->flush)
        s->err = s->flush(s->ctx, s->buf, s->len);
    s->len = 0;
    return s->err;
}

void ds_sink_byte(ds_sink_t *s, char c)
{
    if (s->err)
        return;
    if (s->buf) {
        if (s->len == s->cap && (!s->flush || !s->cap || ds_sink_flush(s))) {
            if (!s->err)
                s->err = DS_SINK_E_FULL;
            return;
        }
        s->buf[s->len++] = c;
    }
    s->total++;
}

void ds_sink_put(ds_sink_t *s, const char *data, size_t len)
{
    while (len--)
        ds_sink_byte(s, *data++);
}

void ds_sink_str(ds_sink_t *s, const char *str)
{
    ds_sink_put(s, str, strlen(str));
}

void ds_sink_uint(ds_sink_t *s, uint32_t v)
{
    char tmp[10];
    size_t n = sizeof tmp;

    do {
        tmp[--n] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    ds_sink_put(s, tmp + n, sizeof tmp - n);
}

void ds_sink_hex(ds_sink_t *s, const uint8_t *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";

    while (len--) {
        ds_sink_byte(s, hex[*data >> 4]);
        ds_sink_byte(s, hex[*data++ & 15u]);
    }
}
