/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lf/base62.h"
#include "lf/lfjson.h"

/* ---------------------------------------------------------------- string builder */

static bool str_reserve(struct zt_lf_str *s, size_t n)
{
	if (s->err)
		return false;
	if (s->len + n + 1 <= s->cap)
		return true;
	size_t cap = s->cap ? s->cap : 256;
	while (cap < s->len + n + 1) {
		if (cap > SIZE_MAX / 2) {
			s->err = true;
			return false;
		}
		cap *= 2;
	}
	char *p = realloc(s->p, cap);
	if (!p) {
		s->err = true;
		return false;
	}
	s->p = p;
	s->cap = cap;
	return true;
}

void zt_lf_str_append(struct zt_lf_str *s, const void *p, size_t n)
{
	if (!str_reserve(s, n))
		return;
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->p[s->len] = '\0';
}

void zt_lf_str_puts(struct zt_lf_str *s, const char *z)
{
	zt_lf_str_append(s, z, strlen(z));
}

void zt_lf_str_u64(struct zt_lf_str *s, uint64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof buf, "%" PRIu64, v);
	zt_lf_str_append(s, buf, (size_t)n);
}

char *zt_lf_str_take(struct zt_lf_str *s, size_t *len)
{
	char *p = s->err ? NULL : s->p;
	if (!p && !s->err)
		p = calloc(1, 1);
	if (len)
		*len = p ? s->len : 0;
	if (s->err)
		free(s->p);
	memset(s, 0, sizeof *s);
	return p;
}

void zt_lf_str_free(struct zt_lf_str *s)
{
	free(s->p);
	memset(s, 0, sizeof *s);
}

/* ---------------------------------------------------------------- output */

/* Length of the UTF-8 sequence at p (1..4) and its code point, or 0 if invalid. */
static size_t utf8_decode(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint8_t c = p[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

bool zt_lf_utf8_valid(const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		uint32_t cp;
		size_t k = utf8_decode(b, n, &cp);
		if (!k)
			return false;
		b += k;
		n -= k;
	}
	return true;
}

void zt_lf_json_string(struct zt_lf_str *s, const void *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *b = p;
	size_t start = 0, i = 0;
	zt_lf_str_append(s, "\"", 1);
	while (i < n) {
		uint32_t cp;
		size_t k = utf8_decode(b + i, n - i, &cp);
		const char *esc = NULL;
		char u[7];
		if (k == 0) {
			k = 1;
			esc = "\\ufffd"; /* not reached for Blobs, which are checked first */
		} else if (cp == '"') {
			esc = "\\\"";
		} else if (cp == '\\') {
			esc = "\\\\";
		} else if (cp == '\n') {
			esc = "\\n";
		} else if (cp == '\r') {
			esc = "\\r";
		} else if (cp == '\t') {
			esc = "\\t";
		} else if (cp < 0x20 || cp == '<' || cp == '>' || cp == '&') {
			memcpy(u, "\\u00", 4);
			u[4] = hex[cp >> 4];
			u[5] = hex[cp & 0xf];
			u[6] = '\0';
			esc = u;
		} else if (cp == 0x2028) {
			esc = "\\u2028";
		} else if (cp == 0x2029) {
			esc = "\\u2029";
		}
		if (esc) {
			zt_lf_str_append(s, b + start, i - start);
			zt_lf_str_puts(s, esc);
			start = i + k;
		}
		i += k;
	}
	zt_lf_str_append(s, b + start, n - start);
	zt_lf_str_append(s, "\"", 1);
}

static void json_base62(struct zt_lf_str *s, const char *prefix, const void *p, size_t n)
{
	char *t = zt_lf_base62_encode_alloc(p, n);
	if (!t) {
		s->err = true;
		return;
	}
	zt_lf_str_append(s, "\"", 1);
	zt_lf_str_puts(s, prefix);
	zt_lf_str_puts(s, t);
	zt_lf_str_append(s, "\"", 1);
	free(t);
}

void zt_lf_json_blob(struct zt_lf_str *s, const void *p, size_t n)
{
	if (zt_lf_utf8_valid(p, n))
		zt_lf_json_string(s, p, n);
	else
		json_base62(s, "\\b", p, n);
}

zt_err zt_lf_record_json(struct zt_lf_str *s, const struct zt_lf_record *r)
{
	zt_lf_str_puts(s, "{");
	if (r->value_len) {
		zt_lf_str_puts(s, "\"Value\":");
		zt_lf_json_blob(s, r->value, r->value_len);
		zt_lf_str_puts(s, ",");
	}
	zt_lf_str_puts(s, "\"Owner\":");
	json_base62(s, "@", r->owner, r->owner_len);
	if (r->link_count) {
		zt_lf_str_puts(s, ",\"Links\":[");
		for (unsigned i = 0; i < r->link_count && i < ZT_LF_RECORD_MAX_LINKS; i++) {
			if (i)
				zt_lf_str_puts(s, ",");
			json_base62(s, "=", r->links[i], ZT_LF_HASH_SIZE);
		}
		zt_lf_str_puts(s, "]");
	}
	zt_lf_str_puts(s, ",\"Timestamp\":");
	zt_lf_str_u64(s, r->timestamp);
	zt_lf_str_puts(s, ",\"PulseToken\":");
	zt_lf_str_u64(s, r->pulse_token);
	zt_lf_str_puts(s, ",\"Type\":");
	zt_lf_str_u64(s, r->type);
	if (r->selector_count) {
		zt_lf_str_puts(s, ",\"Selectors\":[");
		for (unsigned i = 0; i < r->selector_count && i < ZT_LF_RECORD_MAX_SELECTORS; i++) {
			zt_lf_str_puts(s, i ? ",{\"Ordinal\":" : "{\"Ordinal\":");
			json_base62(s, "\\b", r->selectors[i].ordinal, ZT_LF_ORDINAL_SIZE);
			zt_lf_str_puts(s, ",\"Claim\":");
			zt_lf_json_blob(s, r->selectors[i].claim, ZT_LF_CLAIM_SIZE);
			zt_lf_str_puts(s, "}");
		}
		zt_lf_str_puts(s, "]");
	}
	if (r->work_algorithm == ZT_LF_WORK_WHARRGARBL) {
		zt_lf_str_puts(s, ",\"Work\":");
		zt_lf_json_blob(s, r->work, ZT_LF_WORK_SIZE);
	}
	zt_lf_str_puts(s, ",\"WorkAlgorithm\":");
	zt_lf_str_u64(s, r->work_algorithm);
	if (r->signature_len) {
		zt_lf_str_puts(s, ",\"Signature\":");
		zt_lf_json_blob(s, r->signature, r->signature_len);
	}
	zt_lf_str_puts(s, "}");
	return s->err ? -ENOMEM : ZT_OK;
}

/* ---------------------------------------------------------------- input */

static bool is_num_char(char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* True for an integer literal that jansson's json_int_t (int64) cannot hold. */
static bool int_overflows(const char *t, size_t n)
{
	size_t i = 0;
	bool neg = false;
	if (n && t[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == n)
		return false;
	for (size_t k = i; k < n; k++)
		if (t[k] < '0' || t[k] > '9')
			return false;
	while (i < n - 1 && t[i] == '0')
		i++;
	static const char max[] = "9223372036854775807", min[] = "9223372036854775808";
	const char *lim = neg ? min : max;
	size_t digits = n - i;
	if (digits != strlen(max))
		return digits > strlen(max);
	return memcmp(t + i, lim, digits) > 0;
}

char *zt_lf_json_quote_u64(const char *in, size_t n, size_t *outlen)
{
	struct zt_lf_str s = { 0 };
	bool in_string = false;
	size_t i = 0, start = 0;
	while (i < n) {
		char c = in[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			i++;
			continue;
		}
		if (c == '"') {
			in_string = true;
			i++;
			continue;
		}
		if (c == '-' || (c >= '0' && c <= '9')) {
			size_t j = i;
			while (j < n && is_num_char(in[j]))
				j++;
			if (int_overflows(in + i, j - i)) {
				zt_lf_str_append(&s, in + start, i - start);
				zt_lf_str_append(&s, "\"", 1);
				zt_lf_str_append(&s, in + i, j - i);
				zt_lf_str_append(&s, "\"", 1);
				start = j;
			}
			i = j;
			continue;
		}
		i++;
	}
	zt_lf_str_append(&s, in + start, n - start);
	return zt_lf_str_take(&s, outlen);
}

json_t *zt_lf_json_loads(const char *text, size_t n, json_error_t *error)
{
	size_t len;
	char *q = zt_lf_json_quote_u64(text, n, &len);
	if (!q)
		return NULL;
	json_t *v = json_loadb(q, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, error);
	free(q);
	return v;
}

json_t *zt_lf_json_get(const json_t *obj, const char *name)
{
	const char *key;
	json_t *v, *found = NULL;
	if (!json_is_object(obj))
		return NULL;
	if ((v = json_object_get(obj, name)))
		return v;
	json_object_foreach((json_t *)obj, key, v)
		if (!found && !strcasecmp(key, name))
			found = v;
	return found;
}

zt_err zt_lf_json_u64(const json_t *v, uint64_t *out)
{
	*out = 0;
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < 0)
			return ZT_EMALFORMED;
		*out = (uint64_t)i;
		return ZT_OK;
	}
	if (!json_is_string(v))
		return ZT_EMALFORMED;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n == 0 || n > 20)
		return ZT_EMALFORMED;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return ZT_EMALFORMED;
		unsigned d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return ZT_EMALFORMED;
		x = x * 10 + d;
	}
	*out = x;
	return ZT_OK;
}

/* Decodes `n` characters of Base62 into a fresh buffer, bounded by `max` bytes. */
static zt_err base62_alloc(const char *s, size_t n, size_t max, uint8_t **out, size_t *outlen)
{
	*out = NULL;
	*outlen = 0;
	if (n == 0)
		return ZT_OK;
	/* k digits decode to at least about 0.74 k bytes: more than 2 max + 2 digits cannot fit. (Written
	 * as a division so that max = SIZE_MAX does not overflow.) */
	if (n > 2 && (n - 2) / 2 > max)
		return ZT_ETOOBIG;
	uint8_t *buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	zt_err err = zt_lf_base62_decode(buf, n, s, n, outlen);
	if (err == ZT_OK && *outlen > max)
		err = ZT_ETOOBIG;
	if (err != ZT_OK || *outlen == 0) {
		free(buf);
		buf = NULL;
		if (err == ZT_OK)
			*outlen = 0;
	}
	*out = buf;
	return err;
}

zt_err zt_lf_json_blob_decode(const json_t *v, size_t max, uint8_t **out, size_t *outlen)
{
	*out = NULL;
	*outlen = 0;
	if (!v || json_is_null(v))
		return ZT_OK;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		if (n && s[0] == '\b')
			return base62_alloc(s + 1, n - 1, max, out, outlen);
		if (n > max)
			return ZT_ETOOBIG;
		if (n == 0)
			return ZT_OK;
		if (!(*out = malloc(n)))
			return -ENOMEM;
		memcpy(*out, s, n);
		*outlen = n;
		return ZT_OK;
	}
	if (!json_is_array(v))
		return ZT_EMALFORMED;
	size_t n = json_array_size(v);
	if (n > max)
		return ZT_ETOOBIG;
	if (n == 0)
		return ZT_OK;
	uint8_t *buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);
		if (!json_is_integer(e) || json_integer_value(e) < 0 || json_integer_value(e) > 255) {
			free(buf);
			return ZT_EMALFORMED;
		}
		buf[i] = (uint8_t)json_integer_value(e);
	}
	*out = buf;
	*outlen = n;
	return ZT_OK;
}

/* A prefixed Base62 text ("@", "=") or a byte array, into a fresh buffer. */
static zt_err prefixed_decode(const json_t *v, char prefix, size_t max, uint8_t **out, size_t *outlen)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		if (n && s[0] == prefix) {
			s++;
			n--;
		}
		return base62_alloc(s, n, max, out, outlen);
	}
	return zt_lf_json_blob_decode(v, max, out, outlen);
}

/* Decoded bytes copied into a fixed field, zero-padded at the end (and cut if longer). */
static zt_err fixed_decode(const json_t *v, char prefix, uint8_t *field, size_t size)
{
	uint8_t *buf;
	size_t len;
	zt_err err = prefix ? prefixed_decode(v, prefix, ZT_LF_RECORD_MAX_SIZE, &buf, &len)
			    : zt_lf_json_blob_decode(v, ZT_LF_RECORD_MAX_SIZE, &buf, &len);
	if (err != ZT_OK)
		return err;
	memset(field, 0, size);
	if (len) /* buf is NULL for an empty value, and memcpy from NULL is undefined even for 0 bytes */
		memcpy(field, buf, len < size ? len : size);
	free(buf);
	return ZT_OK;
}

static zt_err small_u64(const json_t *v, uint64_t max, unsigned *out)
{
	uint64_t x = 0;
	zt_err err = v ? zt_lf_json_u64(v, &x) : ZT_OK;
	if (err == ZT_OK && x > max)
		err = ZT_EMALFORMED;
	*out = (unsigned)x;
	return err;
}

zt_err zt_lf_record_from_json(struct zt_lf_record *r, const json_t *obj)
{
	zt_err err = ZT_EMALFORMED;
	uint8_t *work = NULL;
	size_t work_len = 0;
	json_t *v;

	memset(r, 0, sizeof *r);
	if (!json_is_object(obj))
		return ZT_EMALFORMED;
	if ((v = zt_lf_json_get(obj, "ValueHash")) && !json_is_null(v) &&
	    !(json_is_string(v) && json_string_length(v) == 0) && !(json_is_array(v) && json_array_size(v) == 0))
		return ZT_EUNSUPPORTED;

	if ((err = zt_lf_json_blob_decode(zt_lf_json_get(obj, "Value"), ZT_LF_RECORD_MAX_SIZE, &r->value,
					  &r->value_len)) != ZT_OK)
		goto out;
	err = ZT_EMALFORMED;
	if (!(v = zt_lf_json_get(obj, "Owner")))
		goto out;
	if ((err = prefixed_decode(v, '@', ZT_LF_RECORD_MAX_SIZE, &r->owner, &r->owner_len)) != ZT_OK)
		goto out;

	if ((v = zt_lf_json_get(obj, "Links")) && !json_is_null(v)) {
		err = ZT_EMALFORMED;
		if (!json_is_array(v) || json_array_size(v) > ZT_LF_RECORD_MAX_LINKS)
			goto out;
		r->link_count = (unsigned)json_array_size(v);
		for (unsigned i = 0; i < r->link_count; i++)
			if ((err = fixed_decode(json_array_get(v, i), '=', r->links[i], ZT_LF_HASH_SIZE)) != ZT_OK)
				goto out;
	}

	err = ZT_EMALFORMED;
	if (!(v = zt_lf_json_get(obj, "Timestamp")) || zt_lf_json_u64(v, &r->timestamp) != ZT_OK)
		goto out;
	if ((v = zt_lf_json_get(obj, "PulseToken")) && zt_lf_json_u64(v, &r->pulse_token) != ZT_OK)
		goto out;
	if (small_u64(zt_lf_json_get(obj, "Type"), ZT_LF_TYPE_MAX, &r->type) != ZT_OK)
		goto out;

	if ((v = zt_lf_json_get(obj, "Selectors")) && !json_is_null(v)) {
		if (!json_is_array(v) || json_array_size(v) > ZT_LF_RECORD_MAX_SELECTORS)
			goto out;
		r->selector_count = (unsigned)json_array_size(v);
		for (unsigned i = 0; i < r->selector_count; i++) {
			json_t *sel = json_array_get(v, i);
			struct zt_lf_selector *s = &r->selectors[i];
			uint8_t *claim = NULL;
			size_t claim_len = 0;
			err = ZT_EMALFORMED;
			if (!json_is_object(sel))
				goto out;
			if ((err = fixed_decode(zt_lf_json_get(sel, "Ordinal"), 0, s->ordinal, ZT_LF_ORDINAL_SIZE)) != ZT_OK)
				goto out;
			err = zt_lf_json_blob_decode(zt_lf_json_get(sel, "Claim"), ZT_LF_CLAIM_SIZE, &claim, &claim_len);
			if (err == ZT_OK && (claim_len != ZT_LF_CLAIM_SIZE || claim[40] > 15))
				err = ZT_EMALFORMED;
			if (err == ZT_OK)
				memcpy(s->claim, claim, ZT_LF_CLAIM_SIZE);
			free(claim);
			if (err != ZT_OK)
				goto out;
		}
	}

	err = ZT_EMALFORMED;
	if (small_u64(zt_lf_json_get(obj, "WorkAlgorithm"), ZT_LF_WORK_WHARRGARBL, &r->work_algorithm) != ZT_OK)
		goto out;
	if ((err = zt_lf_json_blob_decode(zt_lf_json_get(obj, "Work"), ZT_LF_WORK_SIZE, &work, &work_len)) != ZT_OK)
		goto out;
	err = ZT_EMALFORMED;
	if (work_len != (r->work_algorithm == ZT_LF_WORK_WHARRGARBL ? ZT_LF_WORK_SIZE : 0))
		goto out;
	if (work_len)
		memcpy(r->work, work, ZT_LF_WORK_SIZE);

	err = zt_lf_json_blob_decode(zt_lf_json_get(obj, "Signature"), ZT_LF_RECORD_MAX_SIZE, &r->signature,
				     &r->signature_len);
out:
	free(work);
	if (err != ZT_OK)
		zt_lf_record_clear(r);
	return err;
}
