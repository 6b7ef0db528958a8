/* The request builders and ds_stop's checks at their edges: a call without
 * a query or a literal body, a head that does not fit its end, a call head
 * refusing AK/SK (only the signer writes those), ds_stop with a hook
 * missing, and a record id checked even where none is needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "deploystop.h"
#include "ds_halt.h"
#include "exchange.h"
#include "halt_fixture.h"
#include "request.h"
#include "writer.h"

static void get_call_has_no_query_and_no_literal_body(void **state)
{
    ds_stop_request_t req;
    ds_call_t c;
    char buf[16];
    ds_wr_t w;
    (void)state;
    ds_stop_request_init(&req);
    ds_call_init(&c, &req);
    assert_int_equal(ds_wire_has_query(&c), 0);
    assert_int_equal(ds_call_body_lit_len(&c), 0);
    ds_wr_init(&w, buf, sizeof buf);
    ds_wire_query(&w, &c);
    assert_int_equal(w.len, 0);
    assert_int_equal(w.total, 0);
}

static void head_end_that_does_not_fit_is_too_large(void **state)
{
    char buf[3];
    ds_wr_t w;
    (void)state;
    ds_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ds_head_end(&w), DS_R_REQUEST_TOO_LARGE);
    assert_int_equal(w.err, DS_WR_E_FULL);
}

static void call_head_refuses_aksk_auth(void **state)
{
    ds_stop_request_t req;
    ds_call_t c;
    char buf[DS_REQ_HEAD_MAX];
    ds_wr_t w;
    (void)state;
    ds_stop_request_init(&req);
    req.host = "localhost";
    req.task_id = FX_TASK;
    req.record_id = FX_RECORD;
    req.auth.kind = DS_AUTH_AKSK;
    ds_call_stop(&c, &req);
    ds_wr_init(&w, buf, sizeof buf);
    assert_int_equal(ds_call_head(&w, &c, 0), DS_R_BAD_CREDENTIALS);
    assert_int_equal(w.mark, 0); /* no token placeholder was written */
    assert_false(fx_contains(buf, w.len, "X-Auth-Token", 12));
    assert_true(
        fx_contains(buf, w.len, "PUT /v2/tasks/" FX_TASK "/records/", 48));
}

static void stop_with_a_hook_or_buffer_missing_is_bad_argument(void **state)
{
    int i;
    (void)state;
    for (i = 0; i < 10; i++) {
        ds_transport_t tr;
        ds_platform_t pf;
        ds_stop_request_t req;
        ds_workspace_t *ws;
        fx_init(&F, 1000, 0);
        fx_answer(&F, 0, 200, NULL, FX_OK_BODY);
        tr = F.tr;
        pf = F.pf;
        req = F.req;
        ws = &F.ws;
        switch (i) {
        case 0: tr.connect = NULL; break;
        case 1: tr.send = NULL; break;
        case 2: tr.recv = NULL; break;
        case 3: tr.close = NULL; break;
        case 4: pf.now_ms = NULL; break;
        case 5: pf.sleep_ms = NULL; break;
        case 6: req.deadline_ms = 0; break;
        case 7: ws = NULL; break;
        case 8:
            assert_int_equal(ds_stop(&req, NULL, &pf, ws, &F.res),
                             DS_INVALID_INPUT);
            break;
        default:
            assert_int_equal(ds_stop(&req, &tr, NULL, ws, &F.res),
                             DS_INVALID_INPUT);
            break;
        }
        if (i < 8)
            assert_int_equal(ds_stop(&req, &tr, &pf, ws, &F.res),
                             DS_INVALID_INPUT);
        assert_int_equal(F.res.outcome, DS_INVALID_INPUT);
        assert_int_equal(F.res.reason, DS_R_BAD_ARGUMENT);
        assert_int_equal(F.ft.connects, 0);
    }
}

static void history_with_a_malformed_record_id_is_bad_record_id(void **state)
{
    ds_running_t run;
    (void)state;
    hx_init();
    F.req.record_id = "not-a-record";
    assert_int_equal(ds_history(&S, &F.req, &run, &F.res), DS_INVALID_INPUT);
    assert_int_equal(F.res.reason, DS_R_BAD_RECORD_ID);
    assert_int_equal(F.ft.connects, 0);
    hx_end();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_call_has_no_query_and_no_literal_body),
        cmocka_unit_test(head_end_that_does_not_fit_is_too_large),
        cmocka_unit_test(call_head_refuses_aksk_auth),
        cmocka_unit_test(stop_with_a_hook_or_buffer_missing_is_bad_argument),
        cmocka_unit_test(history_with_a_malformed_record_id_is_bad_record_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
