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

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Copy the live database to FILE (SQLite online backup; the server may keep running).")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The backup file to create (must not exist).") var file: String

    func run() async throws {
        let configuration = try common.load()
        let database = try AppDatabase.open(directory: URL(fileURLWithPath: configuration.dataDirectory))
        try database.backup(to: URL(fileURLWithPath: file))
        print("backed up \(configuration.dataDirectory)/tws.sqlite to \(file)")
    }
}
