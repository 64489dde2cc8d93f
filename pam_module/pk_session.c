/*
 * pk_session.c - pam_kagi's session part (R-PRIV-7, R-REM-4): register
 * each session with kagid at open, end it at close.
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
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "pk_conv.h"
#include "pk_int.h"
#include "proto.h"
#include "proto_ops.h"

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
	struct json_object *req = NULL, *reply = NULL;
	const char *logind = pk_logind_id(ctx->pamh);
	int64_t id = 0, ends = 0, *keep = NULL;
	enum pk_outcome o = PK_UNAVAILABLE;
	int r, pr;

	if ((r = pk_request_new(ctx, OP_SESSION_OPEN, &req)) != 0 ||
	    (r = proto_set_int(req, "pid", (int64_t)getpid())) != 0 ||
	    (r = proto_set_int(req, "sid", (int64_t)getsid(0))) != 0 ||
	    (logind != NULL &&
	    (r = proto_set_str(req, "logind", logind)) != 0) ||
	    (r = pk_call(ctx, req, &reply)) != 0 ||
	    (r = proto_get_int(reply, "session", 1, INT64_MAX, &id)) != 0 ||
	    (r = proto_get_int(reply, "ends", 0, INT64_MAX, &ends)) != 0) {
		o = pk_unavailable(ctx, OP_SESSION_OPEN, r, reply);
		goto out;
	}
	if ((keep = malloc(sizeof(*keep))) == NULL) {
		o = PK_SYSTEM;
		goto out;
	}
	*keep = id;
	if ((pr = pam_set_data(ctx->pamh, PK_SESSION_DATA, keep,
	    pk_session_cleanup)) != PAM_SUCCESS) {
		free(keep);
		pam_syslog(ctx->pamh, LOG_ERR, "pam_set_data: %s",
		    pam_strerror(ctx->pamh, pr));
		o = PK_SYSTEM;
		goto out;
	}
	pk_debug(ctx, "%s: session %lld, ends %lld", OP_SESSION_OPEN,
	    (long long)id, (long long)ends);
	pk_conv_show_session_end(ctx, ends);
	o = PK_GRANTED;
 out:
	json_object_put(reply);
	json_object_put(req);
	return o;
}

/* session_close: by the id kept at open, else by this process's pid. */
enum pk_outcome
pk_session_close(struct pk_ctx *ctx)
{
	struct json_object *req = NULL, *reply = NULL;
	const void *data = NULL;
	int64_t ended = 0;
	enum pk_outcome o = PK_UNAVAILABLE;
	int r;

	if (pam_get_data(ctx->pamh, PK_SESSION_DATA, &data) != PAM_SUCCESS)
		data = NULL;
	if ((r = pk_request_new(ctx, OP_SESSION_CLOSE, &req)) != 0 ||
	    (r = proto_set_int(req, "pid", (int64_t)getpid())) != 0 ||
	    (data != NULL && (r = proto_set_int(req, "session",
	    *(const int64_t *)data)) != 0) ||
	    (r = pk_call(ctx, req, &reply)) != 0 ||
	    (r = proto_get_int(reply, "ended", 0, INT64_MAX, &ended)) != 0) {
		o = pk_unavailable(ctx, OP_SESSION_CLOSE, r, reply);
		goto out;
	}
	pk_debug(ctx, "%s: %lld sessions ended", OP_SESSION_CLOSE,
	    (long long)ended);
	o = PK_GRANTED;
 out:
	json_object_put(reply);
	json_object_put(req);
	return o;
}
