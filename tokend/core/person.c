/*
 * person.c - the people behind callers (person.h).
 *
 * Pure: reads only the peer as peer.c filled it in (uid, user name,
 * login uid and the login uid's account name) and what a request stored;
 * no clock, no store, no logging.  Every comparison errs towards "the
 * same person": a refusal costs a second person's time, a wrong "not
 * the same" would let one person do what takes two.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "person.h"
#include "username.h"

int
person_luid_known(int64_t luid)
{
	return luid > 0 && luid != (int64_t)PEER_NO_LOGINUID;
}

int
person_known(const struct peer *p)
{
	return p->loginuid != PEER_NO_LOGINUID && p->loginuid != 0;
}

int64_t
person_luid(const struct peer *p)
{
	return p->loginuid == PEER_NO_LOGINUID ? -1 : (int64_t)p->loginuid;
}

/* Two names are one account: both non-empty, equal once canonical. */
static int
same_name(const char *a, const char *b)
{
	char ca[STORE_NAME_MAX + 1], cb[STORE_NAME_MAX + 1];

	if (a == NULL || b == NULL || a[0] == '\0' || b[0] == '\0')
		return 0;
	if (user_canonical(a, ca) != 0 || user_canonical(b, cb) != 0)
		return strcmp(a, b) == 0;
	return strcmp(ca, cb) == 0;
}

int
person_is(const struct peer *p, int64_t uid, int64_t luid, const char *name)
{
	int64_t puid = (int64_t)p->uid, pluid = person_luid(p);

	/* The same account (root is everyone's, so it proves nothing). */
	if (puid != 0 && (puid == uid || puid == luid))
		return 1;
	if (puid != 0 && uid != 0 && same_name(p->name, name))
		return 1;
	/* The same person behind either account. */
	if (person_known(p) && (pluid == luid || (uid != 0 && pluid == uid)))
		return 1;
	return 0;
}

int
person_owns(const struct peer *p, const char *user)
{
	if (p->uid != 0 && same_name(p->name, user))
		return 1;
	return person_known(p) && same_name(p->person, user);
}

const char *
person_describe(const struct peer *p, char *buf, size_t len)
{
	const char *name = p->name[0] != '\0' ? p->name : "?";

	if (!person_known(p))
		snprintf(buf, len, "%s (uid %u, %s)", name, (unsigned)p->uid,
		    p->loginuid == 0 ? "login uid 0: logged in as root" :
		    "no login uid");
	else if (p->loginuid == p->uid)
		snprintf(buf, len, "%s (login uid %u)", name,
		    (unsigned)p->loginuid);
	else
		snprintf(buf, len, "%s (uid %u, login uid %u%s%s)", name,
		    (unsigned)p->uid, (unsigned)p->loginuid,
		    p->person[0] != '\0' ? ", " : "", p->person);
	return buf;
}
