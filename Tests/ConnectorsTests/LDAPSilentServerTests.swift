import Domain
import Foundation
import Testing

@testable import Connectors

/// A directory server that takes the TCP connection and never says a word.
@Suite struct LDAPSilentServerTests {
    @Test func ldapsHandshakeWithASilentServerEndsWithTheTimeOut() async throws {
        // libldap's own time-outs do not bound an ldaps handshake: without the watchdog this open would never return.
        let listener = try SilentListener()
        defer { close(listener.descriptor) }
        let connector = DirectoryConnectors(importFolder: unusedImportFolder)
        let settings = LDAPSourceSettings(host: "127.0.0.1", port: listener.port, ldaps: true, baseDN: "dc=example,dc=org", timeoutSeconds: 1)
        let failure = try await within(seconds: 20) { () async -> DirectorySourceError? in
            do throws(DirectorySourceError) {
                let reader = try await connector.open(.ldap(settings), attributes: ["uid"])
                await reader.close()
                return nil
            } catch {
                return error
            }
        }
        #expect(failure?.kind == .timeout, "\(String(describing: failure))")
    }
}

/// A loopback socket that listens (the kernel completes the TCP handshake) but is never read.
private struct SilentListener {
    let descriptor: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestServiceError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard ready else {
            close(fd)
            throw TestServiceError("bind/listen failed")
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }
}
