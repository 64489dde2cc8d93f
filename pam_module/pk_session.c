/*
 * pk_session.c - the session flow (R-PRIV-7, R-REM-4): register each
 * session with kagid at open, end it at close.
 *
 * Guarantees:
 *  - session_open sends the user, service, tty, remote host, the host
 *    process's pid and session id, and the logind session id from PAM's
 *    own environment (pam_getenv, never the process's), only when it is
 *    1..64 of [A-Za-z0-9_.-].  Only kagid's registration is PK_GRANTED:
 *    a session kagid does not register is refused (fail closed).
 *  - kagid's session id is kept in the PAM handle for session_close;
 *    without it, the close goes by this process's pid.
 *  - When kagid will end the session, the user is told when, except
 *    under PAM_SILENT.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "pk_conv.h"
#include "pk_flow.h"
#include "pk_int.h"
#include "pk_kagid.h"

/* pam_set_data name of the session id kagid gave at open. */
#define PK_SESSION_DATA "pam_kagi_session"

static void
pk_session_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	free(data);
}

/* A logind session id worth sending: 1..64 of [A-Za-z0-9_.-]. */
static const char *
pk_logind_id(pam_handle_t *pamh)
{
	const char *v = pam_getenv(pamh, "XDG_SESSION_ID");
	const char *p;

	if (v == NULL || *v == '\0' || strlen(v) > 64)
		return NULL;
	for (p = v; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		    *p == '-'))
			return NULL;
	return v;
}

/* session_open: register; keep kagid's id for close; say when it ends. */
enum pk_outcome
pk_session_open(struct pk_ctx *ctx)
{
	int64_t id = 0, ends = 0, *keep;
	enum pk_outcome o;
	int pr;

	if ((o = pk_kagid_session_open(ctx, pk_logind_id(ctx->pamh), &id,
	    &ends)) != PK_GRANTED)
		return o;
	if ((keep = malloc(sizeof(*keep))) == NULL)
		return PK_NOMEM;
	*keep = id;
	if ((pr = pam_set_data(ctx->pamh, PK_SESSION_DATA, keep,
	    pk_session_cleanup)) != PAM_SUCCESS) {
		free(keep);
		pam_syslog(ctx->pamh, LOG_ERR, "pam_set_data: %s",
		    pam_strerror(ctx->pamh, pr));
		return pr == PAM_BUF_ERR ? PK_NOMEM : PK_SYSTEM;
	}
	if ((o = pk_conv_show_session_end(ctx, ends)) != PK_CONTINUE)
		return o;
	return PK_GRANTED;
}

/* session_close: by the id kept at open, else by this process's pid. */
enum pk_outcome
pk_session_close(struct pk_ctx *ctx)
{
	const void *data = NULL;

	if (pam_get_data(ctx->pamh, PK_SESSION_DATA, &data) != PAM_SUCCESS)
		data = NULL;
	return pk_kagid_session_close(ctx, data);
}
