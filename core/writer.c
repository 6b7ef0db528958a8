/* The core's byte writer (see writer.h). */
#include "writer.h"

#include <string.h>

void ds_wr_init(ds_wr_t *w, char *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->buf = buf;
    w->cap = cap;
}

int ds_wr_flush(ds_wr_t *w)
{
    if (!w->err && w->len && w->flush)
        w->err = w->flush(w->ctx, w->buf, w->len);
    w->len = 0;
    return w->err;
}

/* A full buffer with a flush is handed on and reused; without one, a put
 * that does not fit whole is an error and writes nothing. */
void ds_wr_put(ds_wr_t *w, const char *data, size_t len)
{
    while (len && !w->err) {
        size_t n = len;
        if (w->buf) {
            size_t room = w->cap - w->len;
            if (w->flush && w->cap && !room) {
                (void)ds_wr_flush(w);
                continue;
            }
            if (room < (w->flush ? 1 : len)) {
                w->err = DS_WR_E_FULL;
                return;
            }
            if (n > room)
                n = room;
            memcpy(w->buf + w->len, data, n);
            w->len += n;
        }
        w->total += n;
        data += n;
        len -= n;
    }
}

void ds_wr_str(ds_wr_t *w, const char *s)
{
    ds_wr_put(w, s, strlen(s));
}

void ds_wr_byte(ds_wr_t *w, char c)
{
    ds_wr_put(w, &c, 1);
}

void ds_wr_uint(ds_wr_t *w, unsigned long v)
{
    char d[20];
    size_t i = sizeof d;
    do {
        d[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    ds_wr_put(w, d + i, sizeof d - i);
}

void ds_wr_hex(ds_wr_t *w, const uint8_t *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    while (len--) {
        char two[2];
        two[0] = hex[*data >> 4];
        two[1] = hex[*data++ & 15u];
        ds_wr_put(w, two, 2);
    }
}

void ds_wr_header(ds_wr_t *w, const char *name, const char *value)
{
    ds_wr_str(w, name);
    ds_wr_put(w, ": ", 2);
    ds_wr_str(w, value);
    ds_wr_put(w, "\r\n", 2);
}
