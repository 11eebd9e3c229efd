/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_ERR_H
#define ZT_ERR_H

/*
 * One error space for the whole project: 0 is success, every failure a negative value.
 * errno values are used negated (-ENOENT ...); project codes start below ZT_ERR_BASE so they
 * never collide with errno. External libraries' errors are translated in one place each.
 */
typedef int zt_err;

#define ZT_OK 0
#define ZT_ERR_BASE (-10000)

enum {
	ZT_EMALFORMED = ZT_ERR_BASE - 1,  /* input does not parse */
	ZT_ETRUNCATED = ZT_ERR_BASE - 2,  /* input ends early */
	ZT_ETOOBIG = ZT_ERR_BASE - 3,     /* input or output exceeds a protocol limit */
	ZT_EAUTH = ZT_ERR_BASE - 4,       /* MAC or signature did not verify */
	ZT_EINVALID = ZT_ERR_BASE - 5,    /* well-formed but invalid (e.g. identity fails its proof) */
	ZT_EUNSUPPORTED = ZT_ERR_BASE - 6,/* a type, version or cipher we do not handle */
	ZT_ECRYPTO = ZT_ERR_BASE - 7,     /* a crypto library call failed */
	ZT_ENOSPACE = ZT_ERR_BASE - 8,    /* caller's output buffer too small */
	ZT_ERESERVED = ZT_ERR_BASE - 9,   /* a reserved address or value */
	ZT_ESTALE = ZT_ERR_BASE - 10,     /* older than what we hold (update rules) */
	ZT_ENOTFOUND = ZT_ERR_BASE - 11,  /* no such object */
	ZT_EEXIST = ZT_ERR_BASE - 12,     /* object already exists / duplicate */
	ZT_ECOMPRESS = ZT_ERR_BASE - 13,  /* LZ4 (de)compression failed */
	ZT_EDB = ZT_ERR_BASE - 14,        /* storage (LMDB) failure */
	ZT_EHTTP = ZT_ERR_BASE - 15,      /* HTTP server/client failure */
	ZT_EDNS = ZT_ERR_BASE - 16,       /* DNS resolution failure */
	ZT_ECONFIG = ZT_ERR_BASE - 17,    /* configuration error */
	ZT_EPENDING = ZT_ERR_BASE - 18,   /* incomplete: more input needed (e.g. fragments) */
	ZT_ELIMIT = ZT_ERR_BASE - 19,     /* rate limited or capacity bound reached */
};

/* Human-readable message for any zt_err (including negated errno). Never NULL. */
const char *zt_strerror(zt_err err);

#endif
