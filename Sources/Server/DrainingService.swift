import ServiceLifecycle

/// A long-lived loop that ends by itself once told to stop: on graceful shutdown `stop` is called, and the service
/// returns when `run` has finished what it had taken (the call-log writer its queued lines, the links their closing,
/// the synchronisation runs those under way).
///
/// Cancellation stops it too. The group cancels its services when one of them fails (the REST port already taken);
/// a loop that waited for `stop` alone then never ended, and the process spun on its doorbells instead of exiting.
struct DrainingService: Service {
    let run: @Sendable () async -> Void
    let stop: @Sendable () -> Void

    func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await run()
            } onGracefulShutdown: {
                stop()
            }
        } onCancel: {
            stop()
        }
    }
}
