/*
 * ctl_user.c - kagictl's user commands (R-TOK-5), unlock and status.
 *
 * Each command sends one request and shows the reply: a sentence or a
 * table for people, the reply's data for --json.  Deleting a user asks
 * first on a terminal and is refused without one unless --yes is given,
 * so a script cannot delete by accident.  user add --from FILE adds
 * users in bulk from CSV ("name[,role]" lines, an optional "name,role"
 * header), the whole file checked first (names as kagid takes them,
 * roles, no name twice) so that a bad line adds nobody; progress goes
 * to a terminal.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ctl.h"
#include "i18n.h"
#include "kagi_err.h"
#include "names.h"
#include "proto.h"
#include "proto_ops.h"
#include "safefile.h"
#include "username.h"

#define BULK_FILE_MAX (64 * 1024 * 1024)

/* Show a reply's data as JSON, or as the sentence given. */
static int
done(const struct ctl *ctl, struct json_object *reply, const char *said)
{
	int r = 0;

	if (ctl->json)
		r = ctl_print_json(reply);
	else
		printf("%s\n", said);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

struct bulk_user {
	char *name;		/* into the file's buffer */
	const char *role;	/* NULL: staff */
	size_t line;
};

/* kagid folds a name's case (user_canonical): "Abe" is "abe". */
static int
by_name(const void *a, const void *b)
{
	return strcasecmp(((const struct bulk_user *)a)->name,
	    ((const struct bulk_user *)b)->name);
}

static int
bulk_bad(const char *file, size_t line, const char *why)
{
	char clean[512];

	ctl_err(_("%s:%zu: %s; nobody was added"),
	    ctl_clean(file, clean, sizeof(clean)), line, why);
	return CTL_EXIT_REFUSED;
}

/* Check the whole CSV into v; an exit code (0: all good). */
static int
bulk_read(const char *file, char *buf, struct bulk_user **vp, size_t *np)
{
	struct bulk_user *v = NULL, *g, *sorted = NULL;
	size_t n = 0, cap = 0, line = 0, i;
	char *p = buf, *l, *e, *comma;
	int role, ex = 0;

	for (; p != NULL && *p != '\0'; p = e) {
		line++;
		l = p;
		if ((e = strchr(l, '\n')) != NULL)
			*e++ = '\0';
		if (strlen(l) > 0 && l[strlen(l) - 1] == '\r')
			l[strlen(l) - 1] = '\0';
		if (l[0] == '\0' || (line == 1 &&
		    (strcmp(l, "name,role") == 0 || strcmp(l, "name") == 0)))
			continue;
		if ((comma = strchr(l, ',')) != NULL)
			*comma++ = '\0';
		if (!user_name_valid(l)) {
			ex = bulk_bad(file, line, _("not a user name kagid "
			    "takes (1 to 64 letters, digits, '._@-', not '-' "
			    "or '.' first)"));
			goto out;
		}
		if (comma != NULL && (strchr(comma, ',') != NULL ||
		    role_from_name(comma, &role) != 0)) {
			ex = bulk_bad(file, line, _("the role must be staff, "
			    "privileged or vendor"));
			goto out;
		}
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			if ((g = reallocarray(v, cap, sizeof(*v))) == NULL) {
				ctl_err(_("out of memory"));
				ex = CTL_EXIT_UNREACHABLE;
				goto out;
			}
			v = g;
		}
		v[n].name = l;
		v[n].role = comma;
		v[n].line = line;
		n++;
	}
	if (n == 0) {
		ex = bulk_bad(file, line, _("no user in the file"));
		goto out;
	}
	/* A name twice is a mistake in the file, not two users. */
	if ((sorted = malloc(n * sizeof(*sorted))) == NULL) {
		ctl_err(_("out of memory"));
		ex = CTL_EXIT_UNREACHABLE;
		goto out;
	}
	memcpy(sorted, v, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), by_name);
	for (i = 1; i < n; i++)
		if (by_name(&sorted[i], &sorted[i - 1]) == 0) {
			ex = bulk_bad(file, sorted[i].line > sorted[i - 1].line ?
			    sorted[i].line : sorted[i - 1].line,
			    _("this user is named twice in the file"));
			goto out;
		}
 out:
	free(sorted);
	if (ex != 0) {
		free(v);
		v = NULL;
		n = 0;
	}
	*vp = v;
	*np = n;
	return ex;
}

/* user add --from FILE. */
static int
user_add_bulk(struct ctl *ctl)
{
	char path[PATH_MAX], err[512], clean[512], *buf = NULL;
	struct json_object *req, *reply;
	struct bulk_user *v = NULL;
	size_t len = 0, n = 0, i, added = 0;
	int ex, e, r, tty = isatty(STDERR_FILENO);

	if (ctl_abspath(ctl->from, path, sizeof(path)) != 0) {
		ctl_err(_("cannot read %s: %s"), ctl->from,
		    _("the path is too long"));
		return CTL_EXIT_REFUSED;
	}
	if (safefile_read(path, getuid(), BULK_FILE_MAX, &buf, &len, err,
	    sizeof(err)) != 0) {
		ctl_err(_("cannot read %s: %s"), ctl_clean(ctl->from, clean,
		    sizeof(clean)), err);
		return CTL_EXIT_REFUSED;
	}
	if ((ex = bulk_read(ctl->from, buf, &v, &n)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		struct ctl one = *ctl;

		one.user = v[i].name;
		reply = NULL;
		r = KAGI_ERR_NOMEM;
		if ((req = ctl_request(&one, OP_USER_ADD)) != NULL &&
		    (v[i].role == NULL ||
		    proto_set_str(req, "role", v[i].role) == 0))
			r = ctl_call(&one, req, &reply);
		json_object_put(req);
		if (r == 0 && (e = ctl_pending(&one, reply)) != 0)
			ex = e;
		else if (r == 0)
			added++;
		else {
			if (tty)
				fputc('\n', stderr);
			e = ctl_fail(&one, r, reply);
			ex = e;
			if (e != CTL_EXIT_REFUSED) {
				json_object_put(reply);
				break;
			}
		}
		json_object_put(reply);
		if (tty)
			fprintf(stderr, "\r%zu/%zu", i + 1, n);
	}
	if (tty)
		fputc('\n', stderr);
	printf(_("%zu of %zu users added.\n"), added, n);
 out:
	free(v);
	free(buf);
	return ex;
}

int
ctl_user_add(struct ctl *ctl)
{
	struct json_object *req, *reply = NULL, *user;
	char said[512], role[KAGI_NAME_MAX + 1];
	int ex;

	if (ctl->user == NULL && ctl->from != NULL)
		return user_add_bulk(ctl);

	req = ctl_request(ctl, OP_USER_ADD);
	if (req != NULL && ctl->role != NULL &&
	    proto_set_str(req, "role", ctl->role) != 0) {
		json_object_put(req);
		req = NULL;
	}
	if ((ex = ctl_run(ctl, req, &reply)) != 0)
		return ex;
	if (!json_object_object_get_ex(reply, "user", &user) ||
	    !json_object_is_type(user, json_type_object)) {
		json_object_put(reply);
		return ctl_fail(ctl, KAGI_ERR_INVALID, NULL);
	}
	ctl_clean(ctl_jstr(user, "role"), role, sizeof(role));
	snprintf(said, sizeof(said), _("User '%s' added with role %s; "
	    "enroll a token next: kagictl token add-totp %s"),
	    ctl->user, role, ctl->user);
	return done(ctl, reply, said);
}

int
ctl_user_list(struct ctl *ctl)
{
	struct json_object *reply = NULL, *users;
	int ex, r;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_USER_LIST), &reply)) != 0)
		return ex;
	if (ctl->json)
		r = ctl_print_json(reply);
	else if (!json_object_object_get_ex(reply, "users", &users))
		r = KAGI_ERR_INVALID;
	else
		r = ctl_print_users(users);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

/* The lock line of user show. */
static void
print_lock(const struct ctl *ctl, struct json_object *user,
    struct json_object *lock)
{
	char when[32];
	int64_t until = ctl_jint(lock, "locked_until");
	long long failures = (long long)ctl_jint(lock, "failures");

	if (until == 0)
		until = ctl_jint(user, "locked_until");
	/* -1 (or the largest time): only an administrator can unlock. */
	if (!ctl_jbool(lock, "locked") && !ctl_jbool(user, "locked"))
		printf(_("Lock: not locked; %lld recent failures.\n"),
		    failures);
	else if (until < 0 || until == INT64_MAX)
		printf(_("Lock: locked until an administrator unlocks it "
		    "(kagictl unlock %s).\n"), ctl->user);
	else
		printf(_("Lock: locked until %s (kagictl unlock %s).\n"),
		    ctl_time(until, when, sizeof(when)), ctl->user);
}

/*
 * The remote lock's line (log-ins from an address, issue 13), when it
 * holds or has counted failures.
 */
static void
print_remote_lock(const struct ctl *ctl, struct json_object *reply)
{
	struct json_object *rl = NULL;
	char when[32];
	int64_t until;
	long long failures;

	if (!json_object_object_get_ex(reply, "remote_lock", &rl) ||
	    !json_object_is_type(rl, json_type_object))
		return;
	until = ctl_jint(rl, "locked_until");
	failures = (long long)ctl_jint(rl, "failures");
	if (!ctl_jbool(rl, "locked")) {
		if (failures > 0)
			printf(_("Remote log-ins: not locked; %lld recent "
			    "failures.\n"), failures);
	} else if (until < 0 || until == INT64_MAX)
		printf(_("Remote log-ins: locked until an administrator "
		    "unlocks them (kagictl unlock %s); the console is "
		    "not.\n"), ctl->user);
	else
		printf(_("Remote log-ins: locked until %s (kagictl unlock %s); "
		    "the console is not.\n"),
		    ctl_time(until, when, sizeof(when)), ctl->user);
}

int
ctl_user_show(struct ctl *ctl)
{
	struct json_object *reply = NULL, *user, *tokens, *lock, *one = NULL;
	int ex, r;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_USER_SHOW), &reply)) != 0)
		return ex;
	if (!json_object_object_get_ex(reply, "user", &user) ||
	    !json_object_is_type(user, json_type_object) ||
	    !json_object_object_get_ex(reply, "tokens", &tokens) ||
	    !json_object_is_type(tokens, json_type_array) ||
	    !json_object_object_get_ex(reply, "lock", &lock) ||
	    !json_object_is_type(lock, json_type_object)) {
		r = KAGI_ERR_INVALID;
		goto out;
	}
	if (ctl->json) {
		r = ctl_print_json(reply);
		goto out;
	}
	if ((one = json_object_new_array()) == NULL ||
	    json_object_array_add(one, json_object_get(user)) != 0) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	if ((r = ctl_print_users(one)) != 0)
		goto out;
	printf("\n");
	if (json_object_array_length(tokens) == 0)
		printf(_("No tokens; enroll one with: kagictl token add-totp "
		    "%s\n"), ctl->user);
	else if ((r = ctl_print_tokens(tokens)) != 0)
		goto out;
	printf("\n");
	print_lock(ctl, user, lock);
	print_remote_lock(ctl, reply);
	r = 0;
 out:
	json_object_put(one);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}

/* A request on ctl->user that answers with a sentence. */
static int
simple(struct ctl *ctl, const char *op, const char *said)
{
	struct json_object *reply = NULL;
	int ex;

	if ((ex = ctl_run(ctl, ctl_request(ctl, op), &reply)) != 0)
		return ex;
	return done(ctl, reply, said);
}

int
ctl_user_disable(struct ctl *ctl)
{
	char said[512];

	snprintf(said, sizeof(said), _("User '%s' is disabled: no log-in "
	    "until kagictl user enable %s."), ctl->user, ctl->user);
	return simple(ctl, OP_USER_DISABLE, said);
}

int
ctl_user_enable(struct ctl *ctl)
{
	char said[512];

	snprintf(said, sizeof(said), _("User '%s' is enabled."), ctl->user);
	return simple(ctl, OP_USER_ENABLE, said);
}

int
ctl_unlock(struct ctl *ctl)
{
	char said[512];

	snprintf(said, sizeof(said), _("User '%s' is unlocked."), ctl->user);
	return simple(ctl, OP_UNLOCK, said);
}

/* Ask on the terminal; only "y" or "yes" (or their translation) agree. */
static int
confirmed(const char *question)
{
	char line[16];

	if (ctl_read_line(question, line, sizeof(line)) != 0)
		return 0;
	return strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 ||
	    strcmp(line, "yes") == 0 || strcmp(line, _("y")) == 0 ||
	    strcmp(line, _("yes")) == 0;
}

int
ctl_user_delete(struct ctl *ctl)
{
	char question[256];

	if (!ctl->yes) {
		if (!ctl_interactive()) {
			ctl_err(_("not deleting user '%s': there is no "
			    "terminal to confirm on; add --yes to delete it "
			    "and all its tokens"), ctl->user);
			return CTL_EXIT_USAGE;
		}
		snprintf(question, sizeof(question), _("Delete user %s and "
		    "all its tokens? [y/N] "), ctl->user);
		if (!confirmed(question)) {
			ctl_err(_("user '%s' was not deleted"), ctl->user);
			return CTL_EXIT_REFUSED;
		}
	}
	snprintf(question, sizeof(question), _("User '%s' and all its "
	    "tokens are deleted."), ctl->user);
	return simple(ctl, OP_USER_DELETE, question);
}

/* A value of the status reply as text; nested values as compact JSON. */
static const char *
status_value(struct json_object *v, char *buf, size_t len)
{
	const char *s;

	if (v == NULL)
		return "-";
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	snprintf(buf, len, "%s", s != NULL ? s : "?");
	return buf;
}

int
ctl_status(struct ctl *ctl)
{
	const char *hdr[2] = { _("KEY"), _("VALUE") };
	struct json_object *reply = NULL;
	struct ctl_table *t = NULL;
	char buf[256];
	int ex, r = 0;

	if ((ex = ctl_run(ctl, ctl_request(ctl, OP_STATUS), &reply)) != 0)
		return ex;
	if (ctl->json) {
		r = ctl_print_json(reply);
		goto out;
	}
	if ((t = ctl_table_new(2, hdr)) == NULL) {
		r = KAGI_ERR_NOMEM;
		goto out;
	}
	json_object_object_foreach(reply, key, val) {
		const char *row[2];

		if (strcmp(key, "status") == 0)
			continue;
		row[0] = key;
		row[1] = status_value(val, buf, sizeof(buf));
		if ((r = ctl_table_add(t, row)) != 0)
			goto out;
	}
	printf(_("kagid at %s is running.\n"), ctl->sockpath);
	ctl_table_print(t, stdout);
 out:
	ctl_table_free(&t);
	json_object_put(reply);
	return r != 0 ? ctl_fail(ctl, r, NULL) : CTL_EXIT_OK;
}
