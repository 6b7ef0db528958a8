/*
 * AK/SK loading. The file is read with read(2) into a stack buffer that is
 * wiped: stdio would leave a copy of the secret key in a heap buffer.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aksk_source.h"
#include "deploystop.h"
#include "ds_posix.h"

#define FILE_MAX 4096

/* Trims spaces, tabs and CR around [*s, *e). */
static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t' || **s == '\r'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
}

static int copy_field(const char *s, const char *e, char *out, size_t cap)
{
    trim(&s, &e);
    if ((size_t)(e - s) >= cap)
        return -1;
    memcpy(out, s, (size_t)(e - s));
    out[e - s] = '\0';
    return 0;
}

/* The n-th comma-separated field of line [s, e). */
static int csv_field(const char *s, const char *e, int n, const char **fs,
                     const char **fe)
{
    const char *p = s;
    for (;;) {
        const char *c = memchr(p, ',', (size_t)(e - p));
        if (!n--) {
            *fs = p;
            *fe = c ? c : e;
            trim(fs, fe);
            return 0;
        }
        if (!c)
            return -1;
        p = c + 1;
    }
}

static int csv_column(const char *s, const char *e, const char *name)
{
    const char *fs, *fe;
    int i;
    for (i = 0; csv_field(s, e, i, &fs, &fe) == 0; i++)
        if ((size_t)(fe - fs) == strlen(name) &&
            strncasecmp(fs, name, (size_t)(fe - fs)) == 0)
            return i;
    return -1;
}

static int parse_csv(const char *l1, const char *e1, const char *l2,
                     const char *e2, aksk_creds_t *c)
{
    int ia = csv_column(l1, e1, "Access Key Id");
    int is = csv_column(l1, e1, "Secret Access Key");
    const char *fs, *fe;
    if (ia < 0 || is < 0 || csv_field(l2, e2, ia, &fs, &fe) ||
        copy_field(fs, fe, c->ak, sizeof c->ak) ||
        csv_field(l2, e2, is, &fs, &fe) ||
        copy_field(fs, fe, c->sk, sizeof c->sk))
        return -1;
    return 0;
}

static int parse_pairs(const char *p, const char *end, aksk_creds_t *c)
{
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        const char *eq, *ks, *ke;
        if (!e)
            e = end;
        eq = memchr(p, '=', (size_t)(e - p));
        ks = p;
        ke = eq ? eq : e;
        trim(&ks, &ke);
        if (ks < ke && *ks != '#') {
            size_t n = (size_t)(ke - ks), cap;
            char *dst;
            if (!eq)
                return -1;
            if ((n == 2 && !strncasecmp(ks, "ak", 2)) ||
                (n == 13 && !strncmp(ks, "DEPLOYSTOP_AK", 13))) {
                dst = c->ak;
                cap = sizeof c->ak;
            } else if ((n == 2 && !strncasecmp(ks, "sk", 2)) ||
                       (n == 13 && !strncmp(ks, "DEPLOYSTOP_SK", 13))) {
                dst = c->sk;
                cap = sizeof c->sk;
            } else {
                return -1;
            }
            if (copy_field(eq + 1, e, dst, cap))
                return -1;
        }
        p = e + 1;
    }
    return 0;
}

static int load_file(const char *file, aksk_creds_t *c, char *err,
                     size_t err_cap)
{
    char buf[FILE_MAX + 1];
    struct stat st;
    size_t n = 0;
    const char *p = buf, *end;
    int rc, fd = ds_posix_open_regular(file, O_RDONLY, 0);

    if (fd == DS_POSIX_NOT_REGULAR) {
        (void)snprintf(err, err_cap,
                       "credentials file %.200s is not a regular file", file);
        return -1;
    }
    if (fd < 0) {
        (void)snprintf(err, err_cap, "cannot open credentials file %.200s: %s",
                       file, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        (st.st_mode & (S_IRGRP | S_IROTH)) != 0)
        (void)fprintf(stderr,
                      "deploystop: warning: credentials file %s is "
                      "readable by %s (chmod 600 it)\n",
                      file,
                      (st.st_mode & S_IROTH) != 0 ? "others" : "its group");
    while (n < sizeof buf) {
        ssize_t got = read(fd, buf + n, sizeof buf - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    (void)close(fd);
    end = buf + n;
    if (n > FILE_MAX) {
        rc = -1;
    } else {
        if (n >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
            p += 3; /* the console's CSV may start with a UTF-8 BOM */
        const char *e1 = memchr(p, '\n', (size_t)(end - p));
        if (e1 && csv_column(p, e1, "Access Key Id") >= 0) {
            const char *e2 = memchr(e1 + 1, '\n', (size_t)(end - e1 - 1));
            rc = parse_csv(p, e1, e1 + 1, e2 ? e2 : end, c);
        } else {
            rc = parse_pairs(p, end, c);
        }
    }
    ds_wipe(buf, sizeof buf);
    if (rc != 0 || !c->ak[0] || !c->sk[0]) {
        (void)snprintf(err, err_cap,
                       "credentials file %.200s: expected the console's "
                       "credentials.csv or \"ak = ...\" and \"sk = ...\" lines",
                       file);
        return -1;
    }
    return 1;
}

static int load_env(aksk_creds_t *c, char *err, size_t err_cap)
{
    char *ak = getenv("DEPLOYSTOP_AK"), *sk = getenv("DEPLOYSTOP_SK");
    int rc = 1;

    if (!ak && !sk)
        return 0;
    if (!ak || !sk) {
        (void)snprintf(err, err_cap,
                       "set both DEPLOYSTOP_AK and DEPLOYSTOP_SK");
        rc = -1;
    } else if (strlen(ak) >= sizeof c->ak || strlen(sk) >= sizeof c->sk) {
        (void)snprintf(err, err_cap,
                       "DEPLOYSTOP_AK or DEPLOYSTOP_SK is too long");
        rc = -1;
    } else {
        memcpy(c->ak, ak, strlen(ak) + 1);
        memcpy(c->sk, sk, strlen(sk) + 1);
    }
    if (sk) {
        /* The environment block is ours: children and /proc readers then
         * see no secret key. */
        ds_wipe(sk, strlen(sk));
        (void)unsetenv("DEPLOYSTOP_SK");
    }
    return rc;
}

int aksk_load(const char *file, aksk_creds_t *c, char *err, size_t err_cap)
{
    int rc;

    memset(c, 0, sizeof *c);
    err[0] = '\0';
    rc = file ? load_file(file, c, err, err_cap) : load_env(c, err, err_cap);
    if (rc == 1 && !ds_sign_valid_credentials(c->ak, c->sk)) {
        (void)snprintf(err, err_cap,
                       "malformed AK/SK: the AK is 1..%u letters and digits, "
                       "the SK 1..%u visible ASCII characters",
                       (unsigned)DS_SIGN_AK_MAX, (unsigned)DS_SIGN_SK_MAX);
        rc = -1;
    }
    if (rc < 0)
        ds_wipe(c, sizeof *c);
    return rc;
}
