#include "stop_fixture.h"

#include <stdio.h>
#include <string.h>

static void fx_trace(void *ctx, ds_trace_kind_t kind, const char *data,
                     size_t len)
{
    fixture_t *f = ctx;
    size_t room = sizeof f->trace - f->trace_len;
    if ((int)kind >= 0 && (int)kind < 3)
        f->trace_calls[kind]++;
    if (len + 4 < room) {
        f->trace[f->trace_len++] = (char)('0' + (int)kind);
        f->trace[f->trace_len++] = '|';
        memcpy(f->trace + f->trace_len, data, len);
        f->trace_len += len;
        f->trace[f->trace_len++] = '\n';
        f->trace[f->trace_len] = 0;
    }
}

void fx_init(fixture_t *f, uint32_t start_ms, uint32_t seed)
{
    memset(f, 0, sizeof *f);
    fake_platform_init(&f->fp, &f->pf, start_ms, seed);
    fake_transport_init(&f->ft, &f->tr, &f->fp);
    ds_stop_request_init(&f->req);
    f->req.host = "localhost";
    f->req.task_id = FX_TASK;
    f->req.record_id = FX_RECORD;
    f->req.auth.token = FX_TOKEN;
    f->req.auth.token_len = strlen(FX_TOKEN);
    f->req.trace = fx_trace;
    f->req.trace_ctx = f;
}

ds_outcome_t fx_stop(fixture_t *f)
{
    return ds_stop(&f->req, &f->tr, &f->pf, &f->ws, &f->res);
}

const char *fx_http(fixture_t *f, int slot, int status, const char *headers,
                    const char *body)
{
    snprintf(f->answers[slot], sizeof f->answers[slot],
             "HTTP/1.1 %d\r\nContent-Type: application/json\r\n"
             "%sContent-Length: %u\r\n\r\n%s",
             status, headers ? headers : "", (unsigned)strlen(body), body);
    return f->answers[slot];
}

ft_attempt_t *fx_answer(fixture_t *f, int i, int status, const char *headers,
                        const char *body)
{
    return ft_answer(&f->ft, i, fx_http(f, i, status, headers, body));
}

int fx_contains(const void *hay, size_t len, const char *needle, size_t nlen)
{
    const char *h = hay;
    size_t i;
    for (i = 0; i + nlen <= len; i++)
        if (!memcmp(h + i, needle, nlen))
            return 1;
    return 0;
}
