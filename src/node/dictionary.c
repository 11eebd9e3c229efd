/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dictionary.h"
#include "hex.h"

#define ESCAPE_CHAR '\\'

void zt_dict_init(struct zt_dict *d)
{
	memset(d, 0, sizeof *d);
}

void zt_dict_free(struct zt_dict *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->e[i].value);
	free(d->e);
	zt_dict_init(d);
}

static bool needs_escape(uint8_t c)
{
	return c == 0 || c == '\r' || c == '\n' || c == ESCAPE_CHAR || c == '=';
}

/* The byte a writer puts after the backslash for c (needs_escape(c) must hold). */
static uint8_t escape_code(uint8_t c)
{
	switch (c) {
	case 0: return '0';
	case '\r': return 'r';
	case '\n': return 'n';
	case '=': return 'e';
	default: return c;
	}
}

/* Inverse of escape_code; any other byte stands for itself (so "\\" is a backslash). */
static uint8_t unescape_code(uint8_t c)
{
	switch (c) {
	case '0': return 0;
	case 'r': return '\r';
	case 'n': return '\n';
	case 'e': return '=';
	default: return c;
	}
}

static size_t escaped_len(const uint8_t *v, size_t n)
{
	size_t r = n;
	for (size_t i = 0; i < n; i++)
		r += needs_escape(v[i]);
	return r;
}

/* Serialized size of one entry without the separating newline. */
static size_t entry_size(size_t keylen, const uint8_t *v, size_t n)
{
	return keylen + 1 + escaped_len(v, n);
}

static struct zt_dict_entry *find(const struct zt_dict *d, const char *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->e[i].key, key))
			return &d->e[i];
	return NULL;
}

static bool key_valid(const char *key, size_t keylen)
{
	if (keylen == 0 || keylen > ZT_DICT_MAX_KEY_LEN)
		return false;
	for (size_t i = 0; i < keylen; i++)
		if (key[i] == '=' || key[i] == '\r' || key[i] == '\n')
			return false;
	return true;
}

static uint8_t *copy_value(const void *value, size_t len)
{
	uint8_t *v = malloc(len + 1);
	if (!v)
		return NULL;
	if (len)
		memcpy(v, value, len);
	v[len] = 0;
	return v;
}

/* Appends a new entry (the key is known to be valid and absent). */
static zt_err append(struct zt_dict *d, const char *key, size_t keylen, const void *value, size_t len)
{
	size_t grow = (d->n ? 1 : 0) + entry_size(keylen, value, len);
	if (d->n >= ZT_DICT_MAX_ENTRIES || grow > ZT_DICT_MAX_SIZE - d->size)
		return ZT_ETOOBIG;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct zt_dict_entry *e = realloc(d->e, cap * sizeof *e);
		if (!e)
			return -ENOMEM;
		d->e = e;
		d->cap = cap;
	}
	uint8_t *v = copy_value(value, len);
	if (!v)
		return -ENOMEM;
	struct zt_dict_entry *e = &d->e[d->n++];
	memcpy(e->key, key, keylen);
	e->key[keylen] = '\0';
	e->value = v;
	e->len = len;
	d->size += grow;
	return ZT_OK;
}

zt_err zt_dict_parse(struct zt_dict *d, const uint8_t *data, size_t len)
{
	zt_err err = ZT_OK;
	uint8_t *scratch = NULL;
	char key[ZT_DICT_MAX_KEY_LEN + 1];
	bool stop = false;

	zt_dict_free(d);
	if (len > ZT_DICT_MAX_SIZE)
		return ZT_ETOOBIG;
	/* An unescaped value is never longer than the input, so one scratch buffer serves every entry. */
	scratch = malloc(len + 1);
	if (!scratch)
		return -ENOMEM;

	struct zt_buf b = zt_buf_init(data, len);
	while (!stop && zt_buf_left(&b)) {
		size_t keylen = 0, vlen = 0;
		bool have_eq = false, esc = false;
		uint8_t c;

		while (!have_eq) {
			if (!zt_buf_left(&b) || (c = zt_buf_u8(&b)) == 0) {
				stop = true;
				break;
			}
			if (c == '\r' || c == '\n')
				break;
			if (c == '=')
				have_eq = true;
			else if (keylen++ < ZT_DICT_MAX_KEY_LEN)
				key[keylen - 1] = (char)c;
		}
		if (!have_eq)
			continue; /* a line without '=' carries nothing (1.x skips it too) */

		/* The value runs to an unescaped CR/LF; a backslash takes the next byte, whatever it is. */
		for (;;) {
			if (!zt_buf_left(&b) || (c = zt_buf_u8(&b)) == 0) {
				stop = true;
				break;
			}
			if (esc) {
				scratch[vlen++] = unescape_code(c);
				esc = false;
			} else if (c == ESCAPE_CHAR) {
				esc = true;
			} else if (c == '\r' || c == '\n') {
				break;
			} else {
				scratch[vlen++] = c;
			}
		}

		if (keylen == 0)
			continue;
		if (keylen > ZT_DICT_MAX_KEY_LEN) {
			err = ZT_ETOOBIG;
			goto out;
		}
		key[keylen] = '\0';
		if (find(d, key))
			continue; /* 1.x's lookup finds the first occurrence; later ones are dead */
		err = append(d, key, keylen, scratch, vlen);
		if (err)
			goto out;
	}
out:
	free(scratch);
	if (err)
		zt_dict_free(d);
	return err;
}

zt_err zt_dict_serialize(const struct zt_dict *d, struct zt_wbuf *w)
{
	for (size_t i = 0; i < d->n && !w->err; i++) {
		const struct zt_dict_entry *e = &d->e[i];
		if (i)
			zt_wbuf_u8(w, '\n');
		zt_wbuf_put(w, e->key, strlen(e->key));
		zt_wbuf_u8(w, '=');
		size_t run = 0; /* bytes not yet written that need no escaping */
		for (size_t j = 0; j < e->len; j++) {
			if (!needs_escape(e->value[j]))
				continue;
			zt_wbuf_put(w, e->value + run, j - run);
			zt_wbuf_u8(w, ESCAPE_CHAR);
			zt_wbuf_u8(w, escape_code(e->value[j]));
			run = j + 1;
		}
		zt_wbuf_put(w, e->value + run, e->len - run);
	}
	return w->err ? ZT_ENOSPACE : ZT_OK;
}

const uint8_t *zt_dict_get(const struct zt_dict *d, const char *key, size_t *len)
{
	const struct zt_dict_entry *e = find(d, key);
	if (!e)
		return NULL;
	if (len)
		*len = e->len;
	return e->value;
}

const char *zt_dict_get_str(const struct zt_dict *d, const char *key)
{
	size_t len;
	const uint8_t *v = zt_dict_get(d, key, &len);
	if (!v || memchr(v, 0, len))
		return NULL;
	return (const char *)v;
}

/*
 * Permissive hex reading in the manner of strtoull(s, NULL, 16), which 1.x uses: optional blanks,
 * sign and "0x", then digits up to the first non-hex byte. The magnitude saturates.
 */
static uint64_t parse_hex(const uint8_t *v, size_t len, bool *negative)
{
	size_t i = 0;
	uint64_t r = 0;
	bool saturated = false;
	*negative = false;
	while (i < len && (v[i] == ' ' || v[i] == '\t'))
		i++;
	if (i < len && (v[i] == '-' || v[i] == '+'))
		*negative = v[i++] == '-';
	if (i + 2 < len && v[i] == '0' && (v[i + 1] == 'x' || v[i + 1] == 'X') && zt_hex_digit(v[i + 2]) >= 0)
		i += 2;
	for (; i < len && zt_hex_digit(v[i]) >= 0; i++) {
		if (r >> 60)
			saturated = true;
		r = (r << 4) | (uint64_t)zt_hex_digit(v[i]);
	}
	return saturated ? UINT64_MAX : r;
}

uint64_t zt_dict_get_u64(const struct zt_dict *d, const char *key, uint64_t dflt)
{
	size_t len;
	bool neg;
	const uint8_t *v = zt_dict_get(d, key, &len);
	if (!v)
		return dflt;
	uint64_t r = parse_hex(v, len, &neg);
	return neg ? (uint64_t)0 - r : r;
}

int64_t zt_dict_get_i64(const struct zt_dict *d, const char *key, int64_t dflt)
{
	size_t len;
	bool neg;
	const uint8_t *v = zt_dict_get(d, key, &len);
	if (!v)
		return dflt;
	uint64_t r = parse_hex(v, len, &neg);
	if (neg)
		return r > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)r;
	return r > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)r;
}

bool zt_dict_get_bool(const struct zt_dict *d, const char *key, bool dflt)
{
	size_t len;
	const uint8_t *v = zt_dict_get(d, key, &len);
	if (!v || !len)
		return dflt;
	return v[0] == '1' || v[0] == 't' || v[0] == 'T' || v[0] == 'y' || v[0] == 'Y';
}

zt_err zt_dict_set(struct zt_dict *d, const char *key, const void *value, size_t len)
{
	size_t keylen = strnlen(key, ZT_DICT_MAX_KEY_LEN + 1);
	if (!key_valid(key, keylen))
		return ZT_EINVALID;
	if (len > ZT_DICT_MAX_SIZE)
		return ZT_ETOOBIG;
	struct zt_dict_entry *e = find(d, key);
	if (!e)
		return append(d, key, keylen, value, len);

	size_t old = entry_size(keylen, e->value, e->len);
	size_t new = entry_size(keylen, value, len);
	if (new > old && new - old > ZT_DICT_MAX_SIZE - d->size)
		return ZT_ETOOBIG;
	uint8_t *v = copy_value(value, len);
	if (!v)
		return -ENOMEM;
	free(e->value);
	e->value = v;
	e->len = len;
	d->size = d->size - old + new;
	return ZT_OK;
}

zt_err zt_dict_set_str(struct zt_dict *d, const char *key, const char *value)
{
	return zt_dict_set(d, key, value, strlen(value));
}

static void format_hex16(char out[static ZT_DICT_INT_DIGITS], uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	for (int i = ZT_DICT_INT_DIGITS - 1; i >= 0; i--, v >>= 4)
		out[i] = digits[v & 15];
}

zt_err zt_dict_set_u64(struct zt_dict *d, const char *key, uint64_t value)
{
	char s[ZT_DICT_INT_DIGITS];
	format_hex16(s, value);
	return zt_dict_set(d, key, s, sizeof s);
}

zt_err zt_dict_set_i64(struct zt_dict *d, const char *key, int64_t value)
{
	char s[1 + ZT_DICT_INT_DIGITS];
	if (value >= 0)
		return zt_dict_set_u64(d, key, (uint64_t)value);
	s[0] = '-';
	format_hex16(s + 1, (uint64_t)0 - (uint64_t)value);
	return zt_dict_set(d, key, s, sizeof s);
}

zt_err zt_dict_set_bool(struct zt_dict *d, const char *key, bool value)
{
	return zt_dict_set(d, key, value ? "1" : "0", 1);
}

zt_err zt_dict_remove(struct zt_dict *d, const char *key)
{
	struct zt_dict_entry *e = find(d, key);
	if (!e)
		return ZT_ENOTFOUND;
	size_t i = (size_t)(e - d->e);
	d->size -= entry_size(strlen(e->key), e->value, e->len) + (d->n > 1 ? 1 : 0);
	free(e->value);
	memmove(&d->e[i], &d->e[i + 1], (d->n - i - 1) * sizeof *e);
	d->n--;
	return ZT_OK;
}

bool zt_dict_equal(const struct zt_dict *a, const struct zt_dict *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct zt_dict_entry *x = &a->e[i], *y = &b->e[i];
		if (strcmp(x->key, y->key) || x->len != y->len || memcmp(x->value, y->value, x->len))
			return false;
	}
	return true;
}
