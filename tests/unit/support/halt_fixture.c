#include "halt_fixture.h"

#include <stdio.h>
#include <string.h>

fixture_t F;
ds_session_t S;

#define POOL 48
#define POOL_BUF 24576
static char pool[POOL][POOL_BUF];
static int pool_next;

static char *take(void)
{
    char *b = pool[pool_next];
    pool_next = (pool_next + 1) % POOL;
    b[0] = 0;
    return b;
}

void hx_init(void)
{
    fx_init(&F, 1000, 0);
    fake_platform_unix(&F.fp, &F.pf, HX_UNIX);
    F.req.record_id = NULL;
    F.req.project_id = HX_PROJECT;
    F.req.trace = NULL;
    pool_next = 0;
    ds_session_begin(&S, &F.tr, &F.pf, &F.ws, F.req.deadline_ms);
}

void hx_end(void)
{
    ds_session_end(&S);
}

const char *hx_http(int status, const char *headers, const char *body)
{
    char *b = take();
    snprintf(b, POOL_BUF,
             "HTTP/1.1 %d\r\nContent-Type: application/json\r\n"
             "%sContent-Length: %u\r\n\r\n%s",
             status, headers ? headers : "", (unsigned)strlen(body), body);
    return b;
}

static const char *history_body(unsigned long total, const hrow_t *rows, int n,
                                int total_first)
{
    char *b = take();
    size_t len = 0;
    int i;
    if (total_first)
        len += (size_t)snprintf(b + len, POOL_BUF - len,
                                "{\"total_num\":%lu,\"result\":[", total);
    else
        len += (size_t)snprintf(b + len, POOL_BUF - len, "{\"result\":[");
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(
            b + len, POOL_BUF - len,
            "%s{\"execution_id\":\"%s\",\"state\":\"%s\","
            "\"start_time\":\"2026-11-28 0%d:00:00\",\"end_time\":\"\","
            "\"operator\":\"dev\",\"release_id\":%d,\"duration\":\"00:01:00\","
            "\"type\":\"deploy\",\"nickname\":\"dev\"}",
            i ? "," : "", rows[i].id, rows[i].state, i % 10, i + 1);
    if (total_first)
        snprintf(b + len, POOL_BUF - len, "]}");
    else
        snprintf(b + len, POOL_BUF - len, "],\"total_num\":%lu}", total);
    return b;
}

const char *hx_history(unsigned long total, const hrow_t *rows, int n)
{
    return history_body(total, rows, n, 0);
}

const char *hx_history_total_first(unsigned long total, const hrow_t *rows,
                                   int n)
{
    return history_body(total, rows, n, 1);
}

const char *hx_page_total_first(unsigned long total, const hrow_t *rows, int n)
{
    return hx_http(200, NULL, hx_history_total_first(total, rows, n));
}

const char *hx_page(unsigned long total, const hrow_t *rows, int n)
{
    return hx_http(200, NULL, hx_history(total, rows, n));
}

const char *hx_req(int i)
{
    char *b = take();
    size_t len;
    const char *r = ft_request(&F.ft, i, &len);
    if (len >= POOL_BUF)
        len = POOL_BUF - 1;
    memcpy(b, r, len);
    b[len] = 0;
    return b;
}

int hx_count_method(const char *method)
{
    int i, n = 0;
    size_t ml = strlen(method);
    for (i = 0; i < F.ft.nreq; i++) {
        const char *r = hx_req(i);
        n += !strncmp(r, method, ml) && r[ml] == ' ';
    }
    return n;
}
