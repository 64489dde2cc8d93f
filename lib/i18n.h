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

#define KAGI_TEXTDOMAIN "kagi"
#define _(s) dgettext(KAGI_TEXTDOMAIN, s)
#define N_(s) (s)

/* setlocale(LC_ALL, "") and bind the text domain; for programs only. */
void kagi_i18n_init(void);
/* Bind the text domain without touching the locale (the PAM module). */
void kagi_i18n_bind(void);

#endif
