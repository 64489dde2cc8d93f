/*
 * pk_log.c - pam_kagi's debug log.
 *
 * pk_debug() writes through PAM's syslog (pam_vsyslog: LOG_AUTHPRIV,
 * tagged with the service) at LOG_DEBUG, and only when the module was
 * given the debug option.  What the callers pass never holds a code, a
 * PIN or a secret; user-supplied strings come quoted (kagi_log_quote()).
 */
#include "config.h"

#include <stdarg.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "pk_int.h"

void
pk_debug(const struct pk_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->opts.debug)
		return;
	va_start(ap, fmt);
	pam_vsyslog(ctx->pamh, LOG_DEBUG, fmt, ap);
	va_end(ap);
}
