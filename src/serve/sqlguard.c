/* serve/sqlguard — the SQL console's up-front read-only check, and the
 * access-token generator. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "core/str.h"
#include "serve/serve.h"

static const char *const ALLOWED_FIRST[] = {"SELECT",   "WITH", "VALUES",  "SHOW",
                                            "DESCRIBE", "DESC", "EXPLAIN", "TABLE"};
static const char *const WRITING[] = {
    "INSERT",  "UPDATE", "DELETE",    "MERGE",  "DROP",     "CREATE",  "ALTER",   "TRUNCATE",
    "GRANT",   "REVOKE", "COPY",      "VACUUM", "OPTIMIZE", "RESTORE", "CALL",    "LOAD",
    "ATTACH",  "DETACH", "REFRESH",   "SET",    "RESET",    "CACHE",   "UNCACHE", "MSCK",
    "ANALYZE", "USE",    "OVERWRITE", "EXPORT", "IMPORT",   "LOCK",    "UNLOCK",  "COMMENT"};

static bool in_list(const char *w, size_t n, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (sm_str_eq_nocase(sm_str_make(w, n), sm_str_c(list[i])))
            return true;
    return false;
}

static bool refuse(char *why, size_t cap, const char *fmt, const char *word, size_t n, size_t at)
{
    if (why && cap)
        snprintf(why, cap, fmt, (int)(n > 40 ? 40 : n), word, at);
    return false;
}

/* Skips a quoted run starting at s[i] (the opening quote q); returns the
 * offset after the closing quote, or len + 1 when unterminated. */
static size_t skip_quoted(const char *s, size_t len, size_t i, char q)
{
    for (i++; i < len; i++) {
        if (s[i] == '\\' && q != '`') {
            i++;
        } else if (s[i] == q) {
            if (i + 1 < len && s[i + 1] == q) {
                i++;
                continue;
            }
            return i + 1;
        }
    }
    return len + 1;
}

bool sm_serve_sql_readonly(const char *sql, size_t len, char *why, size_t cap)
{
    bool seen_first = false, ended = false;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)sql[i];
        if (sm_str_isspace_ascii(c)) {
            i++;
        } else if (c == '-' && i + 1 < len && sql[i + 1] == '-') {
            while (i < len && sql[i] != '\n')
                i++;
        } else if (c == '/' && i + 1 < len && sql[i + 1] == '*') {
            const char *end = memmem(sql + i + 2, len - i - 2, "*/", 2);
            if (!end)
                return refuse(why, cap, "unterminated comment%.*s at offset %zu", "", 0, i);
            i = (size_t)(end - sql) + 2;
        } else if (ended) {
            return refuse(why, cap,
                          "only one statement is allowed; text after ';'%.*s at offset %zu", "", 0,
                          i);
        } else if (c == ';') {
            ended = true;
            i++;
        } else if (c == '\'' || c == '"' || c == '`') {
            if (!seen_first)
                return refuse(why, cap, "a statement must start with SELECT%.*s (offset %zu)", "",
                              0, i);
            size_t j = skip_quoted(sql, len, i, (char)c);
            if (j > len)
                return refuse(why, cap, "unterminated quote%.*s at offset %zu", "", 0, i);
            i = j;
        } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_') {
            size_t st = i;
            while (i < len &&
                   ((sql[i] >= 'A' && sql[i] <= 'Z') || (sql[i] >= 'a' && sql[i] <= 'z') ||
                    (sql[i] >= '0' && sql[i] <= '9') || sql[i] == '_'))
                i++;
            if (!seen_first) {
                if (!in_list(sql + st, i - st, ALLOWED_FIRST,
                             sizeof ALLOWED_FIRST / sizeof ALLOWED_FIRST[0]))
                    return refuse(why, cap,
                                  "the console is read-only: '%.*s' at offset %zu is not allowed "
                                  "(only SELECT, WITH, VALUES, SHOW, DESCRIBE, EXPLAIN)",
                                  sql + st, i - st, st);
                seen_first = true;
            } else if (in_list(sql + st, i - st, WRITING, sizeof WRITING / sizeof WRITING[0])) {
                return refuse(why, cap,
                              "the console is read-only: '%.*s' at offset %zu is refused "
                              "(quote it with backticks if it is a column name)",
                              sql + st, i - st, st);
            }
        } else if (c == '(' && !seen_first) {
            i++;
        } else if (!seen_first) {
            return refuse(why, cap, "a statement must start with SELECT%.*s (offset %zu)", "", 0,
                          i);
        } else {
            i++;
        }
    }
    if (!seen_first)
        return refuse(why, cap, "empty statement%.*s (offset %zu)", "", 0, len);
    return true;
}

sm_err_t sm_serve_gen_token(size_t nbytes, char *out, size_t cap, sm_error_t *e)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t raw[48];
    if (nbytes < 8 || nbytes > sizeof raw || cap < 2 * nbytes + 1)
        return sm_error_set(e, SM_ERR_INVALID, "token: bad size %zu (8..48 bytes, cap %zu)", nbytes,
                            cap);
    size_t got = 0;
    while (got < nbytes) {
        ssize_t r = getrandom(raw + got, nbytes - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return sm_error_errno(e, errno, "token: getrandom");
        }
        got += (size_t)r;
    }
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * nbytes] = '\0';
    return SM_OK;
}
