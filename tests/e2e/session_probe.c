/*
 * Test-only: one ds_tls_session_t slot handed to the POSIX port and used
 * for a TLS connection to each HOST in turn (same PORT), so that a test can
 * see which connections offered the slot's session and which the server
 * resumed (tests/e2e/test_tls_e2e.py).
 *
 *   session_probe CA_FILE PORT HOST...
 *
 * Prints one line per connection: "HOST offered=0|1 rc=N kept=BYTES".
 * After the handshake a short read takes the server's TLS 1.3 tickets
 * (the mock waits for a request, so the read ends in a timeout).
 */
#include <stdio.h>
#include <stdlib.h>

#include "ds_posix.h"

static ds_posix_net_t net;
static ds_tls_session_t slot;

int main(int argc, char **argv)
{
    ds_transport_t tr;
    uint8_t buf[64];
    int i;
    if (argc < 4) {
        fprintf(stderr, "usage: session_probe CA_FILE PORT HOST...\n");
        return 2;
    }
    if (ds_posix_net_init(&net, argv[1]) != 0) {
        fprintf(stderr, "init: %s\n", ds_posix_net_error(&net));
        return 1;
    }
    ds_posix_set_session(&net, &slot);
    ds_posix_transport(&net, &tr);
    for (i = 3; i < argc; i++) {
        int rc = tr.connect(tr.ctx, argv[i], (uint16_t)atoi(argv[2]), 1, 5000);
        int offered = net.session_offered; /* private: a test may look */
        if (rc == DS_TR_OK) {
            (void)tr.recv(tr.ctx, buf, sizeof buf, 300);
        }
        tr.close(tr.ctx);
        printf("%s offered=%d rc=%d kept=%u\n", argv[i], offered, rc,
               (unsigned)slot.len);
        fflush(stdout);
    }
    ds_posix_net_free(&net);
    ds_tls_session_clear(&slot);
    return 0;
}
