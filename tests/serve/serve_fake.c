/*
 * tests/serve/serve_fake — the web UI over the fake provider, for the
 * browser test.  Prints "listening http://127.0.0.1:PORT/" on stdout once
 * ready, then reads commands from stdin, one per line:
 *     live COUNTRY AMOUNT   add a live sale (bumps the stream version)
 *     state STATE           set the stream state
 *     empty 0|1             dashboard without / with data
 *     quit                  stop (also on end of input)
 * Usage: serve_fake [LISTEN] [TOKEN]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_provider.h"
#include "serve/serve.h"

int main(int argc, char **argv)
{
    fake_t *f = fake_new();
    sm_provider_t p = fake_provider(f);
    sm_serve_opts_t o = {.listen = argc > 1 ? argv[1] : "127.0.0.1:0",
                         .token = argc > 2 ? argv[2] : NULL,
                         .sse_poll_ms = 100};
    sm_serve_t *s = NULL;
    sm_error_t e;
    if (!f || sm_serve_start(&o, &p, &s, &e) != SM_OK) {
        fprintf(stderr, "serve_fake: %s\n", f ? e.msg : "out of memory");
        return 1;
    }
    printf("listening http://127.0.0.1:%u/\n", sm_serve_port(s));
    fflush(stdout);
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        char a[64], b[64];
        if (sscanf(line, "live %63s %63s", a, b) == 2)
            fake_add_live(f, a, strtod(b, NULL));
        else if (sscanf(line, "state %63s", a) == 1)
            fake_set_state(f, a);
        else if (sscanf(line, "empty %63s", a) == 1)
            fake_set_empty(f, strcmp(a, "1") == 0);
        else if (strncmp(line, "quit", 4) == 0)
            break;
        printf("ok\n");
        fflush(stdout);
    }
    sm_serve_stop(s);
    fake_free(f);
    return 0;
}
