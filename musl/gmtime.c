/*
 * musl/gmtime.c - gmtime_r for the static musl builds (jail-ai and
 * jail-ai-aarch64 only, like musl/fmt.c), for events.c's timestamps.
 * musl's goes through __secs_to_tm (about 0.8 KiB of the binary with its
 * tables); this is the days-to-civil-date arithmetic of H. Hinnant's
 * "chrono-compatible low-level date algorithms", proleptic Gregorian, in
 * 64 bits.  Same results: every field, tm_zone "UTC" as musl's, and NULL
 * with EOVERFLOW when the year does not fit tm_year.  tests/unit_libc
 * compares it with the C library's.
 *
 * No privilege.  Untrusted input: none (times from the kernel).
 */
#include <errno.h>
#include <limits.h>
#include <time.h>

struct tm *gmtime_r(const time_t *restrict t, struct tm *restrict tm)
{
	long long days = *t / 86400, secs = *t % 86400, z, era, doe, yoe, y,
	    doy, mp;

	if (secs < 0) {	/* / and % round toward zero */
		secs += 86400;
		days--;
	}
	z = days + 719468;	/* days since 0000-03-01 */
	era = (z >= 0 ? z : z - 146096) / 146097;	/* 400 years */
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);	/* from March 1 */
	mp = (5 * doy + 2) / 153;	/* March is 0 */
	y = yoe + era * 400 + (mp >= 10);
	if (y - 1900 > INT_MAX || y - 1900 < INT_MIN) {
		errno = EOVERFLOW;
		return NULL;
	}
	tm->tm_year = (int)(y - 1900);
	tm->tm_mon = (int)(mp < 10 ? mp + 2 : mp - 10);
	tm->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->tm_yday = (int)(mp >= 10 ? doy - 306 : doy + 59 +
	    (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
	tm->tm_wday = (int)((days % 7 + 11) % 7);	/* 1970-01-01: Thursday */
	tm->tm_hour = (int)(secs / 3600);
	tm->tm_min = (int)(secs / 60 % 60);
	tm->tm_sec = (int)(secs % 60);
	tm->tm_isdst = 0;
	tm->tm_gmtoff = 0;
	tm->tm_zone = "UTC";
	return tm;
}
