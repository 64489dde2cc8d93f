/*
 * i18n.c - binding kagi's text domain.
 */
#include "config.h"

#include <locale.h>

#include "i18n.h"

void
kagi_i18n_bind(void)
{
	bindtextdomain(KAGI_TEXTDOMAIN, LOCALEDIR);
	bind_textdomain_codeset(KAGI_TEXTDOMAIN, "UTF-8");
}

void
kagi_i18n_init(void)
{
	setlocale(LC_ALL, "");
	kagi_i18n_bind();
}
