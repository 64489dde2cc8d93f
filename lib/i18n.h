/*
 * i18n.h - translated messages (gettext, text domain "kagi").
 *
 * Everything a person reads (prompts, errors, kagictl output) goes through
 * _().  Logs stay English.  Programs call kagi_i18n_init() once; the PAM
 * module uses dgettext through _() and never calls setlocale on its host.
 */
#ifndef KAGI_I18N_H
#define KAGI_I18N_H

#include <libintl.h>
#include <stddef.h>

#define KAGI_TEXTDOMAIN "kagi"
#define _(s) dgettext(KAGI_TEXTDOMAIN, s)
#define N_(s) (s)

/* setlocale(LC_ALL, "") and bind the text domain; for programs only. */
void kagi_i18n_init(void);
/* Bind the text domain without touching the locale (the PAM module). */
void kagi_i18n_bind(void);
/*
 * Fill tmpl into out (len bytes, always terminated, cut when long): "%s"
 * takes the next of args, "%N$s" the Nth, "%%" is '%'; anything else is
 * copied as it is.  Never a printf format: a template may come from
 * kagid or a translation, and only strings are ever put in.
 */
#define KAGI_I18N_ARGS_MAX 12	/* the most arguments a template takes */
void kagi_i18n_fill(char *out, size_t len, const char *tmpl,
    const char *const *args, size_t nargs);

#endif
