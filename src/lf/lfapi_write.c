/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing the JSON objects of LF's HTTP API by hand (lf.md §3.4): requests for the client, answers
 * for a server. Field order and omissions follow the reference node, so a mirror answers byte for
 * byte what the reference would; numbers are written as exact unsigned 64-bit decimals, which
 * jansson cannot do above 2^63-1.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/base62.h"
#include "lf/lfapi_json.h"

static void put_b62(struct zt_lf_str *s, const char *prefix, const void *p, size_t n)
{
	char *t = zt_lf_base62_encode_alloc(p, n);
	if (!t) {
		s->err = true;
		return;
	}
	zt_lf_str_puts(s, "\"");
	zt_lf_str_puts(s, prefix);
	zt_lf_str_puts(s, t);
	zt_lf_str_puts(s, "\"");
	free(t);
}

/* A Blob as the reference writes it; an empty one is "" (and never a NULL pointer to the codec). */
static void put_blob(struct zt_lf_str *s, const void *p, size_t n)
{
	if (n)
		zt_lf_json_blob(s, p, n);
	else
		zt_lf_str_puts(s, "\"\"");
}

/*
 * A Blob that reads back to exactly these bytes: text that happens to start with U+0008 would be
 * taken for Base62 by the reader (lf.md §2.12), so such bytes go out in the Base62 form.
 */
static void put_blob_exact(struct zt_lf_str *s, const void *p, size_t n)
{
	if (n && ((const uint8_t *)p)[0] == '\b')
		put_b62(s, "\\b", p, n);
	else
		put_blob(s, p, n);
}

static void put_owner(struct zt_lf_str *s, const uint8_t *pub, size_t len)
{
	put_b62(s, "@", pub, len);
}

static void put_hash(struct zt_lf_str *s, const uint8_t hash[static ZT_LF_HASH_SIZE])
{
	put_b62(s, "=", hash, ZT_LF_HASH_SIZE);
}

static void put_bool(struct zt_lf_str *s, bool v)
{
	zt_lf_str_puts(s, v ? "true" : "false");
}

static void put_long(struct zt_lf_str *s, long v)
{
	char buf[24];
	int n = snprintf(buf, sizeof buf, "%ld", v);
	zt_lf_str_append(s, buf, (size_t)n);
}

static zt_err result(const struct zt_lf_str *s)
{
	return s->err ? -ENOMEM : ZT_OK;
}

/* ---------------------------------------------------------------- floats */

void zt_lfapi_write_float(struct zt_lf_str *s, double v)
{
	char buf[40], digits[24], out[64];
	int exp10 = 0, p;
	size_t nd = 0, o = 0;

	if (!isfinite(v) || v == 0) {
		zt_lf_str_puts(s, "0"); /* Go refuses NaN and Inf; 0 is the only sane stand-in */
		return;
	}
	if (v < 0) {
		out[o++] = '-';
		v = -v;
	}
	/* The shortest %e form that reads back exactly, as Go's strconv does with precision -1. */
	for (p = 1; p <= 17; p++) {
		snprintf(buf, sizeof buf, "%.*e", p - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	for (const char *c = buf; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			digits[nd++] = *c;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	exp10 = atoi(strchr(buf, 'e') + 1);

	if (v < 1e-6 || v >= 1e21) {
		/* Go's 'e' form, with encoding/json's e-07 -> e-7 clean-up. */
		out[o++] = digits[0];
		if (nd > 1) {
			out[o++] = '.';
			memcpy(out + o, digits + 1, nd - 1);
			o += nd - 1;
		}
		o += (size_t)snprintf(out + o, sizeof out - o, exp10 < 0 ? "e-%d" : "e+%02d", abs(exp10));
	} else if (exp10 < 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (int i = 0; i < -exp10 - 1; i++)
			out[o++] = '0';
		memcpy(out + o, digits, nd);
		o += nd;
	} else {
		for (int i = 0; i <= exp10; i++)
			out[o++] = (size_t)i < nd ? digits[i] : '0';
		if ((size_t)exp10 + 1 < nd) {
			out[o++] = '.';
			memcpy(out + o, digits + exp10 + 1, nd - (size_t)exp10 - 1);
			o += nd - (size_t)exp10 - 1;
		}
	}
	zt_lf_str_append(s, out, o);
}

/* ---------------------------------------------------------------- requests */

static void put_owner_list(struct zt_lf_str *s, const char *key, const struct zt_lf_owner_id *o, unsigned n)
{
	zt_lf_str_puts(s, key);
	zt_lf_str_puts(s, "[");
	for (unsigned i = 0; i < n; i++) {
		if (i)
			zt_lf_str_puts(s, ",");
		put_owner(s, o[i].pub, o[i].len);
	}
	zt_lf_str_puts(s, "]");
}

zt_err zt_lfapi_query_write(struct zt_lf_str *s, const struct zt_lf_query *q)
{
	if (q->nranges == 0 || q->nranges > ZT_LF_MAX_QUERY_RANGES)
		return ZT_EINVALID;
	for (unsigned i = 0; i < q->nranges; i++)
		if (!q->ranges[i].by_key && (!q->ranges[i].name || q->ranges[i].name_len == 0))
			return ZT_EINVALID; /* the node would drop a range with an empty name */

	zt_lf_str_puts(s, "{\"Ranges\":[");
	for (unsigned i = 0; i < q->nranges; i++) {
		const struct zt_lf_query_range *r = &q->ranges[i];
		zt_lf_str_puts(s, i ? ",{" : "{");
		if (r->by_key) {
			zt_lf_str_puts(s, "\"KeyRange\":[");
			put_b62(s, "\\b", r->key_lo, sizeof r->key_lo);
			if (memcmp(r->key_lo, r->key_hi, sizeof r->key_lo)) {
				zt_lf_str_puts(s, ",");
				put_b62(s, "\\b", r->key_hi, sizeof r->key_hi);
			}
		} else {
			zt_lf_str_puts(s, "\"Name\":");
			put_blob_exact(s, r->name, r->name_len);
			zt_lf_str_puts(s, ",\"Range\":[");
			zt_lf_str_u64(s, r->lo);
			if (r->hi != r->lo) {
				zt_lf_str_puts(s, ",");
				zt_lf_str_u64(s, r->hi);
			}
		}
		zt_lf_str_puts(s, "]}");
	}
	zt_lf_str_puts(s, "]");
	if (q->time_range) {
		zt_lf_str_puts(s, ",\"TimeRange\":[");
		zt_lf_str_u64(s, q->time_min);
		zt_lf_str_puts(s, ",");
		zt_lf_str_u64(s, q->time_max);
		zt_lf_str_puts(s, "]");
	}
	if (q->masking_key_set) {
		zt_lf_str_puts(s, ",\"MaskingKey\":");
		put_blob_exact(s, q->masking_key, q->masking_key_len);
	}
	if (q->nowners)
		put_owner_list(s, ",\"Owners\":", q->owners, q->nowners);
	if (q->open)
		zt_lf_str_puts(s, ",\"Open\":true");
	if (q->noracles)
		put_owner_list(s, ",\"Oracles\":", q->oracles, q->noracles);
	zt_lf_str_puts(s, "}");
	return result(s);
}

zt_err zt_lfapi_make_write(struct zt_lf_str *s, const struct zt_lf_make_request *m)
{
	bool has_private = m->owner_private && m->owner_private_len;
	if (m->nselectors > ZT_LF_RECORD_MAX_SELECTORS || (!has_private && !m->passphrase) ||
	    (m->passphrase && !zt_lf_utf8_valid(m->passphrase, strlen(m->passphrase))))
		return ZT_EINVALID;

	zt_lf_str_puts(s, "{");
	const char *sep = "";
	if (m->nselectors) {
		zt_lf_str_puts(s, "\"Selectors\":[");
		for (unsigned i = 0; i < m->nselectors; i++) {
			zt_lf_str_puts(s, i ? ",{\"Name\":" : "{\"Name\":");
			put_blob_exact(s, m->selectors[i].name, m->selectors[i].name_len);
			zt_lf_str_puts(s, ",\"Ordinal\":");
			zt_lf_str_u64(s, m->selectors[i].ordinal);
			zt_lf_str_puts(s, "}");
		}
		zt_lf_str_puts(s, "]");
		sep = ",";
	}
	if (m->value_len) {
		zt_lf_str_puts(s, sep);
		zt_lf_str_puts(s, "\"Value\":");
		put_blob_exact(s, m->value, m->value_len);
		sep = ",";
	}
	if (has_private) {
		zt_lf_str_puts(s, sep);
		zt_lf_str_puts(s, "\"OwnerPrivate\":");
		put_blob_exact(s, m->owner_private, m->owner_private_len);
		sep = ",";
	}
	if (m->masking_key_set) {
		zt_lf_str_puts(s, sep);
		zt_lf_str_puts(s, "\"MaskingKey\":");
		put_blob_exact(s, m->masking_key, m->masking_key_len);
		sep = ",";
	}
	if (m->passphrase) {
		zt_lf_str_puts(s, sep);
		zt_lf_str_puts(s, "\"Passphrase\":");
		zt_lf_json_string(s, m->passphrase, strlen(m->passphrase));
		sep = ",";
	}
	if (m->timestamp) {
		zt_lf_str_puts(s, sep);
		zt_lf_str_puts(s, "\"Timestamp\":");
		zt_lf_str_u64(s, m->timestamp);
		sep = ",";
	}
	if (m->pulse_if_unchanged) {
		zt_lf_str_puts(s, sep);
		zt_lf_str_puts(s, "\"PulseIfUnchanged\":true");
	}
	zt_lf_str_puts(s, "}");
	return result(s);
}

/* ---------------------------------------------------------------- answers */

zt_err zt_lfapi_error_write(struct zt_lf_str *s, long code, const char *message, const char *type)
{
	zt_lf_str_puts(s, "{\"Code\":");
	put_long(s, code);
	if (message && message[0]) {
		zt_lf_str_puts(s, ",\"Message\":");
		zt_lf_json_string(s, message, strlen(message));
	}
	if (type && type[0]) {
		zt_lf_str_puts(s, ",\"ErrTypeName\":");
		zt_lf_json_string(s, type, strlen(type));
	}
	zt_lf_str_puts(s, "}");
	return result(s);
}

static void put_text_field(struct zt_lf_str *s, const char *key, const char *v)
{
	if (!v || !v[0])
		return;
	zt_lf_str_puts(s, key);
	zt_lf_json_string(s, v, strlen(v));
}

static void put_genesis(struct zt_lf_str *s, const struct zt_lf_genesis_params *g)
{
	zt_lf_str_puts(s, "{\"ID\":[");
	for (size_t i = 0; i < sizeof g->id; i++) {
		if (i)
			zt_lf_str_puts(s, ",");
		zt_lf_str_u64(s, g->id[i]);
	}
	zt_lf_str_puts(s, "]");
	if (g->namendable_fields) {
		zt_lf_str_puts(s, ",\"AmendableFields\":[");
		for (size_t i = 0; i < g->namendable_fields; i++) {
			if (i)
				zt_lf_str_puts(s, ",");
			zt_lf_json_string(s, g->amendable_fields[i], strlen(g->amendable_fields[i]));
		}
		zt_lf_str_puts(s, "]");
	}
	put_text_field(s, ",\"Name\":", g->name);
	put_text_field(s, ",\"Contact\":", g->contact);
	put_text_field(s, ",\"Comment\":", g->comment);
	if (g->auth_certificates_len) {
		zt_lf_str_puts(s, ",\"AuthCertificates\":");
		put_blob(s, g->auth_certificates, g->auth_certificates_len);
	}
	if (g->revoked_auth_certificates_len) {
		zt_lf_str_puts(s, ",\"RevokedAuthCertificates\":");
		put_blob(s, g->revoked_auth_certificates, g->revoked_auth_certificates_len);
	}
	zt_lf_str_puts(s, ",\"AuthRequired\":");
	put_bool(s, g->auth_required);
	zt_lf_str_puts(s, ",\"RecordMinLinks\":");
	zt_lf_str_u64(s, g->record_min_links);
	zt_lf_str_puts(s, ",\"RecordMaxValueSize\":");
	zt_lf_str_u64(s, g->record_max_value_size);
	zt_lf_str_puts(s, ",\"RecordMaxTimeDrift\":");
	zt_lf_str_u64(s, g->record_max_time_drift);
	zt_lf_str_puts(s, "}");
}

zt_err zt_lfapi_status_write(struct zt_lf_str *s, const struct zt_lf_status *st)
{
	zt_lf_str_puts(s, "{\"Software\":");
	zt_lf_json_string(s, st->software, strlen(st->software));
	zt_lf_str_puts(s, ",\"Version\":[");
	for (int i = 0; i < 4; i++) {
		if (i)
			zt_lf_str_puts(s, ",");
		zt_lf_str_u64(s, st->version[i]);
	}
	zt_lf_str_puts(s, "],\"APIVersion\":");
	put_long(s, st->api_version);
	zt_lf_str_puts(s, ",\"MinAPIVersion\":");
	put_long(s, st->min_api_version);
	zt_lf_str_puts(s, ",\"MaxAPIVersion\":");
	put_long(s, st->max_api_version);
	zt_lf_str_puts(s, ",\"Uptime\":");
	zt_lf_str_u64(s, st->uptime);
	zt_lf_str_puts(s, ",\"Clock\":");
	zt_lf_str_u64(s, st->clock);
	zt_lf_str_puts(s, ",\"RecordCount\":");
	zt_lf_str_u64(s, st->record_count);
	zt_lf_str_puts(s, ",\"DataSize\":");
	zt_lf_str_u64(s, st->data_size);
	zt_lf_str_puts(s, ",\"FullySynchronized\":");
	put_bool(s, st->fully_synchronized);
	/* Not omitempty in the reference: an empty Blob is the empty string. */
	zt_lf_str_puts(s, ",\"GenesisRecords\":");
	put_blob(s, st->genesis_records, st->genesis_records_len);
	zt_lf_str_puts(s, ",\"GenesisParameters\":");
	put_genesis(s, &st->genesis);
	if (st->has_oracle) {
		zt_lf_str_puts(s, ",\"Oracle\":");
		put_owner(s, st->oracle.pub, st->oracle.len);
	}
	zt_lf_str_puts(s, ",\"P2PPort\":");
	put_long(s, st->p2p_port);
	zt_lf_str_puts(s, ",\"LocalTestMode\":");
	put_bool(s, st->local_test_mode);
	if (st->identity_len) {
		zt_lf_str_puts(s, ",\"Identity\":");
		put_blob(s, st->identity, st->identity_len);
	}
	if (st->npeers) {
		zt_lf_str_puts(s, ",\"Peers\":[");
		for (size_t i = 0; i < st->npeers; i++) {
			const struct zt_lf_peer *p = &st->peers[i];
			zt_lf_str_puts(s, i ? ",{\"IP\":" : "{\"IP\":");
			zt_lf_json_string(s, p->ip, strlen(p->ip));
			zt_lf_str_puts(s, ",\"Port\":");
			put_long(s, p->port);
			zt_lf_str_puts(s, ",\"Identity\":");
			put_blob(s, p->identity, p->identity_len);
			zt_lf_str_puts(s, "}");
		}
		zt_lf_str_puts(s, "]");
	}
	zt_lf_str_puts(s, "}");
	return result(s);
}

static void put_blob_list(struct zt_lf_str *s, const char *key, const struct zt_lf_blob *b, size_t n)
{
	if (!n)
		return;
	zt_lf_str_puts(s, key);
	zt_lf_str_puts(s, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			zt_lf_str_puts(s, ",");
		put_blob(s, b[i].p, b[i].n);
	}
	zt_lf_str_puts(s, "]");
}

zt_err zt_lfapi_owner_status_write(struct zt_lf_str *s, const struct zt_lf_owner_status *os)
{
	const char *type = zt_lf_owner_type_name(os->type);
	zt_lf_str_puts(s, "{\"Owner\":");
	put_owner(s, os->owner.pub, os->owner.len);
	if (type) {
		zt_lf_str_puts(s, ",\"OwnerType\":");
		zt_lf_json_string(s, type, strlen(type));
	}
	put_blob_list(s, ",\"Certificates\":", os->certificates, os->ncertificates);
	put_blob_list(s, ",\"RevokedCertificates\":", os->revoked_certificates, os->nrevoked_certificates);
	zt_lf_str_puts(s, ",\"HasCurrentCertificate\":");
	put_bool(s, os->has_current_certificate);
	zt_lf_str_puts(s, ",\"AuthRequired\":");
	put_bool(s, os->auth_required);
	zt_lf_str_puts(s, ",\"RecordCount\":");
	zt_lf_str_u64(s, os->record_count);
	zt_lf_str_puts(s, ",\"RecordBytes\":");
	zt_lf_str_u64(s, os->record_bytes);
	if (os->nlinks) {
		zt_lf_str_puts(s, ",\"NewRecordLinks\":[");
		for (size_t i = 0; i < os->nlinks; i++) {
			if (i)
				zt_lf_str_puts(s, ",");
			put_hash(s, os->links[i]);
		}
		zt_lf_str_puts(s, "]");
	}
	zt_lf_str_puts(s, ",\"ServerTime\":");
	zt_lf_str_u64(s, os->server_time);
	zt_lf_str_puts(s, "}");
	return result(s);
}

static zt_err put_entry(struct zt_lf_str *s, const struct zt_lf_query_entry *e)
{
	zt_lf_str_puts(s, "{\"Hash\":");
	put_hash(s, e->hash);
	zt_lf_str_puts(s, ",\"Size\":");
	zt_lf_str_u64(s, e->size);
	zt_lf_str_puts(s, ",\"Record\":");
	zt_err err = zt_lf_record_json(s, &e->record);
	if (err != ZT_OK)
		return err;
	if (e->has_value && e->value_len) {
		zt_lf_str_puts(s, ",\"Value\":");
		put_blob(s, e->value, e->value_len);
	}
	zt_lf_str_puts(s, ",\"Pulse\":");
	zt_lf_str_u64(s, e->pulse);
	zt_lf_str_puts(s, ",\"Trust\":");
	zt_lfapi_write_float(s, e->trust);
	zt_lf_str_puts(s, ",\"LocalTrust\":");
	zt_lfapi_write_float(s, e->local_trust);
	zt_lf_str_puts(s, ",\"OracleTrust\":");
	zt_lfapi_write_float(s, e->oracle_trust);
	zt_lf_str_puts(s, ",\"Weight\":[");
	for (int i = 0; i < 4; i++) {
		if (i)
			zt_lf_str_puts(s, ",");
		zt_lf_str_u64(s, e->weight[i]);
	}
	zt_lf_str_puts(s, "],\"Signed\":");
	put_bool(s, e->is_signed);
	zt_lf_str_puts(s, "}");
	return result(s);
}

zt_err zt_lfapi_query_result_write(struct zt_lf_str *s, const struct zt_lf_query_result *qr)
{
	if (qr->nsets == 0) {
		zt_lf_str_puts(s, "null");
		return result(s);
	}
	zt_lf_str_puts(s, "[");
	for (size_t i = 0; i < qr->nsets; i++) {
		zt_lf_str_puts(s, i ? ",[" : "[");
		for (size_t j = 0; j < qr->sets[i].n; j++) {
			if (j)
				zt_lf_str_puts(s, ",");
			zt_err err = put_entry(s, &qr->sets[i].entries[j]);
			if (err != ZT_OK)
				return err;
		}
		zt_lf_str_puts(s, "]");
	}
	zt_lf_str_puts(s, "]");
	return result(s);
}

zt_err zt_lfapi_make_result_write(struct zt_lf_str *s, const struct zt_lf_make_result *mr)
{
	zt_lf_str_puts(s, "{");
	if (mr->has_pulse) {
		char b64[ZT_LF_PULSE_BASE64_MAX];
		zt_lf_pulse_base64(b64, mr->pulse);
		zt_lf_str_puts(s, "\"Pulse\":");
		zt_lf_json_string(s, b64, strlen(b64));
		zt_lf_str_puts(s, ",");
	}
	if (mr->has_record) {
		zt_lf_str_puts(s, "\"Record\":");
		zt_err err = zt_lf_record_json(s, &mr->record);
		if (err != ZT_OK)
			return err;
		zt_lf_str_puts(s, ",");
	}
	zt_lf_str_puts(s, "\"Accepted\":");
	put_bool(s, mr->accepted);
	zt_lf_str_puts(s, "}");
	return result(s);
}
