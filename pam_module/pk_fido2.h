/*
 * pk_fido2.h - pam_kagi's side of a FIDO2 log-in: find the keys plugged
 * in (libfido2), ask one for an assertion over kagid's challenge, and
 * say plainly what went wrong.  Internal to the module (hidden symbols).
 *
 * libfido2 is not linked into the module: pkf_lib_open() loads it (and
 * libcrypto) only for a FIDO2 log-in, resolving every function used; if
 * anything is missing the log-in fails closed.
 *
 * Devices are listed with fido_dev_info_manifest() and opened with
 * fido_dev_new() + fido_dev_open(path); every exchange with a key is
 * bounded by fido_dev_set_timeout().  A PIN read through the callback
 * is wiped as soon as libfido2 has used it.
 */
#ifndef KAGI_PK_FIDO2_H
#define KAGI_PK_FIDO2_H

#include <stddef.h>

#include "pk_fido2_wire.h"

/* How the module talks to the person; return 0 or non-zero to stop. */
struct pkf_ui {
	void *arg;
	void (*touch)(void *arg);	/* "Touch your security key." */
	/* Ask the key's PIN; *pin malloc'd, wiped and freed by the caller. */
	int (*ask_pin)(void *arg, char **pin);
};

/* libfido2 and libcrypto, loaded; opaque. */
struct pkf_lib;

/*
 * Load libfido2 and libcrypto and resolve every function used; on failure
 * (KAGI_ERR_*) err names the library or symbol missing and nothing stays
 * loaded.  pkf_lib_close() unloads; NULL-tolerant.
 */
int pkf_lib_open(struct pkf_lib **lib, char *err, size_t errlen);
void pkf_lib_close(struct pkf_lib **lib);

enum pkf_result pkf_get_assertion(const struct pkf_lib *lib,
    const struct pkf_request *req, int timeout_ms, const struct pkf_ui *ui,
    struct pkf_answer *ans);

#endif
