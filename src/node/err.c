/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "err.h"

const char *zt_strerror(zt_err err)
{
	switch (err) {
	case ZT_OK: return "success";
	case ZT_EMALFORMED: return "malformed input";
	case ZT_ETRUNCATED: return "input truncated";
	case ZT_ETOOBIG: return "exceeds protocol limit";
	case ZT_EAUTH: return "authentication failed";
	case ZT_EINVALID: return "invalid";
	case ZT_EUNSUPPORTED: return "unsupported type or version";
	case ZT_ECRYPTO: return "cryptographic library failure";
	case ZT_ENOSPACE: return "output buffer too small";
	case ZT_ERESERVED: return "reserved value";
	case ZT_ESTALE: return "older than the current one";
	case ZT_ENOTFOUND: return "not found";
	case ZT_EEXIST: return "already exists";
	case ZT_ECOMPRESS: return "compression failure";
	case ZT_EDB: return "database failure";
	case ZT_EHTTP: return "HTTP failure";
	case ZT_EDNS: return "DNS failure";
	case ZT_ECONFIG: return "configuration error";
	case ZT_EPENDING: return "incomplete, more input needed";
	case ZT_ELIMIT: return "limit reached";
	default: break;
	}
	if (err < 0 && err > ZT_ERR_BASE)
		return strerror(-err);
	return "unknown error";
}
