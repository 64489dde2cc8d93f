/*
 * clocksync.h - is the system clock synchronised? (R-LOG-4)
 *
 * Asks the kernel (adjtimex(2) with no change requested): the clock is
 * unsynchronised when STA_UNSYNC is set or the call answers TIME_ERROR,
 * which is what an NTP daemon (chrony, systemd-timesyncd, ntpd) clears
 * once it disciplines the clock.  Reading needs no privilege.
 */
#ifndef KAGI_CLOCKSYNC_H
#define KAGI_CLOCKSYNC_H

/* *synced: 1 synchronised, 0 not; KAGI_ERR_IO when the kernel says nothing. */
int clocksync_check(int *synced);

#endif
