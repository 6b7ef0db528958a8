/*
 * Internal: the one byte writer of the core. Request heads, request bodies,
 * canonical requests, signatures and trace texts are all written through
 * it, into a caller buffer:
 * - without `flush`, a full buffer is an error (DS_WR_E_FULL, sticky): a
 *   head that does not fit is one clean error, never a truncated request;
 * - with `flush`, a full buffer is handed on (to the transport) and reused,
 *   so a body holding a password never sits whole in any buffer;
 * - with buf NULL it only counts (`total`), which gives Content-Length from
 *   the same code that later writes the body.
 */
#ifndef DS_WRITER_H
#define DS_WRITER_H

#include <stddef.h>
#include <stdint.h>

#define DS_WR_E_FULL 1

typedef struct ds_wr {
    char *buf;
    size_t cap;
    size_t len;   /* bytes waiting in buf */
    size_t total; /* bytes put since ds_wr_init */
    size_t mark;  /* where a streamed secret replaces a marker; 0: none */
    /* Called with the buffered bytes when buf is full and on ds_wr_flush;
     * returns 0 or an error kept in err. */
    int (*flush)(void *ctx, const char *data, size_t len);
    void *ctx;
    int err; /* first error; later puts are ignored */
} ds_wr_t;

void ds_wr_init(ds_wr_t *w, char *buf, size_t cap);
void ds_wr_put(ds_wr_t *w, const char *data, size_t len);
/* A NUL-terminated string. */
void ds_wr_str(ds_wr_t *w, const char *s);
void ds_wr_byte(ds_wr_t *w, char c);
/* Decimal. */
void ds_wr_uint(ds_wr_t *w, unsigned long v);
/* Lower-case hex of `len` bytes. */
void ds_wr_hex(ds_wr_t *w, const uint8_t *data, size_t len);
/* "name: value\r\n". */
void ds_wr_header(ds_wr_t *w, const char *name, const char *value);
/* Hands buffered bytes to flush (if any). Returns err. */
int ds_wr_flush(ds_wr_t *w);

#endif /* DS_WRITER_H */
