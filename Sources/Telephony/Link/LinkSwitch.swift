/// The off switch of one running link: `run` carries the link's task (a child of `PbxLinks.run()`), `turnOff` ends it
/// and waits until the link has closed. Turning off a link that never started, or twice, is harmless.
final class LinkSwitch: Sendable {
    private let off: AsyncStream<Never>
    private let offSignal: AsyncStream<Never>.Continuation
    private let closed: AsyncStream<Never>
    private let closedSignal: AsyncStream<Never>.Continuation

    init() {
        (off, offSignal) = AsyncStream.makeStream(of: Never.self)
        (closed, closedSignal) = AsyncStream.makeStream(of: Never.self)
    }

    /// Runs `link` until `turnOff()` or cancellation.
    func run(_ link: CSTALink) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await link.run() }
            // Ends when the switch is turned off, or when the task is cancelled.
            group.addTask { for await _ in self.off {} }
            await group.next()
            group.cancelAll()
        }
        closedSignal.finish()
    }

    /// The link will never run (the links have stopped): `turnOff` returns at once.
    func neverStarted() {
        closedSignal.finish()
    }

    /// Stops the link and waits for it to close (returns at once for a link whose `run` already ended).
    func turnOff() async {
        offSignal.finish()
        for await _ in closed {}
    }
}
