/*
 * names.h - kagi's vocabulary: the roles and the zones, defined once.
 *
 * The enums are the numbers the store keeps and the module's zone= option
 * indexes; the name arrays are in the same order and NULL-terminated, so
 * that the configuration parser (CFG_ENUM) can take them as they are.
 * Every place that shows, parses or records a role or a zone goes
 * through here: a name added or changed here changes it everywhere.
 */
#ifndef KAGI_NAMES_H
#define KAGI_NAMES_H

/* Roles (R-PRIV-1, R-REM-1): the store's numbers. */
enum user_role { ROLE_STAFF = 0, ROLE_PRIVILEGED = 1, ROLE_VENDOR = 2,
	ROLE_COUNT = 3 };
/* Zones (R-MFA-1): where a log-in happens. */
enum kagi_zone { ZONE_MYNUMBER = 0, ZONE_LGWAN = 1, ZONE_INTERNET = 2,
	ZONE_COUNT = 3 };

/* "staff", "privileged", "vendor", NULL. */
extern const char *const kagi_role_names[];
/* "mynumber", "lgwan", "internet", NULL. */
extern const char *const kagi_zone_names[];

/* The name of a role; "unknown" for anything else. */
const char *role_name(int role);
/* A role by its name: 0, or KAGI_ERR_INVALID (role untouched). */
int role_from_name(const char *s, int *role);
/* The name of a zone; "unknown" for anything else. */
const char *zone_name(int zone);
/* A zone by its name: 0, or KAGI_ERR_INVALID (zone untouched). */
int zone_from_name(const char *s, int *zone);

#endif
