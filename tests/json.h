/* tests/json.h - a small JSON reader for test programs (not library code).
 *
 *   json_value *v = json_parse_file(path);     NULL on I/O or syntax error
 *   json_get(obj, "key"), v->kind, v->str, v->num, v->items[i]/v->n
 *   json_free(v)
 *
 * Strings keep \uXXXX escapes below 0x80 decoded and others as UTF-8.
 * Objects are arrays of (key, value) pairs in document order. */
#ifndef GMTLS_TESTS_JSON_H
#define GMTLS_TESTS_JSON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ } json_kind;

typedef struct json_value {
    json_kind kind;
    double num;              /* JSON_NUM, JSON_BOOL (0/1) */
    char *str;               /* JSON_STR */
    size_t n;                /* JSON_ARR / JSON_OBJ element count */
    struct json_value **items; /* elements (arrays) or values (objects) */
    char **keys;             /* JSON_OBJ keys */
} json_value;

typedef struct {
    const char *p, *end;
    int depth;
} json_parser_;

static inline void json_free(json_value *v)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < v->n; i++) {
        json_free(v->items[i]);
        if (v->keys != NULL) {
            free(v->keys[i]);
        }
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

static inline void json_ws_(json_parser_ *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t')) {
        ps->p++;
    }
}

static inline int json_hex4_(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (unsigned)(c - '0');
        } else if ((c | 32) >= 'a' && (c | 32) <= 'f') {
            v |= (unsigned)((c | 32) - 'a' + 10);
        } else {
            return -1;
        }
    }
    *out = v;
    return 0;
}

/* Parses a string at ps->p (which is at the opening quote). */
static inline char *json_string_(json_parser_ *ps)
{
    ps->p++;
    size_t cap = 16, len = 0;
    char *s = malloc(cap);
    while (s != NULL && ps->p < ps->end && *ps->p != '"') {
        unsigned c = (unsigned char)*ps->p++;
        if (c < 0x20) {
            free(s);
            return NULL;
        }
        char enc[4];
        size_t elen = 1;
        enc[0] = (char)c;
        if (c == '\\') {
            if (ps->p >= ps->end) {
                free(s);
                return NULL;
            }
            char e = *ps->p++;
            switch (e) {
            case '"': enc[0] = '"'; break;
            case '\\': enc[0] = '\\'; break;
            case '/': enc[0] = '/'; break;
            case 'b': enc[0] = '\b'; break;
            case 'f': enc[0] = '\f'; break;
            case 'n': enc[0] = '\n'; break;
            case 'r': enc[0] = '\r'; break;
            case 't': enc[0] = '\t'; break;
            case 'u': {
                unsigned u;
                if (ps->end - ps->p < 4 || json_hex4_(ps->p, &u) != 0) {
                    free(s);
                    return NULL;
                }
                ps->p += 4;
                if (u < 0x80) {
                    enc[0] = (char)u;
                } else if (u < 0x800) {
                    enc[0] = (char)(0xc0 | (u >> 6));
                    enc[1] = (char)(0x80 | (u & 0x3f));
                    elen = 2;
                } else {
                    enc[0] = (char)(0xe0 | (u >> 12));
                    enc[1] = (char)(0x80 | ((u >> 6) & 0x3f));
                    enc[2] = (char)(0x80 | (u & 0x3f));
                    elen = 3;
                }
                break;
            }
            default:
                free(s);
                return NULL;
            }
        }
        if (len + elen + 1 > cap) {
            cap *= 2;
            char *ns = realloc(s, cap);
            if (ns == NULL) {
                free(s);
                return NULL;
            }
            s = ns;
        }
        memcpy(s + len, enc, elen);
        len += elen;
    }
    if (s == NULL || ps->p >= ps->end) {
        free(s);
        return NULL;
    }
    ps->p++; /* closing quote */
    s[len] = '\0';
    return s;
}

static inline json_value *json_value_(json_parser_ *ps);

static inline int json_push_(json_value *v, char *key, json_value *item)
{
    json_value **ni = realloc(v->items, (v->n + 1) * sizeof *ni);
    if (ni == NULL) {
        return -1;
    }
    v->items = ni;
    if (v->kind == JSON_OBJ) {
        char **nk = realloc(v->keys, (v->n + 1) * sizeof *nk);
        if (nk == NULL) {
            return -1;
        }
        v->keys = nk;
        v->keys[v->n] = key;
    }
    v->items[v->n++] = item;
    return 0;
}

static inline json_value *json_container_(json_parser_ *ps, json_kind kind)
{
    char close = kind == JSON_OBJ ? '}' : ']';
    json_value *v = calloc(1, sizeof *v);
    if (v == NULL || ++ps->depth > 64) {
        free(v);
        return NULL;
    }
    v->kind = kind;
    ps->p++;
    json_ws_(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        return v;
    }
    for (;;) {
        char *key = NULL;
        json_ws_(ps);
        if (kind == JSON_OBJ) {
            if (ps->p >= ps->end || *ps->p != '"' || (key = json_string_(ps)) == NULL) {
                json_free(v);
                return NULL;
            }
            json_ws_(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                json_free(v);
                return NULL;
            }
            ps->p++;
        }
        json_value *item = json_value_(ps);
        if (item == NULL || json_push_(v, key, item) != 0) {
            free(key);
            json_free(item);
            json_free(v);
            return NULL;
        }
        json_ws_(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            ps->depth--;
            return v;
        }
        json_free(v);
        return NULL;
    }
}

static inline json_value *json_value_(json_parser_ *ps)
{
    json_ws_(ps);
    if (ps->p >= ps->end) {
        return NULL;
    }
    char c = *ps->p;
    if (c == '{') {
        return json_container_(ps, JSON_OBJ);
    }
    if (c == '[') {
        return json_container_(ps, JSON_ARR);
    }
    json_value *v = calloc(1, sizeof *v);
    if (v == NULL) {
        return NULL;
    }
    if (c == '"') {
        v->kind = JSON_STR;
        if ((v->str = json_string_(ps)) == NULL) {
            free(v);
            return NULL;
        }
        return v;
    }
    static const struct {
        const char *word;
        json_kind kind;
        double num;
    } words[] = {{"true", JSON_BOOL, 1}, {"false", JSON_BOOL, 0}, {"null", JSON_NULL, 0}};
    for (size_t i = 0; i < 3; i++) {
        size_t wl = strlen(words[i].word);
        if ((size_t)(ps->end - ps->p) >= wl && memcmp(ps->p, words[i].word, wl) == 0) {
            ps->p += wl;
            v->kind = words[i].kind;
            v->num = words[i].num;
            return v;
        }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        char tmp[64];
        size_t n = 0;
        while (ps->p < ps->end && n < sizeof tmp - 1 && strchr("+-0123456789.eE", *ps->p) != NULL) {
            tmp[n++] = *ps->p++;
        }
        tmp[n] = '\0';
        char *endp;
        v->kind = JSON_NUM;
        v->num = strtod(tmp, &endp);
        if (*endp == '\0') {
            return v;
        }
    }
    free(v);
    return NULL;
}

static inline json_value *json_parse(const char *text, size_t len)
{
    json_parser_ ps = {text, text + len, 0};
    json_value *v = json_value_(&ps);
    json_ws_(&ps);
    if (v != NULL && ps.p != ps.end) {
        json_free(v);
        return NULL;
    }
    return v;
}

static inline json_value *json_parse_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap) {
            break;
        }
        char *nb = realloc(buf, cap * 2);
        if (nb == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    if (buf == NULL) {
        return NULL;
    }
    json_value *v = json_parse(buf, len);
    free(buf);
    return v;
}

/* Member of an object by key, or NULL. */
static inline const json_value *json_get(const json_value *obj, const char *key)
{
    if (obj == NULL || obj->kind != JSON_OBJ) {
        return NULL;
    }
    for (size_t i = 0; i < obj->n; i++) {
        if (strcmp(obj->keys[i], key) == 0) {
            return obj->items[i];
        }
    }
    return NULL;
}

/* String member or NULL. */
static inline const char *json_get_str(const json_value *obj, const char *key)
{
    const json_value *v = json_get(obj, key);
    return v != NULL && v->kind == JSON_STR ? v->str : NULL;
}

#endif
