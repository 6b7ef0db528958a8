/*
 * The output filter (see redact.h). The REDACT_RUN-byte windows of every
 * secret are hashed once into a sorted table; each window of an output
 * line is looked up there and, on a hit, confirmed against the secret
 * itself, so a 20,000-character token costs a binary search per output
 * byte, not a scan.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploystop.h"
#include "redact.h"

#define SECRETS_MAX 4
#define GRAMS_MAX (DS_TOKEN_MAX + 3u * 512u)
#define LINE_MAX_BYTES (256u * 1024u)
#define MARKER "[REDACTED]"

typedef struct secret {
    const char *p;
    size_t n;
} secret_t;

static secret_t secrets[SECRETS_MAX];
static int nsecrets;
static uint64_t grams[GRAMS_MAX];
static size_t ngrams;

static uint64_t hash16(const char *s)
{
    uint64_t h = 1469598103934665603u;
    unsigned i;
    for (i = 0; i < REDACT_RUN; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    return h;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void rebuild(void)
{
    int k;
    ngrams = 0;
    for (k = 0; k < nsecrets; k++) {
        size_t i;
        for (i = 0; secrets[k].n >= REDACT_RUN &&
                    i + REDACT_RUN <= secrets[k].n && ngrams < GRAMS_MAX;
             i++) {
            grams[ngrams++] = hash16(secrets[k].p + i);
        }
    }
    qsort(grams, ngrams, sizeof grams[0], cmp_u64);
}

void redact_add(const char *p, size_t n)
{
    if (p == NULL || n == 0 || nsecrets == SECRETS_MAX) {
        return;
    }
    secrets[nsecrets].p = p;
    secrets[nsecrets].n = n;
    nsecrets++;
    rebuild();
}

void redact_forget(void)
{
    memset(secrets, 0, sizeof secrets);
    nsecrets = 0;
    ngrams = 0;
}

static const char *find(const char *hay, size_t hn, const char *needle,
                        size_t nn)
{
    size_t i;
    for (i = 0; i + nn <= hn; i++) {
        if (memcmp(hay + i, needle, nn) == 0) {
            return hay + i;
        }
    }
    return NULL;
}

/* 1 when the REDACT_RUN bytes at w are a piece of a secret. */
static int secret_window(const char *w)
{
    uint64_t h = hash16(w);
    int k;
    if (bsearch(&h, grams, ngrams, sizeof grams[0], cmp_u64) == NULL) {
        return 0;
    }
    for (k = 0; k < nsecrets; k++) {
        if (find(secrets[k].p, secrets[k].n, w, REDACT_RUN) != NULL) {
            return 1;
        }
    }
    return 0;
}

/* Marks (mark[i] = 1) every byte of s[0..n) inside a piece of a secret. */
static void mark_secrets(const char *s, size_t n, unsigned char *mark)
{
    size_t i;
    int k;
    memset(mark, 0, n);
    for (i = 0; ngrams && i + REDACT_RUN <= n; i++) {
        if (secret_window(s + i)) {
            memset(mark + i, 1, REDACT_RUN);
        }
    }
    for (k = 0; k < nsecrets; k++) {
        const char *p = s;
        if (secrets[k].n >= REDACT_RUN) {
            continue;
        }
        while ((p = find(p, n - (size_t)(p - s), secrets[k].p, secrets[k].n)) !=
               NULL) {
            memset(mark + (p - s), 1, secrets[k].n);
            p += secrets[k].n;
        }
    }
}

static unsigned char marks[LINE_MAX_BYTES];

size_t redact_text(const char *s, size_t n, char *out, size_t cap)
{
    size_t i = 0, o = 0;
    if (cap == 0) {
        return 0;
    }
    if (n > sizeof marks) {
        n = sizeof marks;
    }
    mark_secrets(s, n, marks);
    while (i < n && o + 1 < cap) {
        if (!marks[i]) {
            out[o++] = s[i++];
            continue;
        }
        while (i < n && marks[i]) {
            i++;
        }
        if (o + sizeof MARKER > cap) {
            break;
        }
        memcpy(out + o, MARKER, sizeof MARKER - 1);
        o += sizeof MARKER - 1;
    }
    out[o] = '\0';
    return o;
}

/* ---- the stream filter ------------------------------------------------ */

typedef struct sink {
    int fd;
    size_t len;
    char line[LINE_MAX_BYTES];
} sink_t;

static sink_t sinks[2];
static char scratch[LINE_MAX_BYTES + LINE_MAX_BYTES / 2];

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) {
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void emit(sink_t *k)
{
    size_t n;
    if (!k->len) {
        return;
    }
    n = redact_text(k->line, k->len, scratch, sizeof scratch);
    write_all(k->fd, scratch, n);
    ds_wipe(k->line, k->len);
    k->len = 0;
}

static ssize_t sink_write(void *cookie, const char *buf, size_t size)
{
    sink_t *k = cookie;
    size_t i;
    for (i = 0; i < size; i++) {
        if (k->len == sizeof k->line) {
            emit(k);
        }
        k->line[k->len++] = buf[i];
        if (buf[i] == '\n') {
            emit(k);
        }
    }
    return (ssize_t)size;
}

static int sink_close(void *cookie)
{
    emit(cookie);
    return 0;
}

void redact_flush(void)
{
    (void)fflush(stdout);
    (void)fflush(stderr);
    emit(&sinks[0]);
    emit(&sinks[1]);
}

static FILE *orig_out, *orig_err;

/* At exit: the last partial lines, then the filter streams are closed
 * (their FILE objects freed) and the process's own streams restored. */
static void uninstall(void)
{
    FILE *o = stdout, *e = stderr;
    redact_flush();
    stdout = orig_out;
    stderr = orig_err;
    (void)fclose(o);
    (void)fclose(e);
}

int redact_install(void)
{
    static const cookie_io_functions_t io = {NULL, sink_write, NULL,
                                             sink_close};
    FILE *o, *e;
    (void)fflush(stdout);
    (void)fflush(stderr);
    sinks[0].fd = STDOUT_FILENO;
    sinks[1].fd = STDERR_FILENO;
    o = fopencookie(&sinks[0], "w", io);
    e = fopencookie(&sinks[1], "w", io);
    if (o == NULL || e == NULL) {
        return -1;
    }
    (void)setvbuf(o, NULL, _IONBF, 0);
    (void)setvbuf(e, NULL, _IONBF, 0);
    orig_out = stdout;
    orig_err = stderr;
    stdout = o;
    stderr = e;
    return atexit(uninstall);
}
