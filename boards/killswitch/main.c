/* Kill-switch firmware entry: everything runs from this one loop. */
#include "deploystop.h"
#include "killswitch.h"
#include "out.h"

int main(void)
{
    board_init();
    out_nl();
    out_str("deploystop kill switch " DS_VERSION);
    out_nl();
    if (ks_init() != 0) {
        /* Without a network a press can only fail; say so and keep the
         * console alive for diagnosis. */
        out_str("RESULT NETWORK reason=\"network controller failed\"");
        out_nl();
    }
    for (;;) {
        ks_step();
    }
}
