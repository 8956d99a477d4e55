import ArgumentParser
import Domain
import Endpoints
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import Storage
import Telephony

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Replace the database with a backup made by `backup` (stop the server first).")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The backup file to restore.") var file: String

    func run() async throws {
        let configuration = try common.load()
        let database = try AppDatabase.open(directory: URL(fileURLWithPath: configuration.dataDirectory))
        try database.restore(from: URL(fileURLWithPath: file))
        print("restored \(file) into \(configuration.dataDirectory)/tws.sqlite")
    }
}
