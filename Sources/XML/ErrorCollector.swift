import CLibXML2

/// Collects libxml2's structured errors for one operation on one thread.
///
/// Not Sendable and never shared: it is created, filled and read on the thread that runs `LibXML.capturingErrors`.
/// Package-visible because SOAP hands it to libxml2's schema validator as well.
package final class ErrorCollector {
    private var firstError: String?
    private var firstWarning: String?

    /// The opaque pointer handed to libxml2 as the handler's user data (valid while the collector is alive).
    package var context: UnsafeMutableRawPointer {
        Unmanaged.passUnretained(self).toOpaque()
    }

    /// The first error message, or the first warning if there was no error.
    package var message: String? {
        firstError ?? firstWarning
    }

    /// Records one libxml2 diagnostic; only the first of each severity is kept since later ones tend to be fallout.
    func record(level: xmlErrorLevel, message: String, line: Int32) {
        var text = message.trimmingXMLWhitespace()
        if text.isEmpty {
            text = "unspecified XML error"
        }
        if line > 0 {
            text += " (line \(line))"
        }
        if level == XML_ERR_WARNING {
            firstWarning = firstWarning ?? text
        } else {
            firstError = firstError ?? text
        }
    }

    /// The structured error handler: forwards each libxml2 error to the `ErrorCollector` passed as user data.
    package static let handler: xmlStructuredErrorFunc = { userData, error in
        guard let userData, let error else {
            return
        }
        let collector = Unmanaged<ErrorCollector>.fromOpaque(userData).takeUnretainedValue()
        let message = error.pointee.message.map { String(cString: $0) } ?? ""
        collector.record(level: error.pointee.level, message: message, line: error.pointee.line)
    }
}
