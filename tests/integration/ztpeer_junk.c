/* SPDX-License-Identifier: Apache-2.0 */
/* ztpeer: raw bytes and generated bad input for the root (raw, junk). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "node/crypto.h"
#include "node/hex.h"
#include "ztpeer.h"

#define ZTP_OVERSIZE_LEN 10100
#define ZTP_RANDOM_MAX_LEN 1500
#define ZTP_BADFRAG_PAYLOAD 32
#define ZTP_BADFRAG_TOTAL 8 /* more than ZT_MAX_PACKET_FRAGMENTS */
#define ZTP_COLLISION_LINGER_MS 2000 /* wait for the ERROR(IDENTITY_COLLISION) */

const char *const ztp_junk_kinds[] = {
	"truncated", "badmac", "reserved", "badfragment", "oversize", "random", "helloflood", "collision", NULL,
};

static uint32_t rnd(uint32_t below) { return below ? (uint32_t)(zt_random_u64() % below) : 0; }

/* A fresh valid HELLO from us to the root. */
static long valid_hello(struct ztp *z, uint8_t *out, size_t cap)
{
	return ztp_build_hello(z, out, cap, &z->self, &z->root->key, z->root->id.address, &z->root_path);
}

/* A reserved source address: 0000000000 or ff followed by 32 random bits. */
static uint64_t reserved_address(unsigned i)
{
	return i % 2 ? 0 : (0xffULL << 32) | (zt_random_u64() & 0xffffffffULL);
}

/*
 * Packets whose source is reserved but whose MAC is correct for the root: a HELLO carrying our
 * public key under the reserved address (so the agreed key is ours), or a cipher-1 WHOIS.
 */
static long reserved_packet(struct ztp *z, uint8_t *out, size_t cap, unsigned i)
{
	struct zt_identity fake = z->self;
	fake.address = reserved_address(i);
	long len;
	if (i % 4 < 2) {
		len = ztp_build_hello(z, out, cap, &fake, &z->root->key, z->root->id.address, &z->root_path);
	} else {
		len = (long)zt_packet_init(out, zt_random_u64(), z->root->id.address, fake.address, ZT_VERB_WHOIS);
		zt_put_be40(out + len, z->root->id.address);
		len += ZT_ADDRESS_LENGTH;
		zt_err err = zt_packet_armor(out, (size_t)len, &z->root->key, ZT_CIPHER_POLY1305_SALSA2012);
		if (err)
			len = err;
	}
	zt_identity_wipe(&fake);
	return len;
}

/* Fragments with index >= total or total > 7, to the root and (every other one) to be relayed. */
static long bad_fragment(struct ztp *z, uint8_t *out, unsigned i)
{
	static const uint8_t variants[][2] = { /* total, index */
		{ ZTP_BADFRAG_TOTAL, ZTP_BADFRAG_TOTAL }, { ZTP_BADFRAG_TOTAL, 15 }, { 3, 5 }, { 0, 0 }, { 15, 15 }, { 2, 2 },
	};
	const uint8_t *v = variants[(i / 2) % (sizeof variants / sizeof variants[0])];
	uint64_t dest = z->root->id.address;
	if (i % 2)
		dest = 0x1000000000ULL | (zt_random_u64() & 0x0fffffffffULL);
	zt_put_be64(out + ZT_FRAGMENT_IDX_PACKET_ID, zt_random_u64());
	zt_put_be40(out + ZT_FRAGMENT_IDX_DEST, dest);
	out[ZT_FRAGMENT_IDX_INDICATOR] = ZT_FRAGMENT_INDICATOR;
	out[ZT_FRAGMENT_IDX_NO] = (uint8_t)((v[0] << 4) | v[1]);
	out[ZT_FRAGMENT_IDX_HOPS] = 0;
	zt_random(out + ZT_FRAGMENT_IDX_PAYLOAD, ZTP_BADFRAG_PAYLOAD);
	return ZT_FRAGMENT_IDX_PAYLOAD + ZTP_BADFRAG_PAYLOAD;
}

/*
 * A HELLO from a made-up identity: fresh C25519 keys and a random address that the memory-hard
 * hash does not produce. The MAC is right (keyed with the made-up key), so only full identity
 * validation can reject it.
 */
static long flood_hello(struct ztp *z, uint8_t *out, size_t cap)
{
	struct zt_identity fake = { .type = ZT_IDENTITY_TYPE_C25519, .has_private = true };
	struct zt_peer_key pk = { 0 };
	uint8_t key[ZT_SYMMETRIC_KEY_SIZE];
	zt_c25519_generate(fake.pub, fake.priv);
	do
		fake.address = zt_random_u64() & ZT_ADDRESS_MASK;
	while (zt_address_is_reserved(fake.address));
	long len = zt_identity_agree(&fake, &z->root->id, key);
	if (!len)
		len = zt_peer_key_init(&pk, key);
	if (!len)
		len = ztp_build_hello(z, out, cap, &fake, &pk, z->root->id.address, &z->root_path);
	zt_peer_key_free(&pk);
	zt_wipe(key, sizeof key);
	zt_identity_wipe(&fake);
	return len;
}

/*
 * Our own address with other keys: a HELLO from a made-up twin whose MAC verifies under the twin's
 * key. The root should answer ERROR(IDENTITY_COLLISION), armored with the twin's key, which we
 * keep in z->alt_key so the reply can be read. The same twin is used for every HELLO of a run.
 */
static long collision_hello(struct ztp *z, uint8_t *out, size_t cap, struct zt_identity *twin)
{
	if (!twin->has_private) {
		uint8_t key[ZT_SYMMETRIC_KEY_SIZE];
		if (z->alt_key)
			zt_peer_key_free(z->alt_key);
		free(z->alt_key);
		*twin = (struct zt_identity){ .address = z->self.address, .type = ZT_IDENTITY_TYPE_C25519, .has_private = true };
		zt_c25519_generate(twin->pub, twin->priv);
		zt_err err = zt_identity_agree(twin, &z->root->id, key);
		z->alt_key = err ? NULL : calloc(1, sizeof *z->alt_key);
		if (!err && !z->alt_key)
			err = -ENOMEM;
		if (!err && (err = zt_peer_key_init(z->alt_key, key)) != ZT_OK) {
			free(z->alt_key);
			z->alt_key = NULL;
		}
		zt_wipe(key, sizeof key);
		if (err)
			return err;
	}
	return ztp_build_hello(z, out, cap, twin, z->alt_key, z->root->id.address, &z->root_path);
}

static long junk_one(struct ztp *z, const char *kind, unsigned i, uint8_t *out, size_t cap, struct zt_identity *twin)
{
	long len;
	if (!strcmp(kind, "truncated")) {
		len = valid_hello(z, out, cap);
		return len > 1 ? 1 + (long)rnd((uint32_t)len - 1) : len;
	}
	if (!strcmp(kind, "badmac")) {
		len = valid_hello(z, out, cap);
		if (len > 0)
			out[ZT_PACKET_IDX_MAC + rnd(ZT_PACKET_MAC_LENGTH)] ^= (uint8_t)(1u << rnd(8));
		return len;
	}
	if (!strcmp(kind, "reserved"))
		return reserved_packet(z, out, cap, i);
	if (!strcmp(kind, "badfragment"))
		return bad_fragment(z, out, i);
	if (!strcmp(kind, "oversize")) {
		zt_random(out, ZTP_OVERSIZE_LEN);
		zt_packet_init(out, zt_random_u64(), z->root->id.address, z->self.address, ZT_VERB_ECHO);
		out[ZT_PACKET_IDX_FLAGS] = ZT_PACKET_FLAG_ENCRYPTED | (ZT_CIPHER_POLY1305_SALSA2012 << 3);
		return ZTP_OVERSIZE_LEN;
	}
	if (!strcmp(kind, "random")) {
		len = 1 + (long)rnd(ZTP_RANDOM_MAX_LEN);
		zt_random(out, (size_t)len);
		/* Some of them look addressed to the root, some look like fragments. */
		if (i % 4 == 1 && len >= ZT_PROTO_MIN_PACKET_LENGTH)
			zt_put_be40(out + ZT_PACKET_IDX_DEST, z->root->id.address);
		if (i % 4 == 2 && len > ZT_PROTO_MIN_FRAGMENT_LENGTH) {
			zt_put_be40(out + ZT_FRAGMENT_IDX_DEST, z->root->id.address);
			out[ZT_FRAGMENT_IDX_INDICATOR] = ZT_FRAGMENT_INDICATOR;
		}
		return len;
	}
	if (!strcmp(kind, "helloflood"))
		return flood_hello(z, out, cap);
	if (!strcmp(kind, "collision"))
		return collision_hello(z, out, cap, twin);
	return ZT_EINVALID;
}

zt_err ztp_junk_send(struct ztp *z, const char *kind, unsigned long count, int64_t interval_ms)
{
	uint8_t *buf = malloc(ZTP_OVERSIZE_LEN);
	if (!buf)
		return -ENOMEM;
	unsigned long sent = 0, bytes = 0, errors = 0;
	struct zt_identity twin = { 0 };
	zt_err err = ZT_OK;
	for (unsigned long i = 0; i < count && !ztp_stop; i++) {
		long len = junk_one(z, kind, (unsigned)i, buf, ZTP_OVERSIZE_LEN, &twin);
		if (len < 0) {
			err = (zt_err)len;
			break;
		}
		if (ztp_send_raw(z, buf, (size_t)len, &z->root_path) == ZT_OK) {
			sent++;
			bytes += (unsigned long)len;
		} else {
			errors++;
		}
		if (interval_ms && i + 1 < count)
			ztp_linger(z, interval_ms, false);
	}
	free(buf);
	zt_identity_wipe(&twin);
	if (err)
		return err;
	json_t *ev = ztp_event("junk_done");
	ztp_jset_str(ev, "kind", kind);
	ztp_jset_int(ev, "count", (long long)sent);
	ztp_jset_int(ev, "bytes", (long long)bytes);
	ztp_jset_int(ev, "send_errors", (long long)errors);
	ztp_emit(z, ev);
	return ZT_OK;
}

int ztp_cmd_raw(struct ztp *z, int argc, char **argv)
{
	(void)argc;
	uint8_t *d = NULL;
	size_t len;
	if (!ztp_parse_hex(&d, &len, argv[0]) || !len) {
		ztp_fail("Unable to parse hex `%.40s'", argv[0]);
		free(d);
		return ZTP_EXIT_USAGE;
	}
	z->print_all = true;
	zt_err err = ztp_send_raw(z, d, len, &z->root_path);
	if (err) {
		ztp_fail("cannot send: %s", zt_strerror(err));
	} else {
		json_t *ev = ztp_event("sent_raw");
		ztp_jset_inet(ev, "via", &z->root_path);
		ztp_jset_int(ev, "len", (long long)len);
		ztp_jset_hex(ev, "wire", d, len);
		ztp_emit(z, ev);
		ztp_linger(z, ztp_opts.linger_ms > 0 ? ztp_opts.linger_ms : 0, false);
	}
	free(d);
	return err ? ZTP_EXIT_FAIL : ZTP_EXIT_OK;
}

int ztp_cmd_junk(struct ztp *z, int argc, char **argv)
{
	size_t k;
	for (k = 0; ztp_junk_kinds[k]; k++)
		if (!strcmp(ztp_junk_kinds[k], argv[0]))
			break;
	if (!ztp_junk_kinds[k]) {
		ztp_fail("unknown junk kind `%s' (try --help)", argv[0]);
		return ZTP_EXIT_USAGE;
	}
	uint64_t count = ztp_opts.count;
	if (argc > 1 && (!ztp_parse_u64(&count, argv[1]) || !count || count > 100000000)) {
		ztp_fail("Unable to parse count `%s'", argv[1]);
		return ZTP_EXIT_USAGE;
	}
	/* A collision needs the root to know our real identity first. */
	bool collision = !strcmp(argv[0], "collision");
	if (collision && ztp_hello_root(z, NULL))
		return ZTP_EXIT_FAIL;
	z->print_all = true;
	zt_err err = ztp_junk_send(z, argv[0], (unsigned long)count, ztp_opts.interval_ms);
	if (err) {
		ztp_fail("cannot build %s junk: %s", argv[0], zt_strerror(err));
		return ZTP_EXIT_FAIL;
	}
	ztp_linger(z, ztp_opts.linger_ms >= 0 ? ztp_opts.linger_ms : collision ? ZTP_COLLISION_LINGER_MS : 0, false);
	return ZTP_EXIT_OK;
}
