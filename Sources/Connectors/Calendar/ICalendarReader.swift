import CICal
import Domain
import Foundation

/// Reads the busy occurrences of iCalendar objects (RFC 5545) within a window, through libical (Debian libical-dev):
/// libical parses, resolves TZID against the object's VTIMEZONEs (or its built-in zones), and steps RRULEs; this type
/// decides what counts as busy.
///
/// - `STATUS:CANCELLED` and `TRANSP:TRANSPARENT` events are left out (free time, RFC 5545 3.8.2.7);
/// - `CLASS:PRIVATE` and `CLASS:CONFIDENTIAL` mark the occurrence private;
/// - a DTSTART of VALUE=DATE is a whole-day event, midnight to midnight in `timeZone`; floating times are read in it too;
/// - a recurring event's instances are expanded within the window, less its EXDATEs and the instances that an
///   overriding VEVENT (same UID, RECURRENCE-ID) replaces; the override is read as an event of its own.
public struct ICalendarReader: Sendable {
    /// Instances stepped through per recurring event at most (a daily event since 1990 is ~13,000): past it the rest
    /// of the rule is not read.
    public static let maxSteps = 50_000

    public var timeZone: TimeZone

    public init(timeZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.timeZone = timeZone
    }

    /// The occurrences of every VEVENT of `text` (one VCALENDAR, or a lone VEVENT) overlapping `window`, by start.
    /// Text libical cannot parse answers no occurrence.
    public func occurrences(_ text: String, window: CalendarWindow) -> [CalendarOccurrence] {
        occurrences([text], window: window)
    }

    /// The occurrences of several calendar objects (the calendar-data of a CalDAV answer), by start.
    public func occurrences(_ texts: [String], window: CalendarWindow) -> [CalendarOccurrence] {
        var events: [Event] = []
        var components: [OpaquePointer] = []
        defer { components.forEach { icalcomponent_free($0) } }
        for text in texts {
            guard let root = text.withCString({ icalparser_parse_string($0) }) else { continue }
            components.append(root)
            events.append(contentsOf: Self.events(in: root))
        }
        // Instances replaced by an override (RFC 5545 3.8.4.4): UID and original start.
        var overridden: Set<String> = []
        for event in events where event.recurrenceId != nil {
            guard let id = event.recurrenceId,
                let start = date(id, zoneOf: event.component, tzid: icalcomponent_get_first_property(event.component, ICAL_RECURRENCEID_PROPERTY))
            else { continue }
            overridden.insert("\(event.uid)|\(start.timeIntervalSince1970)")
        }
        var found: [CalendarOccurrence] = []
        for event in events {
            found.append(contentsOf: occurrences(of: event, window: window, overridden: overridden))
        }
        return found.sorted { ($0.start, $0.end, $0.summary) < ($1.start, $1.end, $1.summary) }
    }

    /// A VEVENT with what decides whether and when it makes its owner busy.
    private struct Event {
        var component: OpaquePointer
        var uid: String
        var recurrenceId: icaltimetype?
    }

    private static func events(in root: OpaquePointer) -> [Event] {
        var list: [OpaquePointer] = []
        if icalcomponent_isa(root) == ICAL_VEVENT_COMPONENT {
            list.append(root)
        } else {
            var next = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT)
            while let component = next {
                list.append(component)
                next = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT)
            }
        }
        return list.map { component in
            let uid = icalcomponent_get_uid(component).map { String(cString: $0) } ?? ""
            let hasRecurrenceId = icalcomponent_get_first_property(component, ICAL_RECURRENCEID_PROPERTY) != nil
            return Event(component: component, uid: uid, recurrenceId: hasRecurrenceId ? icalcomponent_get_recurrenceid(component) : nil)
        }
    }

    private func occurrences(of event: Event, window: CalendarWindow, overridden: Set<String>) -> [CalendarOccurrence] {
        let component = event.component
        if icalcomponent_get_status(component) == ICAL_STATUS_CANCELLED { return [] }
        if let transp = icalcomponent_get_first_property(component, ICAL_TRANSP_PROPERTY) {
            let value = icalproperty_get_transp(transp)
            if value == ICAL_TRANSP_TRANSPARENT || value == ICAL_TRANSP_TRANSPARENTNOCONFLICT { return [] }
        }
        let dtstart = icalcomponent_get_dtstart(component)
        guard icaltime_is_null_time(dtstart) == 0, let start = date(dtstart, zoneOf: component) else { return [] }
        let allDay = dtstart.is_date != 0
        let length = duration(of: component, dtstart: dtstart, start: start, allDay: allDay)
        var isPrivate = false
        if let property = icalcomponent_get_first_property(component, ICAL_CLASS_PROPERTY) {
            let value = icalproperty_get_class(property)
            isPrivate = value == ICAL_CLASS_PRIVATE || value == ICAL_CLASS_CONFIDENTIAL
        }
        let summary = icalcomponent_get_summary(component).map { String(cString: $0) } ?? ""
        func occurrence(_ begin: Date, _ instance: icaltimetype?) -> CalendarOccurrence {
            var end = begin.addingTimeInterval(length.seconds)
            if allDay, let days = length.days, let instance, let endDay = wholeDayEnd(instance, days: days) { end = endDay }
            return CalendarOccurrence(start: begin, end: end, summary: summary, isPrivate: isPrivate, allDay: allDay)
        }
        guard let rule = icalcomponent_get_first_property(component, ICAL_RRULE_PROPERTY), event.recurrenceId == nil else {
            let single = occurrence(start, dtstart)
            return single.end > window.start && single.start < window.end ? [single] : []
        }
        var excluded: Set<TimeInterval> = []
        var exdate = icalcomponent_get_first_property(component, ICAL_EXDATE_PROPERTY)
        while let property = exdate {
            if let time = date(icalproperty_get_exdate(property), zoneOf: component, tzid: property) {
                excluded.insert(time.timeIntervalSince1970)
            }
            exdate = icalcomponent_get_next_property(component, ICAL_EXDATE_PROPERTY)
        }
        guard let iterator = icalrecur_iterator_new(icalproperty_get_rrule(rule), dtstart) else { return [] }
        defer { icalrecur_iterator_free(iterator) }
        var found: [CalendarOccurrence] = []
        var steps = 0
        while steps < Self.maxSteps {
            steps += 1
            let instance = icalrecur_iterator_next(iterator)
            guard icaltime_is_null_time(instance) == 0 else { break }
            // The iterator answers times in DTSTART's zone: read them the same way DTSTART is read.
            var zoned = instance
            zoned.zone = dtstart.zone
            guard let begin = date(zoned, zoneOf: component) else { break }
            if begin >= window.end { break }
            let key = begin.timeIntervalSince1970
            if excluded.contains(key) || overridden.contains("\(event.uid)|\(key)") { continue }
            let candidate = occurrence(begin, zoned)
            if candidate.end > window.start { found.append(candidate) }
        }
        return found
    }

    /// The event's length: DTEND − DTSTART, or DURATION; a whole-day event without either lasts one day
    /// (RFC 5545 3.6.1), a timed one without either none.
    private func duration(of component: OpaquePointer, dtstart: icaltimetype, start: Date, allDay: Bool) -> (seconds: TimeInterval, days: Int?) {
        let hasEnd = icalcomponent_get_first_property(component, ICAL_DTEND_PROPERTY) != nil
        let hasDuration = icalcomponent_get_first_property(component, ICAL_DURATION_PROPERTY) != nil
        if allDay {
            if hasEnd {
                let dtend = icalcomponent_get_dtend(component)
                let days = Self.dayNumber(dtend) - Self.dayNumber(dtstart)
                return (TimeInterval(max(days, 1)) * 86_400, max(days, 1))
            }
            if hasDuration {
                let span = icalcomponent_get_duration(component)
                let seconds = TimeInterval(icaldurationtype_as_int(span))
                return (seconds, Int((seconds / 86_400).rounded(.up)))
            }
            return (86_400, 1)
        }
        if hasEnd, let end = date(icalcomponent_get_dtend(component), zoneOf: component) { return (max(end.timeIntervalSince(start), 0), nil) }
        if hasDuration { return (TimeInterval(max(icaldurationtype_as_int(icalcomponent_get_duration(component)), 0)), nil) }
        return (0, nil)
    }

    private static func dayNumber(_ time: icaltimetype) -> Int {
        var components = DateComponents()
        (components.year, components.month, components.day) = (Int(time.year), Int(time.month), Int(time.day))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return Int((calendar.date(from: components)?.timeIntervalSince1970 ?? 0) / 86_400)
    }

    /// Midnight `days` days after `instance`'s date, in `timeZone` (a day may have 23 or 25 hours).
    private func wholeDayEnd(_ instance: icaltimetype, days: Int) -> Date? {
        guard let begin = local(instance, dateOnly: true) else { return nil }
        return calendar.date(byAdding: .day, value: days, to: begin)
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The instant of an iCalendar time: UTC, in its TZID's zone (the object's VTIMEZONE or libical's built-in zone),
    /// or, when floating or a date, in `timeZone`. nil for a time libical could not make sense of.
    private func date(_ time: icaltimetype, zoneOf component: OpaquePointer, tzid property: OpaquePointer? = nil) -> Date? {
        guard icaltime_is_null_time(time) == 0 else { return nil }
        if time.is_date != 0 { return local(time, dateOnly: true) }
        if icaltime_is_utc(time) != 0 { return Date(timeIntervalSince1970: TimeInterval(icaltime_as_timet(time))) }
        if let zone = time.zone { return Date(timeIntervalSince1970: TimeInterval(icaltime_as_timet_with_zone(time, zone))) }
        // The TZID of an EXDATE or a RECURRENCE-ID is not attached by their getters: resolve it like DTSTART's.
        if let property, let parameter = icalproperty_get_first_parameter(property, ICAL_TZID_PARAMETER),
            let tzid = icalparameter_get_tzid(parameter)
        {
            var root = component
            while let parent = icalcomponent_get_parent(root) { root = parent }
            let zone = icalcomponent_get_timezone(root, tzid) ?? icaltimezone_get_builtin_timezone(tzid)
            if let zone { return Date(timeIntervalSince1970: TimeInterval(icaltime_as_timet_with_zone(time, zone))) }
        }
        return local(time, dateOnly: false)
    }

    /// A floating time or a date read in `timeZone`.
    private func local(_ time: icaltimetype, dateOnly: Bool) -> Date? {
        var components = DateComponents()
        (components.year, components.month, components.day) = (Int(time.year), Int(time.month), Int(time.day))
        if !dateOnly { (components.hour, components.minute, components.second) = (Int(time.hour), Int(time.minute), Int(time.second)) }
        return calendar.date(from: components)
    }
}
