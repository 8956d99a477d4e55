import Foundation
import SOAP
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Documents crafted to make an XML parser read files, touch the network or blow up memory.
/// Every one must be refused with `xml_dtd_forbidden` without any of that happening.
@Suite struct HostileInputTests {
    /// A SOAP 1.1 Login whose username is the entity reference `&e;`, preceded by `doctype`.
    private static func login(after doctype: String, username: String = "&e;") -> [UInt8] {
        let xml = """
            <?xml version="1.0" encoding="utf-8"?>
            \(doctype)
            <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tws="urn:opentws:soap:v1">
            <soap:Body><tws:Login><tws:username>\(username)</tws:username></tws:Login></soap:Body></soap:Envelope>
            """
        return Array(xml.utf8)
    }

    @Test func externalEntityToEtcPasswdIsForbidden() throws {
        let document = Self.login(after: "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>")
        let fault = try #require(Fixtures.fault(try Fixtures.parser(), document))
        #expect(fault.code == "xml_dtd_forbidden")
        #expect(fault.isSenderFault)
        #expect(fault.httpStatus == 400)
        #expect(!fault.message.contains("root:"))
    }

    @Test func externalEntityToAMarkerFileIsNeverRead() throws {
        // If the entity were expanded, the marker would end up in the username or in an error message.
        let marker = "MARKER-\(UUID().uuidString)"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("soap-xxe-\(UUID().uuidString).txt")
        try Data(marker.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let parser = try Fixtures.parser()
        for doctype in [
            "<!DOCTYPE x [<!ENTITY e SYSTEM \"\(file.absoluteString)\">]>",
            "<!DOCTYPE x [<!ENTITY e SYSTEM \"\(file.path)\">]>",
            "<!DOCTYPE x SYSTEM \"\(file.absoluteString)\">",
        ] {
            let fault = try #require(Fixtures.fault(parser, Self.login(after: doctype)))
            #expect(fault.code == "xml_dtd_forbidden", "\(doctype)")
            #expect(!fault.message.contains(marker))
        }
    }

    @Test func billionLaughsIsForbiddenQuickly() throws {
        var doctype = "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        doctype += "<!ENTITY lol1 \"" + String(repeating: "&lol;", count: 10) + "\">"
        for level in 2...9 {
            doctype += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">"
        }
        doctype += "]>"
        let started = ContinuousClock.now
        let fault = try #require(Fixtures.fault(try Fixtures.parser(), Self.login(after: doctype, username: "&lol9;")))
        #expect(fault.code == "xml_dtd_forbidden")
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func externalDTDOnAClosedPortIsForbidden() throws {
        let document = Self.login(after: "<!DOCTYPE x SYSTEM \"http://127.0.0.1:1/x.dtd\">", username: "alice")
        let fault = try #require(Fixtures.fault(try Fixtures.parser(), document))
        #expect(fault.code == "xml_dtd_forbidden")
    }

    @Test func externalDTDAndParameterEntitiesNeverConnect() throws {
        let listener = try LoopbackListener()
        defer { listener.close() }
        let url = "http://127.0.0.1:\(listener.port)"
        let parser = try Fixtures.parser()
        for doctype in [
            "<!DOCTYPE x SYSTEM \"\(url)/x.dtd\">",
            "<!DOCTYPE x PUBLIC \"-//X//Y\" \"\(url)/p.dtd\">",
            "<!DOCTYPE x [<!ENTITY % p SYSTEM \"\(url)/p.dtd\"> %p;]>",
            "<!DOCTYPE x [<!ENTITY e SYSTEM \"\(url)/e.xml\">]>",
        ] {
            let fault = try #require(Fixtures.fault(parser, Self.login(after: doctype)))
            #expect(fault.code == "xml_dtd_forbidden", "\(doctype)")
        }
        #expect(listener.pendingConnections() == 0)

        // Positive control: a real connection is counted, so the zero above means something.
        try listener.connectOnce()
        #expect(listener.pendingConnections() == 1)
    }

    @Test func internalSubsetWithoutEntitiesIsStillForbidden() throws {
        let fault = Fixtures.fault(try Fixtures.parser(), Self.login(after: "<!DOCTYPE soap:Envelope>", username: "alice"))
        #expect(fault?.code == "xml_dtd_forbidden")
    }

    @Test func entityReferencesWithoutADoctypeAreMalformed() throws {
        let fault = Fixtures.fault(try Fixtures.parser(), Self.login(after: "", username: "&e;"))
        #expect(fault?.code == "invalid_xml")
        // Predefined and character references are ordinary text.
        let parsed = try Fixtures.parser().parse(Self.login(after: "", username: "a&amp;b&#x3C;&#60;"))
        #expect(parsed.payload.string("username") == "a&b<<")
    }

    @Test func xincludeIsNotProcessed() throws {
        let include = "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"file:///etc/passwd\" parse=\"text\"/>"
        let fault = try #require(Fixtures.fault(try Fixtures.parser(), Self.login(after: "", username: include)))
        // The include element stays an element, which the schema does not allow inside username.
        #expect(fault.code == "schema_violation")
        #expect(!fault.message.contains("root:"))
    }
}

/// A TCP listener on an ephemeral 127.0.0.1 port that never accepts, to prove that nobody connected to it.
private final class LoopbackListener {
    /// Why the listener could not be set up.
    struct SetupError: Error {
        let step: String
    }

    let port: UInt16
    private let descriptor: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SetupError(step: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(fd)
            throw SetupError(step: "bind/listen")
        }
        // Non-blocking so that pendingConnections() can poll without hanging.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        descriptor = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    /// Opens (and immediately closes) one client connection to the listener.
    func connectOnce() throws {
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard client >= 0 else { throw SetupError(step: "client socket") }
        defer { Glibc.close(client) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                connect(client, generic, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw SetupError(step: "connect") }
    }

    /// Accepts (and closes) whatever connected so far and returns how many did.
    func pendingConnections() -> Int {
        var count = 0
        while true {
            let connection = accept(descriptor, nil, nil)
            if connection < 0 {
                return count
            }
            Glibc.close(connection)
            count += 1
        }
    }

    func close() {
        Glibc.close(descriptor)
    }
}
