/*
 * tests/serve/fake_provider — a data provider with fixed, Northwind-like
 * data for the serve tests (API tests and the browser test's server).
 *
 * Its live streaming data can be changed from another thread while the
 * server runs (fake_add_live), which bumps the stream version and so
 * drives the server-sent events.  Hostile strings (markup, quotes,
 * control bytes) are planted in a few names to prove escaping.
 */
#ifndef SM_TEST_FAKE_PROVIDER_H
#define SM_TEST_FAKE_PROVIDER_H

#include <stdbool.h>

#include "serve/provider.h"

#define FAKE_TOTAL_REVENUE 1265793.04
#define FAKE_ORDERS 830
#define FAKE_CUSTOMERS 89
#define FAKE_VIP 40
#define FAKE_PREVIEW_ROWS 120
/* silver.master_ventes: each version before the latest (3) has this many
 * rows fewer (time travel in the lake browser) */
#define FAKE_ROWS_PER_VERSION 30
#define FAKE_HOSTILE "<script>alert(1)</script> & \"Co\" 'x'"

typedef struct fake fake_t;

fake_t *fake_new(void);
void fake_free(fake_t *f);
sm_provider_t fake_provider(fake_t *f);
/* Adds amount to a country's live revenue (one more transaction). */
void fake_add_live(fake_t *f, const char *country, double amount);
void fake_set_state(fake_t *f, const char *state);
/* Makes the dashboard report no data (empty series); bumps the data
 * version, so the server's refresher rebuilds its snapshot. */
void fake_set_empty(fake_t *f, bool empty);
/* Whether the stream monitor reports a configured Kafka broker (it does
 * at first). */
void fake_set_broker(fake_t *f, bool configured);
/* Makes every dashboard call take ms milliseconds (a slow lake). */
void fake_set_dashboard_delay(fake_t *f, unsigned ms);
/* How many times the dashboard was computed. */
unsigned fake_dashboard_calls(fake_t *f);

#endif
