/* serve/refresh — the dashboard off the request path: a background thread
 * rebuilds an immutable, reference-counted snapshot when the provider's
 * data changes, and requests only take a reference to the current one. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/mem.h"
#include "serve/serve_int.h"

#define DEFAULT_POLL_MS 250
#define MAX_AGE_VERSIONED_MS 60000 /* data_version says when; this is a backstop */
#define MAX_AGE_UNVERSIONED_MS 1000
#define FIRST_WAIT_MS 10000

static void deadline_after(struct timespec *ts, unsigned ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

void sm_serve_snap_release(sm_serve_snap_t *sn)
{
    if (!sn || atomic_fetch_sub(&sn->refs, 1) != 1)
        return;
    sm_arena_free(&sn->arena);
    sm_buf_free(&sn->json);
    sm_free(sn);
}

/* A new snapshot (one reference), or NULL when out of memory. */
static sm_serve_snap_t *build(sm_serve_t *s, uint64_t version)
{
    sm_serve_snap_t *sn = sm_calloc(1, sizeof *sn);
    if (!sn)
        return NULL;
    atomic_init(&sn->refs, 1);
    sm_arena_init(&sn->arena, 16 * 1024);
    sn->data_version = version;
    sm_error_t e;
    sm_error_clear(&e);
    sm_serve_prov_lock(s);
    sm_err_t rc = s->prov.vt->dashboard(s->prov.ctx, &sn->arena, &sn->dash, &e);
    sm_serve_prov_unlock(s);
    if (!rc)
        rc = sm_serve_dashboard_json(&sn->dash, &sn->json, &e);
    if (rc) {
        sn->rc = rc;
        snprintf(sn->msg, sizeof sn->msg, "%s", e.msg[0] ? e.msg : "the dashboard failed");
        memset(&sn->dash, 0, sizeof sn->dash);
        sm_buf_free(&sn->json);
    }
    sn->built_ns = sm_clock_mono_ns();
    atomic_fetch_add(&s->refresh.builds, 1);
    return sn;
}

/* Installs sn as the current snapshot and wakes waiting requests. */
static void install(sm_serve_refresh_t *r, sm_serve_snap_t *sn)
{
    pthread_mutex_lock(&r->mu);
    sm_serve_snap_t *old = r->cur;
    r->cur = sn;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    sm_serve_snap_release(old);
}

static void *refresh_main(void *arg)
{
    sm_serve_t *s = arg;
    sm_serve_refresh_t *r = &s->refresh;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        bool stop = r->stop, have = r->cur != NULL;
        int64_t built = have ? r->cur->built_ns : 0;
        uint64_t have_ver = have ? r->cur->data_version : 0;
        pthread_mutex_unlock(&r->mu);
        if (stop)
            break;
        uint64_t ver = 0;
        bool versioned = false;
        if (s->prov.vt->data_version) {
            sm_error_t e;
            sm_serve_prov_lock(s);
            versioned = s->prov.vt->data_version(s->prov.ctx, &ver, &e) == SM_OK;
            sm_serve_prov_unlock(s);
        }
        int64_t age_ms = (sm_clock_mono_ns() - built) / 1000000;
        unsigned max_age = versioned ? r->max_age_ms : MAX_AGE_UNVERSIONED_MS;
        if (!have || (versioned && ver != have_ver) || age_ms >= (int64_t)max_age) {
            sm_serve_snap_t *sn = build(s, ver);
            if (sn)
                install(r, sn);
        }
        struct timespec ts;
        deadline_after(&ts, r->poll_ms);
        pthread_mutex_lock(&r->mu);
        while (!r->stop && pthread_cond_timedwait(&r->cv, &r->mu, &ts) != ETIMEDOUT)
            ; /* woken by an install of our own, or spuriously: sleep on */
        pthread_mutex_unlock(&r->mu);
    }
    return NULL;
}

void sm_serve_refresh_init(sm_serve_t *s, unsigned poll_ms)
{
    sm_serve_refresh_t *r = &s->refresh;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    r->poll_ms = poll_ms ? poll_ms : DEFAULT_POLL_MS;
    r->max_age_ms = MAX_AGE_VERSIONED_MS;
    r->first_wait_ms = FIRST_WAIT_MS;
    atomic_init(&r->builds, 0);
}

sm_err_t sm_serve_refresh_start(sm_serve_t *s, sm_error_t *e)
{
    if (!s->prov.vt->dashboard)
        return SM_OK;
    if (pthread_create(&s->refresh.thread, NULL, refresh_main, s) != 0)
        return sm_error_set(e, SM_ERR_IO, "serve: cannot start the refresher thread");
    s->refresh.started = true;
    return SM_OK;
}

void sm_serve_refresh_destroy(sm_serve_t *s)
{
    sm_serve_refresh_t *r = &s->refresh;
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    if (r->started)
        pthread_join(r->thread, NULL);
    r->started = false;
    sm_serve_snap_release(r->cur);
    r->cur = NULL;
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
}

sm_err_t sm_serve_snap_get(sm_serve_t *s, sm_serve_snap_t **out, sm_error_t *e)
{
    sm_serve_refresh_t *r = &s->refresh;
    *out = NULL;
    if (!s->prov.vt->dashboard)
        return sm_error_set(e, SM_ERR_UNSUPPORTED, "the dashboard is not available");
    pthread_mutex_lock(&r->mu);
    if (!r->cur && !r->started) { /* no refresher: build it here */
        pthread_mutex_unlock(&r->mu);
        uint64_t ver = 0;
        if (s->prov.vt->data_version) {
            sm_error_t ve;
            sm_serve_prov_lock(s);
            (void)s->prov.vt->data_version(s->prov.ctx, &ver, &ve);
            sm_serve_prov_unlock(s);
        }
        sm_serve_snap_t *sn = build(s, ver);
        if (!sn)
            return sm_error_nomem(e, "dashboard snapshot");
        pthread_mutex_lock(&r->mu);
        if (!r->cur)
            r->cur = sn;
        else
            sm_serve_snap_release(sn); /* another request was first */
    }
    struct timespec ts;
    deadline_after(&ts, r->first_wait_ms);
    while (!r->cur && !r->stop)
        if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) == ETIMEDOUT)
            break;
    sm_serve_snap_t *sn = r->cur;
    if (sn)
        atomic_fetch_add(&sn->refs, 1);
    pthread_mutex_unlock(&r->mu);
    if (!sn)
        return sm_error_set(e, SM_ERR_TIMEOUT,
                            "the dashboard is still being computed (waited %u ms); try again",
                            r->first_wait_ms);
    if (sn->rc) {
        sm_err_t rc = sm_error_set(e, sn->rc, "%s", sn->msg);
        sm_serve_snap_release(sn);
        return rc;
    }
    *out = sn;
    return SM_OK;
}
