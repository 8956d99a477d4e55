import Domain
import Foundation
import Logging
import ServiceLifecycle
import Storage

/// Starts the synchronisations that are due (admin guide 8.2.1): "daily" directories at their domain's System
/// parameter `timeSynchronizationDirectories`, "every N minutes" ones N minutes after their last start. Checked once
/// a minute; a directory already synchronising is left alone.
struct DirectorySyncScheduler: Service {
    let database: AppDatabase
    let synchronizer: DirectorySynchronizer
    let logger: Logger

    func run() async throws {
        await atEveryMinute {
            let due: [Directory]
            do {
                due = try await database.read { tx in try DirectorySchedule.due(at: Date(), calendar: .current, tx) }
            } catch {
                logger.error("directory schedule unreadable", metadata: ["error": "\(error)"])
                return
            }
            // Handed to the server's synchronisation runs, which log how each ended.
            for directory in due {
                guard let id = directory.id, (try? await synchronizer.start(directoryId: id)) != nil else { continue }
                logger.info("directory synchronisation started", metadata: ["directory": "\(id)"])
            }
        }
    }
}
