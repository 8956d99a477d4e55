#ifndef CICAL_SHIM_H
#define CICAL_SHIM_H

/*
 * Umbrella header for libical (Debian package libical-dev): the iCalendar parser, RRULE expansion and VTIMEZONE
 * rules the CalDAV calendar connector reads events with (Connectors/Calendar/ICalendarReader.swift). Every call
 * works on components the caller owns; libical's built-in time zones are loaded under its own lock.
 */
#include <libical/ical.h>

#endif /* CICAL_SHIM_H */
