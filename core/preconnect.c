/*
 * A run's connection opened before any call is known (ds_session_preconnect,
 * deploystop.h): the kill switch connects while its button is held. Kept
 * apart from the stop path, which never needs it. The next call takes the
 * connection through the engine's usual reuse check (core/exchange.c:
 * same peer, transport alive).
 */
#include "deploystop.h"

int ds_session_preconnect(ds_session_t *s, const char *host, uint16_t port,
                          int use_tls)
{
    uint32_t left;
    int rc;
    ds_session_end(s); /* a connection held before is dropped */
    left = ds_session_left(s);
    if (!left)
        return DS_TR_ERR_TIMEOUT;
    if (!ds_valid_host(host) || !port)
        return DS_TR_ERR_ARG;
    s->connects++;
    rc = s->tr->connect(s->tr->ctx, host, port, use_tls, left);
    if (rc) {
        s->tr->close(s->tr->ctx); /* close is allowed after a failed connect */
        return rc;
    }
    s->host = host;
    s->port = port;
    s->use_tls = use_tls;
    s->open = 1;
    s->reusable = 1; /* nothing was asked on it yet */
    return 0;
}

void ds_session_restart(ds_session_t *s)
{
    s->start = s->pf->now_ms(s->pf->ctx);
}
