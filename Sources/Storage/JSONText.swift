import Foundation

/// The JSON of small stored values (arrays of strings, of flat objects), written and read by hand (RFC 8259).
enum JSONText {
    indirect enum Value: Equatable {
        case string(String), bool(Bool), null, number(String), array([Value]), object([String: Value])
    }

    /// The array of strings `text` holds, read without a tree; JSONDecoder reads any form this reader does not know.
    static func decodeStrings(_ text: String) throws -> [String] {
        let read = elements(of: text) { reader in reader.quotedString() }
        if let read { return read }
        return try JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    /// The array of flat objects `text` holds, each object's members handed to `member` as they are read and the
    /// element made by `element` when the object closes: no tree and no dictionary per object, as a search page reads
    /// 17 contacts' phone lists. JSONDecoder reads any form this reader, `member` or `element` does not know.
    static func decodeObjects<T: Decodable, Fields>(
        _ text: String,
        empty: Fields,
        member: (inout Fields, String, Value) -> Bool,
        element: (Fields) -> T?
    ) throws -> [T] {
        let read = elements(of: text) { reader -> T? in
            guard reader.take(UInt8(ascii: "{")) else { return nil }
            var fields = empty
            if !reader.take(UInt8(ascii: "}")) {
                repeat {
                    guard let name = reader.quotedString(), reader.take(UInt8(ascii: ":")), let value = reader.value(depth: 2),
                        member(&fields, name, value)
                    else { return nil }
                } while reader.take(UInt8(ascii: ","))
                guard reader.take(UInt8(ascii: "}")) else { return nil }
            }
            return element(fields)
        }
        if let read { return read }
        return try JSONDecoder().decode([T].self, from: Data(text.utf8))
    }

    /// The elements of the array `text` holds, each read by `element` from where it starts, in place (no copy of the
    /// text); nil when the text is not such an array, or `element` cannot read one.
    private static func elements<T>(of text: String, _ element: (inout Reader) -> T?) -> [T]? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = Reader(bytes: bytes)
            var elements: [T] = []
            guard reader.take(UInt8(ascii: "[")) else { return nil }
            if !reader.take(UInt8(ascii: "]")) {
                repeat {
                    guard let made = element(&reader) else { return nil }
                    elements.append(made)
                } while reader.take(UInt8(ascii: ","))
                guard reader.take(UInt8(ascii: "]")) else { return nil }
            }
            reader.skipSpace()
            return reader.position == bytes.count ? elements : nil
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        mutating func skipSpace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        /// A string literal after any space; nil when none starts there.
        mutating func quotedString() -> String? {
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
            return string()
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let word = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
            guard bytes.count - position >= word.count, bytes[position..<position + word.count].elementsEqual(word) else { return false }
            position += word.count
            return true
        }

        mutating func value(depth: Int) -> Value? {
            skipSpace()
            guard position < bytes.count, depth < 8 else { return nil }
            switch bytes[position] {
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "["):
                position += 1
                var values: [Value] = []
                if take(UInt8(ascii: "]")) { return .array(values) }
                repeat {
                    guard let value = value(depth: depth + 1) else { return nil }
                    values.append(value)
                } while take(UInt8(ascii: ","))
                return take(UInt8(ascii: "]")) ? .array(values) : nil
            case UInt8(ascii: "{"):
                position += 1
                var fields: [String: Value] = [:]
                if take(UInt8(ascii: "}")) { return .object(fields) }
                repeat {
                    guard let key = quotedString(), take(UInt8(ascii: ":")), let value = value(depth: depth + 1) else { return nil }
                    fields[key] = value
                } while take(UInt8(ascii: ","))
                return take(UInt8(ascii: "}")) ? .object(fields) : nil
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            default:
                let start = position
                while position < bytes.count, "+-.0123456789eE".utf8.contains(bytes[position]) { position += 1 }
                return position > start ? .number(String(decoding: bytes[start..<position], as: UTF8.self)) : nil
            }
        }

        /// A string literal starting at `position` (its opening quote).
        mutating func string() -> String? {
            position += 1
            let start = position
            // Without escapes the literal is its bytes: the common case, copied whole.
            while position < bytes.count, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
                guard bytes[position] >= 0x20 else { return nil }
                position += 1
            }
            guard position < bytes.count else { return nil }
            if bytes[position] == UInt8(ascii: "\"") {
                position += 1
                return String(decoding: bytes[start..<position - 1], as: UTF8.self)
            }
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: String(decoding: bytes[start..<position], as: UTF8.self).unicodeScalars)
            var pendingHigh: UInt32?
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    position += 1
                    return pendingHigh == nil ? String(scalars) : nil
                }
                if byte == UInt8(ascii: "\\") {
                    guard position + 1 < bytes.count else { return nil }
                    let escape = bytes[position + 1]
                    position += 2
                    if escape == UInt8(ascii: "u") {
                        guard position + 4 <= bytes.count,
                            let unit = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
                        else { return nil }
                        position += 4
                        if let high = pendingHigh {
                            guard (0xDC00...0xDFFF).contains(unit), let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00))
                            else { return nil }
                            scalars.append(scalar)
                            pendingHigh = nil
                        } else if (0xD800...0xDBFF).contains(unit) {
                            pendingHigh = unit
                        } else {
                            guard let scalar = Unicode.Scalar(unit) else { return nil }
                            scalars.append(scalar)
                        }
                        continue
                    }
                    guard pendingHigh == nil else { return nil }
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    default: return nil
                    }
                    continue
                }
                guard byte >= 0x20, pendingHigh == nil else { return nil }
                // Copy the run of plain bytes up to the next quote or escape.
                let run = position
                while position < bytes.count, bytes[position] >= 0x20, bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
                    position += 1
                }
                scalars.append(contentsOf: String(decoding: bytes[run..<position], as: UTF8.self).unicodeScalars)
            }
            return nil
        }
    }

    static func quoted(_ text: String) -> String {
        var out = ""
        appendQuoted(text, to: &out)
        return out
    }

    /// `text` as a JSON string, appended to `out` (no temporary strings: a synchronisation writes a million lists).
    static func appendQuoted(_ text: String, to out: inout String) {
        out += "\""
        defer { out += "\"" }
        // Most text needs no escape: copy it whole.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            out += text
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
}
