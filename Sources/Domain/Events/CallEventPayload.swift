import Foundation

/// A call as seen from one device, after an event.
public struct CallEventPayload: Codable, Sendable, Equatable {
    /// What happened: delivered, established, held, retrieved, transferred, diverted, failed, queued, cleared, originated.
    public var event: String
    /// The PBX's call id.
    public var callId: String
    /// The device this view is about.
    public var device: String
    /// The device's connection state after the event.
    public var state: ConnectionState
    public var direction: CallDirection?
    /// The other party's number as received, and as the dialing plan's reverse direction normalises it.
    public var peerNumber: String?
    /// For an incoming call, the caller's name found by reverse lookup in the directories of the device's owner.
    public var peerName: String?
    /// Incoming calls: the screen-pop data (number as shown, and the contact when identified).
    public var caller: ScreenPopCaller?
    /// The party that last diverted the call, when the PBX says.
    public var lastRedirection: ScreenPopParty?
    /// The phone queue the call came through, when the device is a queue's.
    public var queueId: Int64?
    public var cause: String?

    public init(
        event: String,
        callId: String,
        device: String,
        state: ConnectionState,
        direction: CallDirection? = nil,
        peerNumber: String? = nil,
        peerName: String? = nil,
        caller: ScreenPopCaller? = nil,
        lastRedirection: ScreenPopParty? = nil,
        queueId: Int64? = nil,
        cause: String? = nil
    ) {
        self.event = event
        self.callId = callId
        self.device = device
        self.state = state
        self.direction = direction
        self.peerNumber = peerNumber
        self.peerName = peerName
        self.caller = caller
        self.lastRedirection = lastRedirection
        self.queueId = queueId
        self.cause = cause
    }
}
