/*
 * tests/unit/serve/xmlcheck.h — a tiny well-formedness checker for the
 * XML smelt writes (SVG charts): balanced tags, quoted attributes, only
 * known entities, no raw '<' or '&' in text, valid UTF-8, no control
 * characters, exactly one root element.  Not a general XML parser.
 */
#ifndef SM_TEST_XMLCHECK_H
#define SM_TEST_XMLCHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"

static bool xml_entity_ok(const char *p, size_t n, size_t *len)
{
    static const char *names[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
    for (size_t i = 0; i < 5; i++) {
        size_t l = strlen(names[i]);
        if (n >= l && memcmp(p, names[i], l) == 0) {
            *len = l;
            return true;
        }
    }
    return false;
}

static bool xml_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == ':';
}

/* Returns NULL when well-formed, else a static description. */
static const char *xml_check(const char *s, size_t n)
{
    const char *stack[64];
    size_t slen[64], depth = 0, roots = 0, i = 0;
    if (!sm_str_utf8_valid(sm_str_make(s, n), NULL))
        return "invalid UTF-8";
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
            return "control character";
        if (c == '&') {
            size_t l;
            if (!xml_entity_ok(s + i, n - i, &l))
                return "bad entity";
            i += l;
            continue;
        }
        if (c == '>')
            return "raw '>' in text";
        if (c != '<') {
            if (depth == 0 && !sm_str_isspace_ascii(c))
                return "text outside the root";
            i++;
            continue;
        }
        i++;
        bool closing = i < n && s[i] == '/';
        if (closing)
            i++;
        size_t st = i;
        while (i < n && xml_name_char(s[i]))
            i++;
        if (i == st)
            return "empty tag name";
        const char *name = s + st;
        size_t nlen = i - st;
        if (closing) {
            if (i >= n || s[i] != '>' || depth == 0 || slen[depth - 1] != nlen ||
                memcmp(stack[depth - 1], name, nlen) != 0)
                return "mismatched closing tag";
            depth--;
            i++;
            continue;
        }
        for (;;) { /* attributes */
            while (i < n && sm_str_isspace_ascii((unsigned char)s[i]))
                i++;
            if (i >= n)
                return "unterminated tag";
            if (s[i] == '>' || (s[i] == '/' && i + 1 < n && s[i + 1] == '>'))
                break;
            size_t a = i;
            while (i < n && xml_name_char(s[i]))
                i++;
            if (i == a || i + 1 >= n || s[i] != '=' || s[i + 1] != '"')
                return "bad attribute";
            i += 2;
            while (i < n && s[i] != '"') {
                if (s[i] == '<')
                    return "'<' in attribute";
                if (s[i] == '&') {
                    size_t l;
                    if (!xml_entity_ok(s + i, n - i, &l))
                        return "bad entity in attribute";
                    i += l;
                    continue;
                }
                i++;
            }
            if (i >= n)
                return "unterminated attribute";
            i++;
        }
        if (depth == 0)
            roots++;
        if (s[i] == '/') {
            i += 2;
            continue;
        }
        if (depth == 64)
            return "too deep";
        stack[depth] = name;
        slen[depth++] = nlen;
        i++;
    }
    if (depth)
        return "unclosed element";
    if (roots != 1)
        return "not exactly one root element";
    return NULL;
}

#endif
