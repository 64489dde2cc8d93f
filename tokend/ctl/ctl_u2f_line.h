/*
 * ctl_u2f_line.h - one line of a pam_u2f authfile, as `kagictl import
 * pam-u2f` reads it (ctl_u2f.c); on its own so that fuzz/fuzz_u2f.c
 * runs the same parser.
 *
 * A line is user:keyHandle,publicKey,coseType,options[:...] (or the older
 * user:keyHandle,publicKey).  The parser only reads: it prints nothing,
 * and on a refusal hands the (translated) reason to the caller, which
 * names the file and the line.
 */
#ifndef KAGI_CTL_U2F_LINE_H
#define KAGI_CTL_U2F_LINE_H

#include <stddef.h>

#include "proto.h"

#define U2F_LINE_MAX 16384
#define U2F_MAX_CREDS 1024

struct u2f_cred {
	size_t line;
	char user[KAGI_NAME_MAX + 1];
	char *cred;		/* standard base64 */
	char *pk;		/* standard base64 */
	const char *alg;	/* "es256", "eddsa" or "rs256" */
	const char *uv;		/* "none" or "pin" */
};

struct u2f_file {
	const char *name;
	struct u2f_cred c[U2F_MAX_CREDS];
	size_t n;
};

/*
 * Add the credentials of line number line (l, len bytes, no newline, at
 * most U2F_LINE_MAX) to f.  KAGI_ERR_INVALID with *why the reason when
 * the line cannot be read; credentials added before the one refused stay
 * in f (the caller imports nothing then, and frees f).
 */
int u2f_line_parse(struct u2f_file *f, size_t line, const char *l,
    size_t len, const char **why);
/* Free the credentials of f and empty it. */
void u2f_free(struct u2f_file *f);

#endif
