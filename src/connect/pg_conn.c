/* connect/pg_conn — libpq connections, schema discovery and COPY reads
 * (contracts in pg.h). */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect/pg_int.h"
#include "core/buf.h"
#include "core/mem.h"

#define MAX_DOMAIN_DEPTH 16
#define MAX_SECRETS 3

struct sm_pg_conn {
    PGconn *pc;
    char where[256]; /* host:port/database */
    sm_pg_types_t types;
    char *secrets[MAX_SECRETS];   /* passwords to mask in every message */
    PQnoticeReceiver notice_next; /* libpq's receiver, which prints notices */
    bool doomed; /* the server sent a FATAL message: it is closing the connection */
};

/* Watches what the server sends outside of a statement: a FATAL message
 * (terminated backend, server shutdown) dooms the connection before its
 * socket is seen closed.  Notices still go to libpq's receiver. */
static void on_notice(void *arg, const PGresult *r)
{
    sm_pg_conn_t *c = arg;
    const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (sev && (strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0))
        c->doomed = true;
    if (c->notice_next)
        c->notice_next(NULL, r);
}

/* ---- secrets ----------------------------------------------------------- */

/* Replaces every occurrence of secret in s (NUL-terminated, in place) by
 * "***" (never longer than... the secret may be shorter, so we rebuild). */
static void mask_one(char *s, size_t cap, const char *secret)
{
    size_t sl = secret ? strlen(secret) : 0;
    if (!sl)
        return;
    char tmp[SM_ERROR_MSG_MAX * 2];
    size_t o = 0;
    for (const char *p = s; *p && o + 4 < sizeof tmp;) {
        if (strncmp(p, secret, sl) == 0) {
            memcpy(tmp + o, "***", 3);
            o += 3;
            p += sl;
        } else {
            tmp[o++] = *p++;
        }
    }
    tmp[o] = '\0';
    snprintf(s, cap, "%s", tmp);
}

static void mask_secrets(const sm_pg_conn_t *c, char *s, size_t cap)
{
    for (int i = 0; i < MAX_SECRETS; i++)
        if (c->secrets[i])
            mask_one(s, cap, c->secrets[i]);
}

/* Replaces the text between double quotes by "...": libpq's conninfo
 * parse errors quote pieces of the conninfo, which may hold a password. */
static void blank_quoted(char *s)
{
    char *o = s;
    bool in = false;
    for (const char *p = s; *p; p++) {
        if (*p == '"') {
            if (!in) {
                memcpy(o, "\"...\"", 5);
                o += 5;
            }
            in = !in;
        } else if (!in) {
            *o++ = *p;
        }
    }
    *o = '\0';
}

void sm_pg_scrub_conninfo(const char *conninfo, char *out, size_t cap)
{
    if (!cap)
        return;
    size_t o = 0;
    const char *s = conninfo ? conninfo : "";
    bool uri = strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (o + 1 < cap)                                                                           \
            out[o++] = (char)(ch);                                                                 \
    } while (0)
#define PUTS(str)                                                                                  \
    do {                                                                                           \
        for (const char *q_ = (str); *q_; q_++)                                                    \
            PUT(*q_);                                                                              \
    } while (0)
    if (uri) {
        const char *auth = strstr(s, "://") + 3;
        const char *end = auth + strcspn(auth, "/?#");
        const char *at = NULL;
        for (const char *p = auth; p < end; p++)
            if (*p == '@')
                at = p;
        for (const char *p = s; *p;) {
            if (at && p == auth) {
                const char *colon = memchr(auth, ':', (size_t)(at - auth));
                for (const char *q = auth; q < (colon ? colon : at); q++)
                    PUT(*q);
                if (colon)
                    PUTS(":***");
                p = at;
                continue;
            }
            if (p > end && (p[-1] == '?' || p[-1] == '&') && strncmp(p, "password=", 9) == 0) {
                PUTS("password=***");
                p += 9;
                while (*p && *p != '&' && *p != '#')
                    p++;
                continue;
            }
            PUT(*p);
            p++;
        }
    } else {
        for (const char *p = s; *p;) {
            bool at_word = p == s || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n';
            if (at_word && strncmp(p, "password", 8) == 0) {
                const char *q = p + 8;
                while (*q == ' ' || *q == '\t')
                    q++;
                if (*q == '=') {
                    q++;
                    while (*q == ' ' || *q == '\t')
                        q++;
                    PUTS("password=***");
                    if (*q == '\'') {
                        for (q++; *q && *q != '\''; q++)
                            if (*q == '\\' && q[1])
                                q++;
                        if (*q)
                            q++;
                    } else {
                        while (*q && *q != ' ' && *q != '\t' && *q != '\n')
                            q++;
                    }
                    p = q;
                    continue;
                }
            }
            PUT(*p);
            p++;
        }
    }
    out[o] = '\0';
#undef PUT
#undef PUTS
}

/* ---- small helpers ------------------------------------------------------ */

/* The server's primary message of r (or the connection's message). */
static void result_message(sm_pg_conn_t *c, const PGresult *r, char *out, size_t cap)
{
    const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!m || !*m)
        m = PQerrorMessage(c->pc);
    snprintf(out, cap, "%s", m && *m ? m : "unknown error");
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
        out[--n] = '\0';
    /* where in the statement (1-based characters), for the SQL console */
    const char *pos = r ? PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION) : NULL;
    if (pos && *pos && n < cap)
        snprintf(out + n, cap - n, " (at character %s)", pos);
    mask_secrets(c, out, cap);
}

/* True when r's error means the connection itself is gone. */
static bool connection_lost(sm_pg_conn_t *c, const PGresult *r)
{
    if (PQstatus(c->pc) == CONNECTION_BAD)
        return true;
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return st && (strncmp(st, "08", 2) == 0 || strncmp(st, "57P", 3) == 0);
}

static sm_err_t result_error(sm_pg_conn_t *c, const PGresult *r, sm_error_t *e, const char *context)
{
    char msg[SM_ERROR_MSG_MAX];
    result_message(c, r, msg, sizeof msg);
    if (connection_lost(c, r)) {
        sm_err_t rc = sm_error_set(e, SM_ERR_NETWORK, "%s: PostgreSQL connection to %s lost: %s",
                                   context, c->where, msg);
        if (e)
            e->retriable = true;
        return rc;
    }
    return sm_error_set(e, SM_ERR_INVALID, "%s: %s", context, msg);
}

/* A NULL result: the connection is gone, or memory ran out. */
static sm_err_t no_result(sm_pg_conn_t *c, sm_error_t *e)
{
    if (PQstatus(c->pc) == CONNECTION_BAD)
        return result_error(c, NULL, e, "PostgreSQL");
    return sm_error_nomem(e, "PostgreSQL result");
}

/* Runs sql (simple protocol); any error is reported with context. */
static sm_err_t run(sm_pg_conn_t *c, const char *sql, const char *context, sm_error_t *e)
{
    PGresult *r = PQexec(c->pc, sql);
    if (!r)
        return no_result(c, e);
    ExecStatusType st = PQresultStatus(r);
    sm_err_t rc = SM_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        rc = result_error(c, r, e, context);
    PQclear(r);
    return rc;
}

/* ---- connections --------------------------------------------------------- */

static void set_where(sm_pg_conn_t *c)
{
    const char *h = PQhost(c->pc), *p = PQport(c->pc), *d = PQdb(c->pc);
    snprintf(c->where, sizeof c->where, "%s:%s/%s", h && *h ? h : "localhost", p && *p ? p : "5432",
             d && *d ? d : "?");
}

void sm_pg_close(sm_pg_conn_t *c)
{
    if (!c)
        return;
    if (c->pc)
        PQfinish(c->pc);
    for (int i = 0; i < MAX_SECRETS; i++) {
        if (c->secrets[i]) {
            memset(c->secrets[i], 0, strlen(c->secrets[i]));
            sm_free(c->secrets[i]);
        }
    }
    sm_free(c);
}

static sm_err_t add_secret(sm_pg_conn_t *c, const char *s, sm_error_t *e)
{
    if (!s || !*s)
        return SM_OK;
    for (int i = 0; i < MAX_SECRETS; i++) {
        if (c->secrets[i] && strcmp(c->secrets[i], s) == 0)
            return SM_OK;
        if (!c->secrets[i]) {
            if (!(c->secrets[i] = sm_strdup(s)))
                return sm_error_nomem(e, "PostgreSQL connection");
            return SM_OK;
        }
    }
    return SM_OK;
}

sm_err_t sm_pg_connect(const char *conninfo, const sm_pg_conn_opts_t *opts, sm_pg_conn_t **out,
                       sm_error_t *e)
{
    *out = NULL;
    sm_err_t rc = SM_OK;
    sm_pg_conn_t *c = sm_calloc(1, sizeof *c);
    if (!c)
        return sm_error_nomem(e, "PostgreSQL connection");
    c->types = opts ? opts->types : (sm_pg_types_t)SM_PG_TYPES_DEFAULT;
    if (conninfo && *conninfo) {
        char *perr = NULL;
        PQconninfoOption *o = PQconninfoParse(conninfo, &perr);
        if (!o) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", perr ? perr : "out of memory");
            PQfreemem(perr);
            blank_quoted(msg);
            mask_secrets(c, msg, sizeof msg);
            rc = sm_error_set(e, SM_ERR_INVALID, "invalid PostgreSQL connection string: %s", msg);
            goto out;
        }
        for (PQconninfoOption *p = o; p->keyword; p++)
            if (strcmp(p->keyword, "password") == 0 && p->val)
                rc = add_secret(c, p->val, e);
        PQconninfoFree(o);
        if (rc)
            goto out;
    }
    char timeout[16];
    int t = opts && opts->connect_timeout_s > 0 ? opts->connect_timeout_s : SM_PG_CONNECT_TIMEOUT;
    snprintf(timeout, sizeof timeout, "%d", t);
    /* Keywords before dbname are defaults the conninfo may override; those
     * after it are forced. */
    const char *kw[] = {
        "application_name", "connect_timeout", "dbname", "client_encoding", NULL, NULL};
    const char *val[] = {"smelt", timeout, conninfo && *conninfo ? conninfo : NULL,
                         "UTF8",  NULL,    NULL};
    if (opts && opts->connect_timeout_s > 0) {
        kw[4] = "connect_timeout";
        val[4] = timeout;
    }
    if (!val[2]) { /* no conninfo: skip the dbname slot, keep the rest */
        kw[2] = "client_encoding";
        val[2] = "UTF8";
        kw[3] = kw[4];
        val[3] = val[4];
        kw[4] = NULL;
    }
    c->pc = PQconnectdbParams(kw, val, 1);
    if (!c->pc) {
        rc = sm_error_nomem(e, "PostgreSQL connection");
        goto out;
    }
    if ((rc = add_secret(c, PQpass(c->pc), e)))
        goto out;
    c->notice_next = PQsetNoticeReceiver(c->pc, on_notice, c);
    set_where(c);
    if (PQstatus(c->pc) != CONNECTION_OK) {
        char msg[SM_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c->pc));
        mask_secrets(c, msg, sizeof msg);
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        rc = sm_error_set(e, SM_ERR_NETWORK, "cannot connect to PostgreSQL at %s: %s", c->where,
                          msg);
        if (e)
            e->retriable = !strstr(msg, "authentication") && !strstr(msg, "does not exist");
        goto out;
    }
    rc = run(c, "SET DateStyle = 'ISO'; SET TimeZone = 'UTC'; SET extra_float_digits = 3",
             "PostgreSQL session settings", e);
out:
    if (rc) {
        sm_pg_close(c);
        return rc;
    }
    *out = c;
    return SM_OK;
}

const char *sm_pg_where(const sm_pg_conn_t *c)
{
    return c->where;
}

int sm_pg_backend_pid(const sm_pg_conn_t *c)
{
    return PQbackendPID(c->pc);
}

bool sm_pg_reusable(sm_pg_conn_t *c)
{
    if (!c || !c->pc || PQstatus(c->pc) != CONNECTION_OK)
        return false;
    /* reads what the server sent while the connection sat idle: a server
     * that closes it (terminated backend, restart) sends a FATAL message,
     * then EOF, which a second read sees (a read that finds nothing does
     * not block) */
    for (int i = 0; i < 2; i++)
        if (!PQconsumeInput(c->pc) || PQstatus(c->pc) != CONNECTION_OK)
            return false;
    /* parsing what arrived hands a FATAL message to on_notice */
    if (PQisBusy(c->pc) || c->doomed)
        return false;
    PGTransactionStatusType ts = PQtransactionStatus(c->pc);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
        PGresult *r = PQexec(c->pc, "ROLLBACK");
        bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok)
            return false;
        ts = PQtransactionStatus(c->pc);
    }
    return ts == PQTRANS_IDLE && PQstatus(c->pc) == CONNECTION_OK;
}

sm_err_t sm_pg_exec(sm_pg_conn_t *c, const char *sql, sm_error_t *e)
{
    return run(c, sql, "PostgreSQL", e);
}

/* ---- schema discovery ---------------------------------------------------- */

/* Looks one type up in pg_type.  *found false when the OID is unknown. */
typedef struct typrow {
    char typtype, typcategory;
    uint32_t basetype, elem;
    int32_t typtypmod;
    int typlen;
} typrow_t;

static sm_err_t lookup_type(sm_pg_conn_t *c, uint32_t oid, typrow_t *t, sm_error_t *e)
{
    char s[16];
    snprintf(s, sizeof s, "%u", oid);
    const char *params[1] = {s};
    PGresult *r = PQexecParams(c->pc,
                               "SELECT typtype, typbasetype, typtypmod, typelem, typcategory, "
                               "typlen FROM pg_catalog.pg_type WHERE oid = $1::oid",
                               1, NULL, params, NULL, NULL, 0);
    sm_err_t rc = SM_OK;
    if (!r)
        return no_result(c, e);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = result_error(c, r, e, "looking up a PostgreSQL type");
    } else if (PQntuples(r) != 1) {
        rc = sm_error_set(e, SM_ERR_NOT_FOUND, "PostgreSQL type OID %u not found", oid);
    } else {
        t->typtype = PQgetvalue(r, 0, 0)[0];
        t->basetype = (uint32_t)strtoul(PQgetvalue(r, 0, 1), NULL, 10);
        t->typtypmod = (int32_t)strtol(PQgetvalue(r, 0, 2), NULL, 10);
        t->elem = (uint32_t)strtoul(PQgetvalue(r, 0, 3), NULL, 10);
        t->typcategory = PQgetvalue(r, 0, 4)[0];
        t->typlen = (int)strtol(PQgetvalue(r, 0, 5), NULL, 10);
    }
    PQclear(r);
    return rc;
}

/* PostgreSQL's name of a type (format_type), into an owned string. */
static char *type_name(sm_pg_conn_t *c, uint32_t oid, int32_t typmod)
{
    char so[16], sm[16];
    snprintf(so, sizeof so, "%u", oid);
    snprintf(sm, sizeof sm, "%d", (int)typmod);
    const char *params[2] = {so, sm};
    PGresult *r = PQexecParams(c->pc, "SELECT pg_catalog.format_type($1::oid, $2::int)", 2, NULL,
                               params, NULL, NULL, 0);
    char *name = NULL;
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
        name = sm_strdup(PQgetvalue(r, 0, 0));
    else {
        char buf[32];
        snprintf(buf, sizeof buf, "type OID %u", oid);
        name = sm_strdup(buf);
    }
    PQclear(r);
    return name;
}

/* Resolves a non-array type through domains and enums to a scalar kind.
 * *kind 0 = unsupported.  *typmod takes a domain's typmod when unset. */
static sm_err_t resolve_scalar(sm_pg_conn_t *c, uint32_t oid, int32_t *typmod, sm_pg_kind_t *kind,
                               bool allow_array, uint32_t *elem_oid, sm_pg_kind_t *elem_kind,
                               sm_error_t *e)
{
    *kind = 0;
    for (int depth = 0; depth < MAX_DOMAIN_DEPTH; depth++) {
        uint32_t eo;
        sm_pg_kind_t k, ek;
        if (sm_pg_builtin(oid, &k, &eo, &ek, NULL)) {
            if (k == SM_PG_ARRAY && !allow_array)
                return SM_OK;
            *kind = k;
            if (elem_oid) {
                *elem_oid = eo;
                *elem_kind = ek;
            }
            return SM_OK;
        }
        typrow_t t = {0};
        sm_err_t rc = lookup_type(c, oid, &t, e);
        if (rc)
            return rc;
        if (t.typtype == 'e') {
            *kind = SM_PG_TEXT;
            return SM_OK;
        }
        if (t.typtype == 'd') {
            if (*typmod < 0)
                *typmod = t.typtypmod;
            oid = t.basetype;
            continue;
        }
        if (allow_array && t.typcategory == 'A' && t.elem && t.typlen == -1) {
            sm_pg_kind_t k2;
            if ((rc = resolve_scalar(c, t.elem, typmod, &k2, false, NULL, NULL, e)))
                return rc;
            if (k2) {
                *kind = SM_PG_ARRAY;
                *elem_oid = t.elem;
                *elem_kind = k2;
            }
            return SM_OK;
        }
        return SM_OK; /* unsupported */
    }
    return SM_OK;
}

/* Describes sql; when table_oid != 0, NOT NULL columns of that table stay
 * non-nullable. */
static sm_err_t describe(sm_pg_conn_t *c, const char *sql, const char *what, bool table,
                         sm_pg_schema_t **out, sm_error_t *e)
{
    *out = NULL;
    sm_pg_schema_t *s = NULL;
    PGresult *nn = NULL;
    sm_err_t rc;
    PGresult *r = PQprepare(c->pc, "", sql, 0, NULL);
    if (!r)
        return no_result(c, e);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        rc = result_error(c, r, e, what);
        PQclear(r);
        return rc;
    }
    PQclear(r);
    r = PQdescribePrepared(c->pc, "");
    if (!r)
        return no_result(c, e);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        rc = result_error(c, r, e, what);
        goto out;
    }
    int n = PQnfields(r);
    if (n <= 0) {
        rc = sm_error_set(e, SM_ERR_INVALID, "%s: the statement returns no columns", what);
        goto out;
    }
    if ((rc = sm_pg_schema_alloc((size_t)n, &s, e)))
        goto out;
    if (table && PQftable(r, 0) != 0) {
        char so[16];
        snprintf(so, sizeof so, "%u", PQftable(r, 0));
        const char *params[1] = {so};
        nn = PQexecParams(c->pc,
                          "SELECT attnum, attnotnull FROM pg_catalog.pg_attribute "
                          "WHERE attrelid = $1::oid AND attnum > 0",
                          1, NULL, params, NULL, NULL, 0);
        if (!nn || PQresultStatus(nn) != PGRES_TUPLES_OK) {
            rc = nn ? result_error(c, nn, e, what) : no_result(c, e);
            goto out;
        }
    }
    for (int i = 0; i < n; i++) {
        sm_pg_column_t *col = &s->cols[i];
        col->name = sm_strdup(PQfname(r, i));
        col->oid = PQftype(r, i);
        col->typmod = PQfmod(r, i);
        col->nullable = true;
        if (!col->name) {
            rc = sm_error_nomem(e, "PostgreSQL schema");
            goto out;
        }
        if (nn && PQftable(r, i) == PQftable(r, 0)) {
            for (int k = 0; k < PQntuples(nn); k++)
                if (atoi(PQgetvalue(nn, k, 0)) == PQftablecol(r, i))
                    col->nullable = PQgetvalue(nn, k, 1)[0] != 't';
        }
        const char *bname = NULL;
        sm_pg_kind_t k, ek;
        uint32_t eo;
        if (sm_pg_builtin(col->oid, &k, &eo, &ek, &bname)) {
            col->kind = k;
            col->elem_oid = eo;
            col->elem_kind = ek;
            col->type_name = sm_strdup(bname);
        } else {
            rc = resolve_scalar(c, col->oid, &col->typmod, &col->kind, true, &col->elem_oid,
                                &col->elem_kind, e);
            if (rc)
                goto out;
            col->type_name = type_name(c, col->oid, PQfmod(r, i));
        }
        if (!col->type_name) {
            rc = sm_error_nomem(e, "PostgreSQL schema");
            goto out;
        }
        if (!col->kind) {
            rc = sm_error_set(e, SM_ERR_UNSUPPORTED,
                              "%s: column \"%s\" has PostgreSQL type %s, which smelt cannot read; "
                              "cast it in a query (e.g. \"%s\"::text)",
                              what, col->name, col->type_name, col->name);
            goto out;
        }
    }
    rc = sm_pg_schema_build_type(s, &c->types, e);
out:
    PQclear(r);
    PQclear(nn);
    if (rc) {
        sm_pg_schema_free(s);
        return rc;
    }
    *out = s;
    return SM_OK;
}

sm_err_t sm_pg_describe(sm_pg_conn_t *c, const char *sql, sm_pg_schema_t **out, sm_error_t *e)
{
    return describe(c, sql, "query", false, out, e);
}

/* ---- COPY ------------------------------------------------------------------ */

/* Stops a COPY that we no longer want and drains the connection. */
static void abandon_copy(sm_pg_conn_t *c)
{
    PGcancel *cn = PQgetCancel(c->pc);
    if (cn) {
        char err[256];
        PQcancel(cn, err, sizeof err);
        PQfreeCancel(cn);
    }
    char *buf;
    int n;
    while ((n = PQgetCopyData(c->pc, &buf, 0)) > 0)
        PQfreemem(buf);
    PGresult *r;
    while ((r = PQgetResult(c->pc)))
        PQclear(r);
}

static sm_err_t copy_lost(sm_pg_conn_t *c, const PGresult *r, const char *what, uint64_t rows,
                          sm_error_t *e)
{
    char msg[SM_ERROR_MSG_MAX], n[32];
    result_message(c, r, msg, sizeof msg);
    sm_pg_fmt_count(rows, n);
    if (connection_lost(c, r)) {
        sm_err_t rc = sm_error_set(e, SM_ERR_NETWORK,
                                   "PostgreSQL connection lost during COPY of %s after %s rows: %s",
                                   what, n, msg);
        if (e)
            e->retriable = true;
        return rc;
    }
    return sm_error_set(e, SM_ERR_INVALID, "PostgreSQL error during COPY of %s after %s rows: %s",
                        what, n, msg);
}

/* Runs `COPY (select) TO STDOUT (FORMAT binary)` and decodes it. */
static sm_err_t run_copy(sm_pg_conn_t *c, const char *select, const sm_pg_schema_t *schema,
                         const char *what, size_t batch_rows, sm_pg_batch_fn fn, void *ud,
                         uint64_t *rows, sm_error_t *e)
{
    sm_pg_decoder_t *d = NULL;
    sm_buf_t sql = SM_BUF_INIT;
    PGresult *r = NULL;
    sm_err_t rc = sm_pg_decoder_new(schema, what, batch_rows, fn, ud, &d, e);
    if (!rc)
        rc = sm_buf_printf(&sql, e, "COPY (%s) TO STDOUT (FORMAT binary)", select);
    if (rc)
        goto out;
    /* The extended protocol runs exactly one statement. */
    r = PQexecParams(c->pc, (const char *)sql.data, 0, NULL, NULL, NULL, NULL, 0);
    if (!r) {
        rc = no_result(c, e);
        goto out;
    }
    if (PQresultStatus(r) != PGRES_COPY_OUT) {
        rc = copy_lost(c, r, what, 0, e);
        goto out;
    }
    PQclear(r);
    r = NULL;
    for (;;) {
        char *buf = NULL;
        int n = PQgetCopyData(c->pc, &buf, 0);
        if (n > 0) {
            rc = sm_pg_decoder_feed(d, buf, (size_t)n, e);
            PQfreemem(buf);
            if (rc) {
                abandon_copy(c);
                goto out;
            }
            continue;
        }
        if (n == -1) { /* the COPY is over: its result says how */
            r = PQgetResult(c->pc);
            if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
                rc = copy_lost(c, r, what, sm_pg_decoder_rows(d), e);
                goto out;
            }
            break;
        }
        rc = copy_lost(c, NULL, what, sm_pg_decoder_rows(d), e);
        goto out;
    }
    rc = sm_pg_decoder_finish(d, e);
out:
    PQclear(r);
    if (c->pc && PQstatus(c->pc) == CONNECTION_OK) {
        PGresult *x;
        while ((x = PQgetResult(c->pc)))
            PQclear(x);
    }
    if (!rc && rows)
        *rows = sm_pg_decoder_rows(d);
    sm_pg_decoder_free(d);
    sm_buf_free(&sql);
    return rc;
}

/* ---- reads ------------------------------------------------------------------ */

void sm_pg_read_result_free(sm_pg_read_result_t *r)
{
    if (!r)
        return;
    sm_free(r->max_value);
    sm_pg_schema_free(r->schema);
    memset(r, 0, sizeof *r);
}

/* Appends a quoted identifier. */
static sm_err_t put_ident(sm_pg_conn_t *c, sm_buf_t *b, const char *id, size_t n, sm_error_t *e)
{
    char *q = PQescapeIdentifier(c->pc, id, n);
    if (!q) {
        char msg[256];
        result_message(c, NULL, msg, sizeof msg);
        return sm_error_set(e, SM_ERR_INVALID, "bad identifier: %s", msg);
    }
    sm_err_t rc = sm_buf_append_str(b, q, e);
    PQfreemem(q);
    return rc;
}

static sm_err_t put_literal(sm_pg_conn_t *c, sm_buf_t *b, const char *s, sm_error_t *e)
{
    char *q = PQescapeLiteral(c->pc, s, strlen(s));
    if (!q) {
        char msg[256];
        result_message(c, NULL, msg, sizeof msg);
        return sm_error_set(e, SM_ERR_INVALID, "bad literal: %s", msg);
    }
    sm_err_t rc = sm_buf_append_str(b, q, e);
    PQfreemem(q);
    return rc;
}

/* A copy of sql without trailing blanks and semicolons. */
static char *trim_sql(const char *sql)
{
    size_t n = strlen(sql);
    while (n && (sql[n - 1] == ';' || sql[n - 1] == ' ' || sql[n - 1] == '\n' ||
                 sql[n - 1] == '\t' || sql[n - 1] == '\r'))
        n--;
    return sm_strndup(sql, n);
}

typedef struct read_spec {
    const char *what;
    bool table;          /* from: a table (quoted), else a query */
    const char *from;    /* the table name or the query */
    bool read_only_only; /* console: READ ONLY, no snapshot isolation needed */
    uint64_t limit;      /* 0 = none */
} read_spec_t;

static sm_err_t build_select(sm_pg_conn_t *c, const read_spec_t *rs, const sm_pg_read_opts_t *o,
                             sm_buf_t *b, sm_error_t *e)
{
    sm_err_t rc;
    if (rs->table) {
        const char *dot = strchr(rs->from, '.');
        rc = sm_buf_append_str(b, "SELECT * FROM ", e);
        if (!rc && dot) {
            rc = put_ident(c, b, rs->from, (size_t)(dot - rs->from), e);
            if (!rc)
                rc = sm_buf_append_byte(b, '.', e);
        }
        if (!rc) {
            const char *name = dot ? dot + 1 : rs->from;
            rc = put_ident(c, b, name, strlen(name), e);
        }
    } else if (o && o->filter_value) {
        rc = sm_buf_printf(b, e, "SELECT * FROM (%s) AS q", rs->from);
    } else {
        rc = sm_buf_append_str(b, rs->from, e);
    }
    if (!rc && o && o->filter_column && o->filter_value) {
        rc = sm_buf_append_str(b, " WHERE ", e);
        if (!rc)
            rc = put_ident(c, b, o->filter_column, strlen(o->filter_column), e);
        if (!rc)
            rc = sm_buf_append_str(b, " > ", e);
        if (!rc)
            rc = put_literal(c, b, o->filter_value, e);
    }
    return rc;
}

static sm_err_t read_max(sm_pg_conn_t *c, const char *select, const char *column, const char *what,
                         char **out, sm_error_t *e)
{
    sm_buf_t sql = SM_BUF_INIT;
    sm_err_t rc = sm_buf_append_str(&sql, "SELECT max(", e);
    if (!rc)
        rc = put_ident(c, &sql, column, strlen(column), e);
    if (!rc)
        rc = sm_buf_printf(&sql, e, ")::text FROM (%s) AS q", select);
    if (rc) {
        sm_buf_free(&sql);
        return rc;
    }
    PGresult *r = PQexecParams(c->pc, (const char *)sql.data, 0, NULL, NULL, NULL, NULL, 0);
    sm_buf_free(&sql);
    if (!r)
        return no_result(c, e);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        char ctx[300];
        snprintf(ctx, sizeof ctx, "%s: high-water mark of \"%s\"", what, column);
        rc = result_error(c, r, e, ctx);
    } else if (!PQgetisnull(r, 0, 0) && !(*out = sm_strdup(PQgetvalue(r, 0, 0)))) {
        rc = sm_error_nomem(e, "high-water mark");
    }
    PQclear(r);
    return rc;
}

static sm_err_t do_read(sm_pg_conn_t *c, const read_spec_t *rs, const sm_pg_read_opts_t *o,
                        sm_pg_batch_fn fn, void *ud, sm_pg_read_result_t *res, sm_error_t *e)
{
    sm_pg_read_result_t tmp = {0};
    sm_buf_t select = SM_BUF_INIT, limited = SM_BUF_INIT;
    sm_err_t rc = SM_OK;
    bool in_tx = false;
    if (PQtransactionStatus(c->pc) != PQTRANS_IDLE) {
        rc = sm_error_set(e, SM_ERR_INVALID,
                          "%s: the PostgreSQL connection to %s is busy or in a "
                          "transaction",
                          rs->what, c->where);
        goto out;
    }
    if ((rc = build_select(c, rs, o, &select, e)))
        goto out;
    rc = run(c,
             rs->read_only_only ? "BEGIN READ ONLY"
                                : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
             rs->what, e);
    if (rc)
        goto out;
    in_tx = true;
    if ((rc = describe(c, (const char *)select.data, rs->what, rs->table, &tmp.schema, e)))
        goto out;
    if (o && o->on_schema && (rc = o->on_schema(ud, tmp.schema, e)))
        goto out;
    const char *copy_select = (const char *)select.data;
    if (rs->limit) {
        rc = sm_buf_printf(&limited, e, "SELECT * FROM (%s) AS q LIMIT %llu", copy_select,
                           (unsigned long long)rs->limit);
        if (rc)
            goto out;
        copy_select = (const char *)limited.data;
    }
    rc =
        run_copy(c, copy_select, tmp.schema, rs->what, o ? o->batch_rows : 0, fn, ud, &tmp.rows, e);
    if (rc)
        goto out;
    if (o && o->max_column &&
        (rc = read_max(c, (const char *)select.data, o->max_column, rs->what, &tmp.max_value, e)))
        goto out;
    rc = run(c, "COMMIT", rs->what, e);
    in_tx = false;
out:
    if (in_tx && PQstatus(c->pc) == CONNECTION_OK) {
        PGresult *r = PQexec(c->pc, "ROLLBACK");
        PQclear(r);
    }
    sm_buf_free(&select);
    sm_buf_free(&limited);
    if (rc)
        sm_pg_read_result_free(&tmp);
    if (res)
        *res = tmp;
    else
        sm_pg_read_result_free(&tmp);
    return rc;
}

sm_err_t sm_pg_read_table(sm_pg_conn_t *c, const char *table, const sm_pg_read_opts_t *opts,
                          sm_pg_batch_fn on_batch, void *ud, sm_pg_read_result_t *res,
                          sm_error_t *e)
{
    if (!table || !*table) {
        if (res)
            memset(res, 0, sizeof *res);
        return sm_error_set(e, SM_ERR_INVALID, "no table name given");
    }
    read_spec_t rs = {table, true, table, false, 0};
    return do_read(c, &rs, opts, on_batch, ud, res, e);
}

sm_err_t sm_pg_read_query(sm_pg_conn_t *c, const char *sql, const char *what,
                          const sm_pg_read_opts_t *opts, sm_pg_batch_fn on_batch, void *ud,
                          sm_pg_read_result_t *res, sm_error_t *e)
{
    char *q = trim_sql(sql ? sql : "");
    if (!q) {
        if (res)
            memset(res, 0, sizeof *res);
        return sm_error_nomem(e, "query");
    }
    read_spec_t rs = {what ? what : "query", false, q, false, 0};
    sm_err_t rc = do_read(c, &rs, opts, on_batch, ud, res, e);
    sm_free(q);
    return rc;
}

sm_err_t sm_pg_query_batches(sm_pg_conn_t *c, const char *sql, uint64_t max_rows,
                             sm_pg_batch_fn on_batch, void *ud, sm_pg_read_result_t *res,
                             sm_error_t *e)
{
    char *q = trim_sql(sql ? sql : "");
    if (!q) {
        if (res)
            memset(res, 0, sizeof *res);
        return sm_error_nomem(e, "query");
    }
    read_spec_t rs = {"query", false, q, true, max_rows};
    sm_err_t rc = do_read(c, &rs, NULL, on_batch, ud, res, e);
    sm_free(q);
    return rc;
}
