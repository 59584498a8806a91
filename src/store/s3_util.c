/* store/s3_util — the pure parts of the S3 backend: encoding, XML,
 * dates, retry schedule and error wording (see s3_int.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "store/s3_int.h"

/* ---- encoding ---- */

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

sm_err_t sm_s3_url_encode(sm_buf_t *out, const char *s, size_t n, bool keep_slash, sm_error_t *e)
{
    static const char hex[] = "0123456789ABCDEF";
    sm_err_t rc = sm_buf_reserve(out, n, e);
    for (size_t i = 0; !rc && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            rc = sm_buf_append_byte(out, c, e);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = sm_buf_append(out, esc, 3, e);
        }
    }
    return rc;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

sm_err_t sm_s3_url_decode(sm_buf_t *out, const char *s, size_t n, bool plus_space, sm_error_t *e)
{
    sm_err_t rc = sm_buf_reserve(out, n, e);
    for (size_t i = 0; !rc && i < n; i++) {
        char c = s[i];
        if (c == '+' && plus_space) {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return sm_error_set(e, SM_ERR_PARSE, "bad %%-escape at offset %zu of '%.*s'", i,
                                    (int)(n > 200 ? 200 : n), s);
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        rc = sm_buf_append_byte(out, (uint8_t)c, e);
    }
    return rc;
}

/* ---- XML ---- */

static const char *find_bytes(const char *p, const char *end, const char *needle, size_t n)
{
    if (n == 0 || p >= end || (size_t)(end - p) < n)
        return NULL;
    return memmem(p, (size_t)(end - p), needle, n);
}

bool sm_s3_xml_find(const char *p, const char *end, const char *name, const char **body,
                    size_t *body_len, const char **next)
{
    size_t nl = strlen(name);
    while (p && p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt || (size_t)(end - lt) < nl + 2)
            return false;
        p = lt + 1;
        if (memcmp(p, name, nl) != 0)
            continue;
        char after = p[nl];
        if (after != '>' && after != '/' && after != ' ' && after != '\t' && after != '\r' &&
            after != '\n')
            continue;
        const char *gt = memchr(p + nl, '>', (size_t)(end - (p + nl)));
        if (!gt)
            return false;
        if (gt[-1] == '/') { /* <name/> */
            *body = gt + 1;
            *body_len = 0;
            *next = gt + 1;
            return true;
        }
        char close[80];
        if (nl + 3 > sizeof close)
            return false;
        close[0] = '<';
        close[1] = '/';
        memcpy(close + 2, name, nl);
        close[nl + 2] = '>';
        const char *c = find_bytes(gt + 1, end, close, nl + 3);
        if (!c)
            return false;
        *body = gt + 1;
        *body_len = (size_t)(c - (gt + 1));
        *next = c + nl + 3;
        return true;
    }
    return false;
}

static sm_err_t append_utf8(sm_buf_t *out, uint32_t cp, sm_error_t *e)
{
    uint8_t b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xC0 | (cp >> 6));
        b[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xE0 | (cp >> 12));
        b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (uint8_t)(0xF0 | (cp >> 18));
        b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return sm_buf_append(out, b, n, e);
}

/* Decodes the entity at s[i] == '&'; sets *used to its length. */
static sm_err_t entity(sm_buf_t *out, const char *s, size_t n, size_t i, size_t *used,
                       sm_error_t *e)
{
    size_t j = i + 1;
    while (j < n && j - i <= 12 && s[j] != ';')
        j++;
    if (j >= n || s[j] != ';')
        return sm_error_set(e, SM_ERR_PARSE, "XML: unterminated entity at offset %zu", i);
    const char *name = s + i + 1;
    size_t len = j - i - 1;
    *used = j - i + 1;
    static const struct {
        const char *name;
        char c;
    } named[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++)
        if (strlen(named[k].name) == len && memcmp(name, named[k].name, len) == 0)
            return sm_buf_append_byte(out, (uint8_t)named[k].c, e);
    if (len >= 2 && name[0] == '#') {
        bool hexa = name[1] == 'x' || name[1] == 'X';
        size_t k = hexa ? 2 : 1;
        uint32_t cp = 0;
        if (k == len)
            goto bad;
        for (; k < len; k++) {
            int d =
                hexa ? hexval(name[k]) : (name[k] >= '0' && name[k] <= '9' ? name[k] - '0' : -1);
            if (d < 0 || cp > 0x10FFFF)
                goto bad;
            cp = cp * (hexa ? 16 : 10) + (uint32_t)d;
        }
        if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto bad;
        return append_utf8(out, cp, e);
    }
bad:
    return sm_error_set(e, SM_ERR_PARSE, "XML: bad entity '&%.*s;' at offset %zu", (int)len, name,
                        i);
}

sm_err_t sm_s3_xml_text(sm_buf_t *out, const char *s, size_t n, sm_error_t *e)
{
    sm_err_t rc = SM_OK;
    size_t i = 0;
    while (!rc && i < n) {
        if (s[i] == '&') {
            size_t used = 0;
            rc = entity(out, s, n, i, &used, e);
            i += used;
        } else if (s[i] == '<' && n - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0) {
            const char *endc = find_bytes(s + i + 9, s + n, "]]>", 3);
            if (!endc)
                return sm_error_set(e, SM_ERR_PARSE, "XML: unterminated CDATA at offset %zu", i);
            rc = sm_buf_append(out, s + i + 9, (size_t)(endc - (s + i + 9)), e);
            i = (size_t)(endc - s) + 3;
        } else {
            const char *amp = memchr(s + i, '&', n - i);
            const char *lt = memchr(s + i, '<', n - i);
            size_t stop = n;
            if (amp && (size_t)(amp - s) < stop)
                stop = (size_t)(amp - s);
            if (lt && (size_t)(lt - s) < stop)
                stop = (size_t)(lt - s);
            if (stop == i) { /* a stray '<' that is not CDATA: keep it */
                stop = i + 1;
            }
            rc = sm_buf_append(out, s + i, stop - i, e);
            i = stop;
        }
    }
    return rc;
}

bool sm_s3_xml_get(const char *xml, size_t n, const char *name, char *out, size_t cap)
{
    const char *body, *next;
    size_t len;
    if (cap == 0 || !sm_s3_xml_find(xml, xml + n, name, &body, &len, &next))
        return false;
    sm_buf_t b = SM_BUF_INIT;
    out[0] = '\0';
    if (sm_s3_xml_text(&b, body, len, NULL) == SM_OK && b.data) {
        size_t k = b.len < cap - 1 ? b.len : cap - 1;
        memcpy(out, b.data, k);
        out[k] = '\0';
    } else if (len > 0) {
        size_t k = len < cap - 1 ? len : cap - 1; /* raw, better than nothing */
        memcpy(out, body, k);
        out[k] = '\0';
    }
    sm_buf_free(&b);
    return true;
}

void sm_s3_listing_free(sm_s3_listing_t *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        sm_free(l->entries[i].key);
    sm_free(l->entries);
    sm_free(l->next_token);
    sm_free(l->last_key);
    memset(l, 0, sizeof *l);
}

/* The decoded text of raw content (url-decoded too when url), owned. */
static sm_err_t text_dup(const char *raw, size_t n, bool url, char **out, size_t *out_len,
                         sm_error_t *e)
{
    sm_buf_t a = SM_BUF_INIT, b = SM_BUF_INIT;
    sm_err_t rc = sm_s3_xml_text(&a, raw, n, e);
    if (!rc && url)
        rc = sm_s3_url_decode(&b, a.data ? (const char *)a.data : "", a.len, true, e);
    sm_buf_t *r = url ? &b : &a;
    if (!rc && !r->data)
        rc = sm_buf_reserve(r, 1, e);
    if (!rc) {
        *out_len = r->len;
        *out = (char *)sm_buf_detach(r, NULL);
    }
    sm_buf_free(&a);
    sm_buf_free(&b);
    return rc;
}

static bool has_nul(const char *s, size_t n)
{
    return memchr(s, '\0', n) != NULL;
}

static sm_err_t parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 20)
        return SM_ERR_PARSE;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return SM_ERR_PARSE;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return SM_ERR_PARSE;
        v = v * 10 + d;
    }
    *out = v;
    return SM_OK;
}

/* One <Contents> block into ent. */
static sm_err_t parse_contents(const char *p, size_t n, bool url, size_t index,
                               sm_store_entry_t *ent, sm_error_t *e)
{
    const char *body, *next, *end = p + n;
    size_t len, key_len = 0;
    if (!sm_s3_xml_find(p, end, "Key", &body, &len, &next))
        return sm_error_set(e, SM_ERR_PARSE, "ListObjectsV2: entry %zu has no <Key>", index);
    sm_err_t rc = text_dup(body, len, url, &ent->key, &key_len, e);
    if (rc)
        return sm_error_wrap(e, "ListObjectsV2: key of entry %zu", index);
    if (key_len == 0 || has_nul(ent->key, key_len))
        return sm_error_set(e, SM_ERR_PARSE, "ListObjectsV2: entry %zu has an empty or NUL key",
                            index);
    if (sm_s3_xml_find(p, end, "Size", &body, &len, &next) &&
        parse_u64(body, len, &ent->size) != SM_OK)
        return sm_error_set(e, SM_ERR_PARSE, "ListObjectsV2: bad <Size> '%.*s' of '%s'",
                            (int)(len > 40 ? 40 : len), body, ent->key);
    if (sm_s3_xml_find(p, end, "LastModified", &body, &len, &next)) {
        rc = sm_s3_parse_iso8601(body, len, &ent->mtime_ms, e);
        if (rc)
            return sm_error_wrap(e, "ListObjectsV2: LastModified of '%s'", ent->key);
    }
    return SM_OK;
}

sm_err_t sm_s3_parse_list(const char *xml, size_t n, size_t max_entries, sm_s3_listing_t *out,
                          sm_error_t *e)
{
    memset(out, 0, sizeof *out);
    const char *end = xml + n, *p = xml, *body, *next;
    size_t len, cap = 0, dummy;
    sm_err_t rc = SM_OK;
    if (!find_bytes(xml, end, "<ListBucketResult", 17))
        return sm_error_set(e, SM_ERR_PARSE, "ListObjectsV2: response has no <ListBucketResult>");
    bool url = false;
    if (sm_s3_xml_find(xml, end, "EncodingType", &body, &len, &next))
        url = len == 3 && memcmp(body, "url", 3) == 0;
    /* Scalars live outside <Contents>, but no key or token can hold a raw
     * '<', so scanning the whole body finds the top-level elements. */
    if (sm_s3_xml_find(xml, end, "IsTruncated", &body, &len, &next))
        out->truncated = len == 4 && memcmp(body, "true", 4) == 0;
    if (sm_s3_xml_find(xml, end, "NextContinuationToken", &body, &len, &next) && len > 0) {
        rc = text_dup(body, len, false, &out->next_token, &dummy, e);
        if (rc)
            goto out;
    }
    while (sm_s3_xml_find(p, end, "Contents", &body, &len, &next)) {
        p = next;
        if (out->count == max_entries) {
            rc = sm_error_set(e, SM_ERR_LIMIT, "ListObjectsV2: more than %zu entries in a page",
                              max_entries);
            goto out;
        }
        if (out->count == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            if (ncap > max_entries)
                ncap = max_entries;
            sm_store_entry_t *ne = sm_realloc(out->entries, ncap * sizeof *ne);
            if (!ne) {
                rc = sm_error_nomem(e, "list entries");
                goto out;
            }
            out->entries = ne;
            cap = ncap;
        }
        sm_store_entry_t *ent = &out->entries[out->count];
        memset(ent, 0, sizeof *ent);
        out->count++;
        rc = parse_contents(body, len, url, out->count - 1, ent, e);
        if (rc)
            goto out;
    }
    if (out->count > 0) {
        out->last_key = sm_strdup(out->entries[out->count - 1].key);
        if (!out->last_key)
            rc = sm_error_nomem(e, "list key");
    }
out:
    if (rc)
        sm_s3_listing_free(out);
    return rc;
}

/* ---- time ---- */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits(const char *s, size_t n, size_t at, size_t count, int *out)
{
    int v = 0;
    if (at + count > n)
        return -1;
    for (size_t i = at; i < at + count; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

sm_err_t sm_s3_parse_iso8601(const char *s, size_t n, int64_t *ms, sm_error_t *e)
{
    int y, mo, d, h, mi, sec, frac = 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (digits(s, n, 0, 4, &y) || n < 19 || s[4] != '-' || digits(s, n, 5, 2, &mo) || s[7] != '-' ||
        digits(s, n, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || digits(s, n, 11, 2, &h) ||
        s[13] != ':' || digits(s, n, 14, 2, &mi) || s[16] != ':' || digits(s, n, 17, 2, &sec))
        goto bad;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
        goto bad;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        goto bad;
    size_t i = 19;
    if (i < n && s[i] == '.') {
        size_t start = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (i - start < 3)
                frac = frac * 10 + (s[i] - '0');
            i++;
        }
        if (i == start)
            goto bad;
        for (size_t k = i - start; k < 3; k++)
            frac *= 10;
    }
    int64_t off_min = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (digits(s, n, i + 1, 2, &oh) || i + 3 >= n || s[i + 3] != ':' ||
            digits(s, n, i + 4, 2, &om) || oh > 23 || om > 59)
            goto bad;
        off_min = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
        i += 6;
    } else {
        goto bad;
    }
    if (i != n)
        goto bad;
    int64_t days = days_from_civil(y, mo, d);
    *ms = ((days * 86400 + h * 3600 + mi * 60 + sec) - off_min * 60) * 1000 + frac;
    return SM_OK;
bad:
    return sm_error_set(e, SM_ERR_PARSE, "bad ISO-8601 time '%.*s'", (int)(n > 40 ? 40 : n), s);
}

/* ---- retries ---- */

long sm_s3_backoff_ms(int attempt, long base_ms, long cap_ms, uint64_t rnd)
{
    if (attempt < 1)
        attempt = 1;
    if (base_ms < 1)
        base_ms = 1;
    if (cap_ms < base_ms)
        cap_ms = base_ms;
    long exp = base_ms;
    for (int i = 1; i < attempt && exp < cap_ms; i++)
        exp = exp > cap_ms / 2 ? cap_ms : exp * 2;
    if (exp > cap_ms)
        exp = cap_ms;
    long half = exp / 2;
    return half + (long)(rnd % (uint64_t)(exp - half + 1));
}

bool sm_s3_status_retriable(long status, const char *code)
{
    if (!code)
        code = "";
    if (strcmp(code, "SlowDown") == 0 || strcmp(code, "InternalError") == 0 ||
        strcmp(code, "RequestTimeout") == 0 || strcmp(code, "ServiceUnavailable") == 0)
        return true;
    if (status == 409 && strcmp(code, "ConditionalRequestConflict") == 0)
        return true;
    return status == 500 || status == 502 || status == 503 || status == 504 || status == 429 ||
           status == 408;
}

/* ---- errors ---- */

static bool auth_code(const char *code)
{
    static const char *const codes[] = {
        "AccessDenied",          "InvalidAccessKeyId",
        "SignatureDoesNotMatch", "InvalidToken",
        "InvalidTokenId",        "ExpiredToken",
        "TokenRefreshRequired",  "AuthorizationHeaderMalformed",
        "InvalidSecurity",       "AllAccessDisabled",
        "RequestTimeTooSkewed",
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(code, codes[i]) == 0)
            return true;
    return false;
}

static const char *auth_hint(const char *code)
{
    if (strcmp(code, "SignatureDoesNotMatch") == 0)
        return "the secret access key does not match";
    if (strcmp(code, "InvalidAccessKeyId") == 0)
        return "the server does not know this access key id";
    if (strstr(code, "Token"))
        return "the session token is invalid or expired";
    if (strcmp(code, "RequestTimeTooSkewed") == 0)
        return "this machine's clock is too far off";
    if (strcmp(code, "AuthorizationHeaderMalformed") == 0)
        return "wrong region?";
    return "not allowed";
}

sm_err_t sm_s3_fail(sm_error_t *e, const sm_s3_failure_t *f)
{
    const char *code = f->code ? f->code : "";
    const char *msg = f->message ? f->message : "";
    char tries[48] = "";
    if (f->attempts > 1)
        snprintf(tries, sizeof tries, " after %d attempts", f->attempts);
    char detail[400];
    if (*code && *msg)
        snprintf(detail, sizeof detail, "HTTP %ld %s: %s", f->status, code, msg);
    else if (*code)
        snprintf(detail, sizeof detail, "HTTP %ld %s", f->status, code);
    else
        snprintf(detail, sizeof detail, "HTTP %ld", f->status);
    sm_err_t rc;
    if (f->status == 0) {
        rc = sm_error_set(e, f->timed_out ? SM_ERR_TIMEOUT : SM_ERR_NETWORK, "%s: %s failed%s: %s",
                          f->uri, f->op, tries, f->net && *f->net ? f->net : "no response");
        if (e)
            e->retriable = true;
        return rc;
    }
    if (f->status == 403 || f->status == 401 || ((f->status == 400) && auth_code(code))) {
        if (!f->key_id)
            return sm_error_set(e, SM_ERR_IO,
                                "%s: %s refused: access denied to anonymous requests (%s); set "
                                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
                                f->uri, f->op, detail);
        return sm_error_set(e, SM_ERR_IO, "%s: %s refused for access key id '%s': %s (%s)", f->uri,
                            f->op, f->key_id, *code ? auth_hint(code) : "access denied", detail);
    }
    if (f->status == 404 && strcmp(code, "NoSuchBucket") == 0)
        return sm_error_set(e, SM_ERR_IO, "%s: %s failed: bucket '%s' does not exist", f->uri,
                            f->op, f->bucket ? f->bucket : "?");
    rc = sm_error_set(e, f->status == 404 ? SM_ERR_NOT_FOUND : SM_ERR_IO, "%s: %s failed%s: %s",
                      f->uri, f->op, tries, detail);
    if (e)
        e->retriable = sm_s3_status_retriable(f->status, code);
    return rc;
}
