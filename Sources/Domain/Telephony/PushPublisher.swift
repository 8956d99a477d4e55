import Foundation

/// Where push events go; the server's event bus implements it.
public protocol PushPublisher: Sendable {
    /// Publishes `event` to the subscribers of `domainId` that `audience` admits; returns the seq it was given.
    @discardableResult
    func publish(domainId: Int64, audience: PushAudience, event: PushEvent) -> UInt64
}
