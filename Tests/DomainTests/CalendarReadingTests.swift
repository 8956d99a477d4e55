import Domain
import Foundation
import Testing

/// A user's calendar reading as each viewer sees it (issue 21), and the connection's mapping and checks.
@Suite("Calendar reading")
struct CalendarReadingTests {
    static func at(_ minutes: Int) -> Date { Date(timeIntervalSince1970: 1_800_000_000 + TimeInterval(minutes * 60)) }

    static let reading = CalendarReading.read([
        CalendarOccurrence(start: at(0), end: at(60), summary: "Budget review"),
        CalendarOccurrence(start: at(30), end: at(45), summary: "Doctor", isPrivate: true),
        CalendarOccurrence(start: at(120), end: at(180), summary: ""),
    ])

    @Test func theEventBegunLastIsTheOneShownWithItsSubjectOnlyWhenAllowed() {
        let owner = Self.reading.presence(userId: 1, at: Self.at(40), showsSummary: true, showsPrivate: true)
        #expect(owner == CalendarPresence(userId: 1, state: .busy, until: Self.at(45), subject: "Doctor", isPrivate: true, allDay: false))
        // Private events hidden: the meeting under it shows, until its own end.
        let other = Self.reading.presence(userId: 1, at: Self.at(40), showsSummary: true, showsPrivate: false)
        #expect(other.until == Self.at(60) && other.subject == "Budget review" && other.isPrivate == false)
        let bare = Self.reading.presence(userId: 1, at: Self.at(40), showsSummary: false, showsPrivate: false)
        #expect(bare.state == .busy && bare.subject == nil)
        // An empty summary is no subject; the end is excluded.
        #expect(Self.reading.presence(userId: 1, at: Self.at(150), showsSummary: true, showsPrivate: false).subject == nil)
        #expect(Self.reading.presence(userId: 1, at: Self.at(180), showsSummary: true, showsPrivate: true).state == .free)
    }

    @Test func theNextChangeIsTheNextStartOrEndAndTheRulesSeePrivateEvents() {
        #expect(Self.reading.nextChange(after: Self.at(0)) == Self.at(30))
        #expect(Self.reading.nextChange(after: Self.at(45)) == Self.at(60))
        #expect(Self.reading.nextChange(after: Self.at(180)) == nil)
        #expect(Self.reading.busy(at: Self.at(35)))
        #expect(!CalendarReading.failed(.unreachable).busy(at: Self.at(35)))
        #expect(CalendarReading.failed(.refused).presence(userId: 1, at: Self.at(0), showsSummary: true, showsPrivate: true).reason == .unreachable)
        #expect(CalendarReading.unmapped.presence(userId: 1, at: Self.at(0), showsSummary: true, showsPrivate: true).reason == .unmapped)
    }

    @Test func aCalendarURLIsMadeFromTheTemplateWithEachValueOneEncodedSegment() {
        var connection = CalendarConnection(companyId: 1, domainId: 2, serverURL: "https://cal.example.com/dav/", updatedAt: Date())
        #expect(connection.calendarURL(email: "anne.o'neil@example.com", login: "aoneil") == "https://cal.example.com/dav/anne.o%27neil@example.com/calendar/")
        #expect(connection.calendarURL(email: "", login: "aoneil") == nil)
        connection.calendarURLTemplate = "{base}/calendars/{login}/{localpart}/"
        #expect(connection.calendarURL(email: "a/b@example.com", login: "x y") == "https://cal.example.com/dav/calendars/x%20y/a%2Fb/")
        #expect(connection.shown.password == "")
        connection.password = "secret"
        #expect(connection.shown.password == CalendarConnection.masked)
    }
}
