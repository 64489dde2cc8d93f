/*
 * fakelogind.c - a stand-in for systemd-logind's idle hints, for
 * tests/integration/idle.sh (no logind runs on the test machines).
 *
 *   fakelogind DIR
 *
 * Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS: the test's own
 * dbus-daemon), takes the name org.freedesktop.login1 and answers what
 * kagid's idle time-out asks, the way logind does:
 *   - Manager.GetSession(s id) -> o: the session's object path, or the
 *     error org.freedesktop.login1.NoSuchSession when DIR/ID does not
 *     exist;
 *   - the Session properties IdleHint (b) and IdleSinceHint (t, µs of
 *     CLOCK_REALTIME), read from DIR/ID at every call: a file holding
 *     "idle SECONDS" went idle at SECONDS (since the epoch), "active"
 *     is not idle.
 * It prints "ready" once it owns the name and runs until killed.  A test
 * tool: never installed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-bus.h>

static const char *dir;

#define SESSION_PREFIX "/org/freedesktop/login1/session"

/* DIR/ID's state: 0 when read (*since 0: active), -ENOENT when none. */
static int
session_state(const char *id, long long *since)
{
	char path[512], word[16];
	FILE *f;
	int n;

	*since = 0;
	if (id == NULL || strchr(id, '/') != NULL || id[0] == '.' ||
	    snprintf(path, sizeof(path), "%s/%s", dir, id) >=
	    (int)sizeof(path))
		return -ENOENT;
	if ((f = fopen(path, "r")) == NULL)
		return -ENOENT;
	n = fscanf(f, "%15s %lld", word, since);
	fclose(f);
	if (n < 1 || strcmp(word, "idle") != 0 || n < 2)
		*since = 0;
	return 0;
}

static int
get_session(sd_bus_message *m, void *data, sd_bus_error *err)
{
	const char *id;
	char *path = NULL;
	long long since;
	int r;

	(void)data;
	if ((r = sd_bus_message_read(m, "s", &id)) < 0)
		return r;
	if (session_state(id, &since) != 0)
		return sd_bus_error_setf(err,
		    "org.freedesktop.login1.NoSuchSession",
		    "No session '%s' known", id);
	if ((r = sd_bus_path_encode(SESSION_PREFIX, id, &path)) < 0)
		return r;
	r = sd_bus_reply_method_return(m, "o", path);
	free(path);
	return r;
}

/* The session a path names, decoded; NULL when none (free it). */
static char *
path_session(const char *path)
{
	char *id = NULL;

	if (sd_bus_path_decode(path, SESSION_PREFIX, &id) <= 0)
		return NULL;
	return id;
}

static int
prop_idle(sd_bus *bus, const char *path, const char *iface,
    const char *prop, sd_bus_message *reply, void *data, sd_bus_error *err)
{
	char *id = path_session(path);
	long long since;
	int r;

	(void)bus;
	(void)iface;
	(void)data;
	if (id == NULL || session_state(id, &since) != 0) {
		free(id);
		return sd_bus_error_setf(err,
		    "org.freedesktop.login1.NoSuchSession", "No such session");
	}
	free(id);
	if (strcmp(prop, "IdleHint") == 0)
		r = sd_bus_message_append(reply, "b", since > 0);
	else
		r = sd_bus_message_append(reply, "t",
		    (uint64_t)(since > 0 ? since : 0) * 1000000u);
	return r;
}

static int
session_find(sd_bus *bus, const char *path, const char *iface, void *data,
    void **found, sd_bus_error *err)
{
	char *id = path_session(path);
	long long since;
	int ok;

	(void)bus;
	(void)iface;
	(void)data;
	(void)err;
	ok = id != NULL && session_state(id, &since) == 0;
	free(id);
	*found = NULL;
	return ok;
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("GetSession", "s", "o", get_session,
	    SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END
};

static const sd_bus_vtable session_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("IdleHint", "b", prop_idle, 0, 0),
	SD_BUS_PROPERTY("IdleSinceHint", "t", prop_idle, 0, 0),
	SD_BUS_VTABLE_END
};

int
main(int argc, char **argv)
{
	sd_bus *bus = NULL;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: fakelogind DIR\n");
		return 2;
	}
	dir = argv[1];
	if ((r = sd_bus_open_system(&bus)) < 0 ||
	    (r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/login1",
	    "org.freedesktop.login1.Manager", manager_vtable, NULL)) < 0 ||
	    (r = sd_bus_add_fallback_vtable(bus, NULL, SESSION_PREFIX,
	    "org.freedesktop.login1.Session", session_vtable, session_find,
	    NULL)) < 0 ||
	    (r = sd_bus_request_name(bus, "org.freedesktop.login1", 0)) < 0) {
		fprintf(stderr, "fakelogind: %s\n", strerror(-r));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if ((r = sd_bus_process(bus, NULL)) < 0) {
			fprintf(stderr, "fakelogind: %s\n", strerror(-r));
			return 1;
		}
		if (r > 0)
			continue;
		if ((r = sd_bus_wait(bus, (uint64_t)-1)) < 0 && r != -EINTR) {
			fprintf(stderr, "fakelogind: %s\n", strerror(-r));
			return 1;
		}
	}
}
#else
int
main(void)
{
	fprintf(stderr, "fakelogind: kagi was built without libsystemd\n");
	return 1;
}
#endif
