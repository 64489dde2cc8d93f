/*
 * names.c - the names of roles and zones (names.h).
 *
 * Lookups compare whole names, exactly (no case folding, no prefixes); a
 * NULL name matches nothing.
 */
#include "config.h"

#include <string.h>

#include "kagi_err.h"
#include "names.h"

const char *const kagi_role_names[] = { "staff", "privileged", "vendor",
    NULL };
const char *const kagi_zone_names[] = { "mynumber", "lgwan", "internet",
    NULL };

static int
index_of(const char *const *names, int count, const char *s, int *out)
{
	int i;

	for (i = 0; s != NULL && i < count; i++)
		if (strcmp(names[i], s) == 0) {
			*out = i;
			return 0;
		}
	return KAGI_ERR_INVALID;
}

const char *
role_name(int role)
{
	return role >= 0 && role < ROLE_COUNT ? kagi_role_names[role] :
	    "unknown";
}

int
role_from_name(const char *s, int *role)
{
	return index_of(kagi_role_names, ROLE_COUNT, s, role);
}

const char *
zone_name(int zone)
{
	return zone >= 0 && zone < ZONE_COUNT ? kagi_zone_names[zone] :
	    "unknown";
}

int
zone_from_name(const char *s, int *zone)
{
	return index_of(kagi_zone_names, ZONE_COUNT, s, zone);
}
