/*
 * login.h - what every log-in request carries, once parsed: the
 * canonical user name, the service, terminal, remote host and zone.
 */
#ifndef KAGI_LOGIN_H
#define KAGI_LOGIN_H

#include "store.h"

struct auth_req {
	char user[STORE_NAME_MAX + 1];	/* canonical (or as sent: unknown) */
	int name_ok;			/* user has a canonical form */
	const char *service;
	const char *tty;
	const char *rhost;
	const char *zone;
	int zone_idx;			/* enum kagi_zone */
};

#endif
