/*
 * Internal: a byte sink over a caller buffer. Signing uses it to build the
 * canonical request (a full buffer is an error); the IAM request uses it to
 * batch small pieces into few transport sends (a full buffer is flushed).
 * With buf == NULL it only counts, which gives Content-Length from the same
 * code that later writes the body.
 */
#ifndef DS_SINK_H
#define DS_SINK_H

#include <stddef.h>
#include <stdint.h>

#define DS_SINK_E_FULL 1

typedef struct ds_sink {
    char *buf;
    size_t cap;
    size_t len;   /* bytes waiting in buf */
    size_t total; /* bytes put since the start */
    /* Called with the buffered bytes when buf is full and on ds_sink_flush;
     * returns 0 or an error stored in err. NULL: a full buffer is
     * DS_SINK_E_FULL. */
    int (*flush)(void *ctx, const char *data, size_t len);
    void *ctx;
    int err;      /* first error; later puts are ignored */
} ds_sink_t;

void ds_sink_init(ds_sink_t *s, char *buf, size_t cap);
void ds_sink_put(ds_sink_t *s, const char *data, size_t len);
void ds_sink_str(ds_sink_t *s, const char *str);
void ds_sink_byte(ds_sink_t *s, char c);
/* Decimal, for Content-Length. */
void ds_sink_uint(ds_sink_t *s, uint32_t v);
/* Lower-case hex of `len` bytes. */
void ds_sink_hex(ds_sink_t *s, const uint8_t *data, size_t len);
/* Hands buffered bytes to flush (if any). Returns err. */
int ds_sink_flush(ds_sink_t *s);

#endif /* DS_SINK_H */
