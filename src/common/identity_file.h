/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ZT_IDENTITY_FILE_H
#define ZT_IDENTITY_FILE_H

#include "node/err.h"
#include "node/identity.h"

/*
 * Loads identity.secret from the daemon home directory `home`, validating it; on first start (no
 * such file) generates an identity and writes identity.secret (0600) and identity.public (0644).
 * Warns when identity.secret is readable by others. Logs every failure (log.h). Returns ZT_OK or
 * the error.
 */
zt_err zt_home_identity_load(const char *home, struct zt_identity *id);

#endif
