/*
 * qr.h - a QR code in the terminal (libqrencode), for TOTP enrollment.
 */
#ifndef KAGI_QR_H
#define KAGI_QR_H

#include <stdio.h>

/*
 * Render text as a QR code with UTF-8 half blocks (two rows per line,
 * quiet zone of 2 modules) to out; with ascii set, use "##" and "  ".
 */
int qr_print(const char *text, FILE *out, int ascii);

#endif
