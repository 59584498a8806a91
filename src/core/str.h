/*
 * core/str — byte-string slices and the text helpers built on them.
 *
 * An sm_str_t is a borrowed view {p, n} of n bytes: it never owns memory,
 * need not be NUL-terminated, and may contain any bytes (including NUL).
 * Its lifetime is that of whatever it points into.  `p` may be NULL only
 * when n is 0.  Every function here accepts such an empty slice.
 *
 * What lives here:
 *   - comparison (bytewise and ASCII case-insensitive), prefix/suffix,
 *     trimming, splitting on a byte, ASCII case mapping;
 *   - UTF-8 validation (offset of the first bad sequence), decoding one
 *     code point, terminal display width (East-Asian wide = 2, combining
 *     marks = 0; the width table is derived from glibc's Unicode data);
 *   - strict number parsing (whole slice or an error saying why);
 *   - edit distance with a cap and a "did you mean" helper for errors;
 *   - constant-time comparison for secrets (tokens, signatures).
 *
 * Case handling is ASCII only and locale-independent: "É" is not folded.
 * Error messages quote at most the first 40 bytes of the offending text,
 * with non-printable bytes shown as \xNN.
 *
 * Threads: all functions are pure (no global state) and may be called from
 * any thread.
 */
#ifndef SM_CORE_STR_H
#define SM_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"

typedef struct sm_str {
    const char *p; /* first byte; may be NULL when n == 0 */
    size_t n;      /* length in bytes */
} sm_str_t;

/* A slice of a string literal: SM_STR_LIT("abc"). */
#define SM_STR_LIT(lit) ((sm_str_t){.p = "" lit, .n = sizeof(lit) - 1})
/* printf support: printf("%.*s", SM_STR_FMT(s)). Slices longer than INT_MAX
 * are not printable this way. */
#define SM_STR_FMT(s) (int)(s).n, (s).p

static inline sm_str_t sm_str_make(const char *p, size_t n)
{
    return (sm_str_t){.p = p, .n = n};
}

/* A slice of a NUL-terminated string (NULL gives the empty slice). */
static inline sm_str_t sm_str_c(const char *s)
{
    return (sm_str_t){.p = s, .n = s ? strlen(s) : 0};
}

static inline int sm_str_tolower_ascii(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static inline int sm_str_toupper_ascii(int c)
{
    return (c >= 'a' && c <= 'z') ? c - ('a' - 'A') : c;
}

/* ASCII whitespace: space, \t, \n, \v, \f, \r. */
static inline bool sm_str_isspace_ascii(int c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* ---- comparison -------------------------------------------------------- */

bool sm_str_eq(sm_str_t a, sm_str_t b);
/* Equal ignoring ASCII case. */
bool sm_str_eq_nocase(sm_str_t a, sm_str_t b);
/* Equal to a NUL-terminated string (NULL counts as ""). */
bool sm_str_eq_c(sm_str_t a, const char *b);
/* Bytewise (unsigned) order, a shorter prefix first: <0, 0, >0. */
int sm_str_cmp(sm_str_t a, sm_str_t b);
/* Same, with ASCII letters folded to lower case first. */
int sm_str_cmp_nocase(sm_str_t a, sm_str_t b);

bool sm_str_starts_with(sm_str_t s, sm_str_t prefix);
bool sm_str_ends_with(sm_str_t s, sm_str_t suffix);
bool sm_str_starts_with_nocase(sm_str_t s, sm_str_t prefix);
bool sm_str_ends_with_nocase(sm_str_t s, sm_str_t suffix);

/* Constant-time equality for secrets: the time taken depends only on the
 * lengths, never on where the bytes differ.  Different lengths compare
 * unequal (the length itself is not treated as secret). */
bool sm_str_secure_eq(sm_str_t a, sm_str_t b);
/* Constant-time comparison of n bytes; true when equal. */
bool sm_str_secure_memeq(const void *a, const void *b, size_t n);

/* ---- slicing ----------------------------------------------------------- */

/* Bytes [start, start+len) clamped to the slice (never out of bounds). */
sm_str_t sm_str_sub(sm_str_t s, size_t start, size_t len);
/* Removes ASCII whitespace on both ends / the left / the right. */
sm_str_t sm_str_trim(sm_str_t s);
sm_str_t sm_str_trim_left(sm_str_t s);
sm_str_t sm_str_trim_right(sm_str_t s);
/* Offset of the first byte c, or SIZE_MAX when absent. */
size_t sm_str_find_byte(sm_str_t s, char c);

/* Splitting on a byte, without allocation:
 *
 *     sm_str_splitter_t it = sm_str_splitter(line, ',');
 *     sm_str_t field;
 *     while (sm_str_split_next(&it, &field)) use(field);
 *
 * Each call stores the next field in *field (borrowing the input) and
 * returns true; false once every field was returned.  "a,,b" gives "a",
 * "", "b"; "a," gives "a", ""; the empty string gives one empty field. */
typedef struct sm_str_splitter {
    sm_str_t rest; /* not yet returned */
    char sep;
    bool done;
} sm_str_splitter_t;

static inline sm_str_splitter_t sm_str_splitter(sm_str_t s, char sep)
{
    return (sm_str_splitter_t){.rest = s, .sep = sep, .done = false};
}
bool sm_str_split_next(sm_str_splitter_t *it, sm_str_t *field);
/* Splits s into at most `max` fields stored in out[], *count set to the
 * number of fields.  More than `max` fields: SM_ERR_LIMIT (out[] then holds
 * the first max fields and *count is max).  The fields borrow s. */
sm_err_t sm_str_split(sm_str_t s, char sep, sm_str_t *out, size_t max, size_t *count,
                      sm_error_t *e);
/* Same into a new array (*out, freed by the caller with sm_free), which
 * always holds at least one field.  SM_ERR_NOMEM on failure (*out = NULL). */
sm_err_t sm_str_split_alloc(sm_str_t s, char sep, sm_str_t **out, size_t *count, sm_error_t *e);

/* ---- copies and case mapping ------------------------------------------- */

/* A NUL-terminated copy owned by the caller (sm_free); NULL when out of
 * memory. */
char *sm_str_dup(sm_str_t s);
/* ASCII case mapping in place over n bytes (other bytes untouched, so UTF-8
 * stays valid). */
void sm_str_lower(char *p, size_t n);
void sm_str_upper(char *p, size_t n);

/* ---- UTF-8 ------------------------------------------------------------- */

/* Decodes one code point from p[0..n) (n >= 1).  On success returns the code
 * point and sets *len to its byte length (1..4).  On an invalid sequence
 * (stray continuation byte, truncated sequence, overlong encoding, UTF-16
 * surrogate, value above U+10FFFF, bytes 0xC0/0xC1/0xF5..0xFF) returns -1
 * and sets *len to the number of bytes to skip (>= 1) so decoding can
 * resume.  n == 0 returns -1 with *len = 0. */
int32_t sm_str_utf8_decode(const char *p, size_t n, size_t *len);
/* True when s is well-formed UTF-8.  Otherwise false, and *bad_at (may be
 * NULL) is the byte offset where the first bad sequence starts. */
bool sm_str_utf8_valid(sm_str_t s, size_t *bad_at);
/* Same as an error: SM_ERR_PARSE "invalid UTF-8 at byte N".  `what` names
 * the text in the message ("column name"); may be NULL. */
sm_err_t sm_str_utf8_check(sm_str_t s, const char *what, sm_error_t *e);
/* Display width of one code point in a terminal: 0 for combining marks,
 * zero-width characters and control characters, 2 for East-Asian wide and
 * fullwidth characters (CJK, Hangul, most emoji), 1 otherwise. */
int sm_str_codepoint_width(uint32_t cp);
/* Display width of a UTF-8 string: the sum of its code points' widths.
 * Each invalid sequence (as skipped by sm_str_utf8_decode) counts 1: it
 * is shown as one replacement character. */
size_t sm_str_utf8_width(sm_str_t s);
/* Byte length of the longest prefix of s whose display width is at most
 * max_width, cut only between whole code points (for truncating cells). */
size_t sm_str_utf8_prefix_for_width(sm_str_t s, size_t max_width);

/* ---- strict number parsing --------------------------------------------- */
/*
 * The whole slice must be the number: no leading or trailing whitespace (trim
 * first if you want to allow it), no trailing garbage, not empty.  On failure
 * *out is left unchanged and e says why: SM_ERR_PARSE for malformed text
 * (with the offset of the first bad byte), SM_ERR_OVERFLOW for a value out of
 * range.
 */

/* [+-]?[0-9]+ in base 10, in [INT64_MIN, INT64_MAX].  "-0" is 0. */
sm_err_t sm_str_to_i64(sm_str_t s, int64_t *out, sm_error_t *e);
/* [+]?[0-9]+ in base 10, in [0, UINT64_MAX].  A minus sign is an error
 * (even "-0"), never a wrap-around. */
sm_err_t sm_str_to_u64(sm_str_t s, uint64_t *out, sm_error_t *e);
/* Decimal floating point: [+-]? (digits [. digits*] | . digits) ([eE][+-]?
 * digits)?, or inf / infinity / nan in any case with an optional sign.  Hex
 * floats and "nan(...)" are rejected.  A finite value too large for a
 * double is SM_ERR_OVERFLOW; too small rounds to a denormal or 0 (not an
 * error).  Uses strtod, so the C locale must be in effect (smelt never calls
 * setlocale for LC_NUMERIC).  Slices longer than 4096 bytes: SM_ERR_LIMIT. */
sm_err_t sm_str_to_double(sm_str_t s, double *out, sm_error_t *e);
/* true/false, yes/no, on/off, t/f, y/n, 1/0 — ASCII case-insensitive. */
sm_err_t sm_str_to_bool(sm_str_t s, bool *out, sm_error_t *e);

/* ---- edit distance ----------------------------------------------------- */

/* Optimal-string-alignment distance (Levenshtein plus transposition of two
 * adjacent bytes, "teh" -> "the" = 1) between a and b, bytewise.  Stops early
 * and returns cap + 1 as soon as the distance is known to exceed cap.
 * Strings longer than SM_STR_EDIT_MAX bytes are always "too far" (cap + 1).
 * Never allocates. */
#define SM_STR_EDIT_MAX 256
size_t sm_str_edit_distance(sm_str_t a, sm_str_t b, size_t cap);
/* Same, with ASCII letters compared case-insensitively. */
size_t sm_str_edit_distance_nocase(sm_str_t a, sm_str_t b, size_t cap);

/* The candidate closest to `word` (ASCII case-insensitive distance), if its
 * distance is at most max(1, word.n / 3); NULL otherwise.  Ties go to the
 * earliest candidate.  NULL entries in cands are skipped.  Used for
 *   unknown column "contry" (did you mean "country"?)
 * The result points into cands (not copied). */
const char *sm_str_did_you_mean(sm_str_t word, const char *const *cands, size_t n);
/* Same over slices; returns the index of the best candidate or SIZE_MAX. */
size_t sm_str_closest(sm_str_t word, const sm_str_t *cands, size_t n);

#endif
