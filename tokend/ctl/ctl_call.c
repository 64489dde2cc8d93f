/*
 * ctl_call.c - kagictl's requests to kagid and what their failures mean.
 *
 * Each request gets its own connection, so kagictl never holds one open
 * while a person types.  ctl_fail() is the one function that maps an
 * error code to words and to an exit code: a refusal that kagid sent
 * (reply present) exits 1, anything that kept kagictl from getting an
 * understandable answer exits 3: unreachable (no socket, nobody
 * listening), no answer in time, a connection closed without an answer,
 * a malformed reply, each in its own words.  Every message says what to
 * do next.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "proto.h"

void
ctl_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("kagictl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct json_object *
ctl_request(const struct ctl *ctl, const char *op)
{
	struct json_object *req;

	if ((req = proto_request_new(op)) == NULL)
		return NULL;
	if ((ctl->user != NULL &&
	    proto_set_str(req, "user", ctl->user) != 0) ||
	    (ctl->token != 0 && proto_set_int(req, "token", ctl->token) != 0)) {
		json_object_put(req);
		return NULL;
	}
	return req;
}

int
ctl_call(const struct ctl *ctl, struct json_object *req,
    struct json_object **reply)
{
	struct kagi_client *c = NULL;
	struct json_object *rep = NULL;
	int r;

	*reply = NULL;
	if ((r = client_connect(ctl->sockpath, ctl->timeout_ms, &c)) != 0)
		goto out;
	r = client_call(c, req, &rep);
	/* An error code with a reply is kagid's refusal; hand it over. */
	if (r == 0 && rep == NULL)
		r = KAGI_ERR_INVALID;
	if (r == 0 || rep != NULL) {
		*reply = rep;
		rep = NULL;
	}
 out:
	json_object_put(rep);
	client_free(&c);
	return r;
}

int
ctl_run_own(const struct ctl *ctl, const char *op,
    struct json_object **reply, int *missing)
{
	struct json_object *req, *rep = NULL;
	int r, ex;

	*reply = NULL;
	*missing = 0;
	if ((req = ctl_request(ctl, op)) == NULL)
		return ctl_fail(ctl, KAGI_ERR_NOMEM, NULL);
	r = ctl_call(ctl, req, &rep);
	json_object_put(req);
	if (r == KAGI_ERR_NOT_FOUND) {
		*missing = 1;
		ex = CTL_EXIT_REFUSED;
	} else if (r != 0)
		ex = ctl_fail(ctl, r, rep);
	else {
		*reply = rep;
		return CTL_EXIT_OK;
	}
	json_object_put(rep);
	return ex;
}

/* What kagid refused, in words, with what to do about it. */
static void
fail_refused(const struct ctl *ctl, int r, const char *u)
{
	long long tok = (long long)ctl->token;

	switch (r) {
	case KAGI_ERR_DENIED:
		ctl_err(_("permission denied: administration needs root or "
		    "membership of the %s group"), ctl->admin_group);
		break;
	case KAGI_ERR_NOT_FOUND:
		if (ctl->token != 0)
			ctl_err(_("user '%s' has no token %lld (see: kagictl "
			    "token list %s)"), u, tok, u);
		else
			ctl_err(_("user '%s' does not exist (see: kagictl "
			    "user list)"), u);
		break;
	case KAGI_ERR_EXISTS:
		ctl_err(_("user '%s' already exists (see: kagictl user show "
		    "%s)"), u, u);
		break;
	case KAGI_ERR_BAD_CODE:
		ctl_err(_("wrong code for token %lld of user '%s': check the "
		    "authenticator app and the clock of this machine"), tok, u);
		break;
	case KAGI_ERR_REPLAY:
		ctl_err(_("that code was already used: wait for the "
		    "authenticator app to show the next one"));
		break;
	case KAGI_ERR_STATE:
		if (ctl->token != 0)
			ctl_err(_("token %lld of user '%s' is in the wrong "
			    "state for this: already active or revoked, or "
			    "pending too long (see: kagictl token list %s)"),
			    tok, u, u);
		else
			ctl_err(_("user '%s' is not in a state that allows "
			    "this (see: kagictl user show %s)"), u, u);
		break;
	case KAGI_ERR_DISABLED:
		ctl_err(_("user '%s' is disabled (see: kagictl user enable "
		    "%s)"), u, u);
		break;
	case KAGI_ERR_LOCKED:
		ctl_err(_("user '%s' is locked (see: kagictl unlock %s)"),
		    u, u);
		break;
	case KAGI_ERR_INVALID:
	case KAGI_ERR_TOO_LARGE:
		ctl_err(_("kagid refused the request as invalid: check the "
		    "names and values given"));
		break;
	case KAGI_ERR_STORE:
	case KAGI_ERR_CRYPTO:
	case KAGI_ERR_NOMEM:
		ctl_err(_("kagid could not carry out the request: see its "
		    "log (journalctl -u kagid)"));
		break;
	default:
		ctl_err(_("kagid refused the request (%s): see its log "
		    "(journalctl -u kagid)"), kagi_err_wire(r));
		break;
	}
}

/* Why no understandable answer came back, and what to do. */
static void
fail_unreachable(const struct ctl *ctl, int r)
{
	switch (r) {
	case KAGI_ERR_TIMEOUT:
		ctl_err(_("kagid at %s did not answer within %d seconds: is "
		    "it overloaded or stuck? (systemctl status kagid; "
		    "kagictl --timeout)"), ctl->sockpath,
		    ctl->timeout_ms / 1000);
		break;
	case KAGI_ERR_INVALID:
	case KAGI_ERR_TRUNCATED:
	case KAGI_ERR_TOO_LARGE:
		ctl_err(_("kagid at %s sent a malformed reply: are kagictl "
		    "and kagid from the same release? (kagictl --version)"),
		    ctl->sockpath);
		break;
	case KAGI_ERR_VERSION:
		ctl_err(_("kagid at %s speaks another protocol version: "
		    "install kagictl and kagid from the same release"),
		    ctl->sockpath);
		break;
	case KAGI_ERR_DENIED:
		ctl_err(_("cannot reach kagid at %s: permission denied: "
		    "administration needs root or membership of the %s "
		    "group"), ctl->sockpath, ctl->admin_group);
		break;
	case KAGI_ERR_NOMEM:
		ctl_err(_("out of memory"));
		break;
	case KAGI_ERR_IO:
		/* Reached, but no answer: kagid's log says why it closed. */
		ctl_err(_("kagid at %s closed the connection without an "
		    "answer: see its log (journalctl -u kagid)"),
		    ctl->sockpath);
		break;
	default:
		ctl_err(_("cannot reach kagid at %s: is kagid running? "
		    "(systemctl status kagid)"), ctl->sockpath);
		break;
	}
}

int
ctl_fail(const struct ctl *ctl, int r, struct json_object *reply)
{
	char user[2 * KAGI_NAME_MAX + 8], msg[KAGI_FIELD_MAX];
	const char *m;

	if (r == 0)
		return CTL_EXIT_OK;
	/* A version mismatch is a protocol error even when kagid says so. */
	if (reply == NULL || r == KAGI_ERR_VERSION) {
		fail_unreachable(ctl, r);
		return CTL_EXIT_UNREACHABLE;
	}
	/* A refusal kagid explained: its own words are the message. */
	if (ctl_jstr(reply, "reason") != NULL &&
	    (m = ctl_jstr(reply, "message")) != NULL && m[0] != '\0') {
		ctl_err(_("refused: %s"), ctl_clean(m, msg, sizeof(msg)));
		return CTL_EXIT_REFUSED;
	}
	ctl_clean(ctl->user != NULL ? ctl->user : "", user, sizeof(user));
	fail_refused(ctl, r, user);
	/* kagid's message, when it says more than the code's name. */
	if ((m = ctl_jstr(reply, "message")) != NULL && m[0] != '\0' &&
	    strcmp(m, kagi_strerror(r)) != 0)
		ctl_err(_("kagid said: %s"), ctl_clean(m, msg, sizeof(msg)));
	return CTL_EXIT_REFUSED;
}

int
ctl_run(const struct ctl *ctl, struct json_object *req,
    struct json_object **reply)
{
	struct json_object *rep = NULL;
	int r, ex;

	*reply = NULL;
	if (req == NULL)
		return ctl_fail(ctl, KAGI_ERR_NOMEM, NULL);
	r = ctl_call(ctl, req, &rep);
	json_object_put(req);
	if (r != 0) {
		ex = ctl_fail(ctl, r, rep);
		json_object_put(rep);
		return ex;
	}
	/* An act stored as a request (ctl_request.c). */
	if ((ex = ctl_pending(ctl, rep)) != 0) {
		json_object_put(rep);
		return ex;
	}
	*reply = rep;
	return CTL_EXIT_OK;
}
