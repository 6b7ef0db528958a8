/*
 * LD_PRELOAD shim for the end-to-end tests: makes one host name resolve to
 * a chosen list of loopback addresses, in order, and logs every connect()
 * target, so a test can prove the transport tries each address in turn.
 *
 *   GAI_SHIM_NAME=localhost GAI_SHIM_ADDRS=::1,127.0.0.1 GAI_SHIM_LOG=FILE
 *
 * Other names go to the real getaddrinfo. Test-only code: it allocates.
 */
#define _GNU_SOURCE 1

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *,
                      struct addrinfo **);
typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);

int getaddrinfo(const char *node, const char *service,
                const struct addrinfo *hints, struct addrinfo **res)
{
    gai_fn real = (gai_fn)dlsym(RTLD_NEXT, "getaddrinfo");
    const char *name = getenv("GAI_SHIM_NAME");
    const char *addrs = getenv("GAI_SHIM_ADDRS");
    struct addrinfo *head = NULL, **tail = &head;
    char list[256], *save = NULL, *one;

    if (node == NULL || name == NULL || addrs == NULL ||
        strcmp(node, name) != 0) {
        return real(node, service, hints, res);
    }
    (void)snprintf(list, sizeof list, "%s", addrs);
    for (one = strtok_r(list, ",", &save); one != NULL;
         one = strtok_r(NULL, ",", &save)) {
        struct addrinfo h, *got = NULL;
        int rc;
        memset(&h, 0, sizeof h);
        h.ai_socktype = hints != NULL ? hints->ai_socktype : 0;
        h.ai_protocol = hints != NULL ? hints->ai_protocol : 0;
        h.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
        rc = real(one, service, &h, &got);
        if (rc != 0) {
            return rc;
        }
        *tail = got;
        while (*tail != NULL) {
            tail = &(*tail)->ai_next;
        }
    }
    *res = head;
    return head != NULL ? 0 : EAI_NONAME;
}

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    connect_fn real = (connect_fn)dlsym(RTLD_NEXT, "connect");
    const char *log = getenv("GAI_SHIM_LOG");
    if (log != NULL && sa != NULL &&
        (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
        char text[INET6_ADDRSTRLEN] = "?";
        const void *a =
            sa->sa_family == AF_INET
                ? (const void *)&((const struct sockaddr_in *)(const void *)sa)
                      ->sin_addr
                : (const void *)&((const struct sockaddr_in6 *)(const void *)sa)
                      ->sin6_addr;
        FILE *f = fopen(log, "a");
        (void)inet_ntop(sa->sa_family, a, text, sizeof text);
        if (f != NULL) {
            (void)fprintf(f, "%s\n", text);
            (void)fclose(f);
        }
    }
    return real(fd, sa, len);
}
