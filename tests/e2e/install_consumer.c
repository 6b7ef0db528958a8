/*
 * Built against an installed deploystop (headers, libraries and pkg-config
 * file from `make install`) to prove the installation is usable: links
 * the core and the POSIX port and rejects a bad id without networking.
 */
#include <stdio.h>
#include <string.h>

#include <deploystop.h>
#include <ds_posix.h>

static ds_workspace_t ws;

int main(void)
{
    ds_stop_request_t req;
    ds_transport_t tr;
    ds_platform_t pf;
    ds_result_t res;
    static ds_posix_net_t net;

    if (ds_posix_net_init(&net, NULL) != 0) {
        /* No system bundle is fine here: the transport is never used. */
        memset(&net, 0, sizeof net);
    }
    ds_posix_transport(&net, &tr);
    ds_posix_platform(&pf);
    ds_stop_request_init(&req);
    req.host = "codearts-deploy.cn-north-4.myhuaweicloud.com";
    req.task_id = "not-an-id";
    req.record_id = "2c82ffe8d00d4968a4e5f7a36d87ae17";
    req.auth.token = "t";
    req.auth.token_len = 1;
    if (ds_stop(&req, &tr, &pf, &ws, &res) != DS_INVALID_INPUT) {
        fprintf(stderr, "expected INVALID_INPUT, got %s\n",
                ds_outcome_name(res.outcome));
        return 1;
    }
    printf("installed deploystop %s: %s\n", DS_VERSION,
           ds_outcome_name(res.outcome));
    ds_posix_net_free(&net);
    return 0;
}
