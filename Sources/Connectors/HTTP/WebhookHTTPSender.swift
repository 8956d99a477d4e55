import AsyncHTTPClient
import Domain
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Sends webhook POSTs with one shared async-http-client `HTTPClient` (issue 19): no redirect followed (a 3xx answer is
/// a failure like any non-2xx), a deadline per attempt, and at most `WebhookAttempt.excerptLimit` bytes of the answer
/// read. `shutdown()` closes the client once the dispatcher has stopped.
public final class WebhookHTTPSender: WebhookSender {
    /// Made at the first delivery: a server built but never run (tests, `--check`) then holds no client, which
    /// async-http-client requires to be shut down before it is released.
    private let made = NIOLockedValueBox<HTTPClient?>(nil)

    public init() {}

    private var client: HTTPClient {
        made.withLockedValue { made in
            if let client = made { return client }
            var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
            configuration.timeout = .init(connect: .seconds(10), read: .seconds(10))
            // A refused connection is a failed attempt at once: the dispatcher has its own backoff, and retrying the
            // connection inside the attempt made a receiver that is down cost each attempt its whole timeout.
            configuration.connectionPool.retryConnectionEstablishment = false
            configuration.decompression = .disabled
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            made = client
            return client
        }
    }

    public func post(url: String, headers: [(String, String)], body: String, timeout: Duration) async -> WebhookSendResult {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let deadline = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        do {
            let response = try await client.execute(request, timeout: deadline)
            var excerpt = ByteBuffer()
            do {
                for try await chunk in response.body {
                    var chunk = chunk
                    let room = WebhookAttempt.excerptLimit - excerpt.readableBytes
                    if let bytes = chunk.readSlice(length: min(room, chunk.readableBytes)) {
                        var bytes = bytes
                        excerpt.writeBuffer(&bytes)
                    }
                    if excerpt.readableBytes >= WebhookAttempt.excerptLimit { break }
                }
            } catch {
                // The status is what counts; a body cut short is kept as far as it came.
            }
            let text = excerpt.readableBytes == 0 ? nil : String(decoding: excerpt.readableBytesView, as: UTF8.self)
            return WebhookSendResult(status: Int(response.status.code), error: nil, excerpt: text)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return WebhookSendResult(status: nil, error: "timeout", excerpt: nil)
        } catch {
            return WebhookSendResult(status: nil, error: "\(error)", excerpt: nil)
        }
    }

    /// Closes the client (after the dispatcher's last attempt).
    public func shutdown() async {
        let client = made.withLockedValue { made in
            defer { made = nil }
            return made
        }
        try? await client?.shutdown()
    }
}

/// Resolves host names with the system resolver (getaddrinfo) on NIO's blocking thread pool.
public struct SystemWebhookResolver: WebhookResolver {
    public init() {}

    public func addresses(host: String) async throws -> [[UInt8]] {
        try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, nil, &hints, &list)
            guard status == 0, let first = list else { throw WebhookResolveError(host: host) }
            defer { freeaddrinfo(first) }
            var addresses: [[UInt8]] = []
            var entry: UnsafeMutablePointer<addrinfo>? = first
            while let current = entry {
                if let address = current.pointee.ai_addr {
                    switch Int32(address.pointee.sa_family) {
                    case AF_INET:
                        address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                            withUnsafeBytes(of: v4.pointee.sin_addr) { addresses.append(Array($0)) }
                        }
                    case AF_INET6:
                        address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                            withUnsafeBytes(of: v6.pointee.sin6_addr) { addresses.append(Array($0)) }
                        }
                    default: break
                    }
                }
                entry = current.pointee.ai_next
            }
            return addresses
        }
    }
}

/// A webhook host that does not resolve.
struct WebhookResolveError: Error, CustomStringConvertible {
    var host: String
    var description: String { "\(host) does not resolve" }
}
