// Harness: the control socket's text layer (Sources/MeshProtocol/Control/ControlLineReader.swift,
// JSONParser.swift, JSONValue.swift, RFC3339Time.swift).
//
// The input is what a control-socket client sends. `ControlLineReader` splits it into lines, once
// from a single read and once from small reads; both must give the same lines and the same end
// (a too-long line, or the final unterminated line at EOF). Each line, and the whole input, is
// then parsed:
//  - as JSON: a parsed value, written out with `JSONValue.text` and parsed again, must be the
//    same value (an integral double may come back as an int of equal value);
//  - as an RFC 3339 time: a parsed time, written back in UTC by this harness and parsed again,
//    must be the same instant (also tried on every JSON string value).
//
// Found here and fixed: JSON numbers beyond Double's range parsed as infinity and were written
// back as `null` (reproducer: Fuzz/Reproducers/control/; regression test: JSONFuzzRegressionTests).

import FuzzSupport
import MeshProtocol
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

private let name = "control"

/// libFuzzer's one-time setup: writes the seed corpus instead when `FUZZ_WRITE_SEEDS` is set.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    Seeds.writeSeedsIfRequested {
        let texts = [
            "ping execution\n",
            "status\r\n",
            "{\"command\":\"status\",\"requested_fields\":[\"Advertisements\",\"RoutingTable\"]}\n",
            "{\"command\":\"work\",\"subcommand\":\"submit\",\"node\":\"execution\",\"worktype\":\"cat\","
                + "\"params\":\"\",\"signwork\":false,\"ttl\":\"\"}\nhello payload bytes",
            "work results AbCd1234 0\nconnect execution control tlsclient\nleftover",
            "{\"a\":[1,-0,2.5,1e21,1E-7,-12345678901234567890],\"b\":{\"c\":null,\"d\":true,\"e\":false},"
                + "\"s\":\"\\u00e9\\ud83d\\ude00\\n\\\\ <&>\"}\n",
            "2024-02-29T23:59:59.123456789+05:30\n1970-01-01T00:00:00Z\n0000-01-01T00:00:00-23:59\n",
            "{\"Time\":\"2023-11-14T22:13:20.5Z\",\"expiration\":\"9999-12-31T23:59:59Z\"}",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
        ]
        return texts.enumerated().map { ("control-\($0.offset)", Array($0.element.utf8)) }
    }
    return 0
}

/// libFuzzer's entry point: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = inputBytes(data, size)
    // A short limit now and then, so that too-long lines are reached with small inputs.
    let limits = [1 << 20, 16, 64]
    let reader = ControlLineReader(maximumLineLength: limits[chunkSize(for: bytes, limit: 3) - 1])

    let whole = readLines(reader, [bytes[...]])
    let pieces = readLines(reader, chunks(of: bytes, size: chunkSize(for: bytes)))
    guard whole == pieces else {
        invariantFailure(name, "line splitting depends on read boundaries:\n  whole  \(whole)\n  pieces \(pieces)")
    }

    for line in whole.lines { checkText(line) }
    if let final = whole.final { checkText(final) }
    checkText(String(decoding: bytes, as: UTF8.self))
    return 0
}

/// What a control session reads from a connection: its lines, then how it ended.
struct LineOutcome: Equatable {
    var lines: [String] = []
    /// The unterminated last line at EOF, if there was one.
    var final: String?
    var tooLong = false
}

/// Feeds `pieces` to `reader` one read at a time, taking every whole line after each read.
func readLines(_ reader: ControlLineReader, _ pieces: [ArraySlice<UInt8>]) -> LineOutcome {
    var outcome = LineOutcome()
    var buffer = ByteBuffer()
    for piece in pieces {
        buffer.writeBytes(piece)
        while true {
            switch reader.nextLine(from: &buffer) {
            case .line(let line):
                outcome.lines.append(line)
                continue
            case .needMoreData:
                break
            case .lineTooLong:
                outcome.tooLong = true
                return outcome
            }
            break
        }
    }
    outcome.final = reader.finalLine(from: &buffer)
    return outcome
}

/// Parses `text` as JSON and as a time, with round trips.
func checkText(_ text: String) {
    checkTime(text)
    guard let value = try? JSONParser.parse(text) else { return }
    visitStrings(value, checkTime)
    // The parser refuses numbers beyond Double's range, so no parsed value holds one.
    if containsNonFinite(value) { invariantFailure(name, "a parsed value holds a non-finite number: \(value)") }
    let written = value.text
    let again: JSONValue
    do {
        again = try JSONParser.parse(written)
    } catch {
        invariantFailure(name, "JSONValue.text is not parseable JSON (\(error)): \(written)")
    }
    guard sameJSON(value, again) else {
        invariantFailure(name, "JSON round trip changed the value:\n  before \(value)\n  text   \(written)\n  after  \(again)")
    }
}

/// Whether `value` holds a number that is not finite.
func containsNonFinite(_ value: JSONValue) -> Bool {
    switch value {
    case .double(let d): return !d.isFinite
    case .array(let a): return a.contains(where: containsNonFinite)
    case .object(let o): return o.values.contains(where: containsNonFinite)
    default: return false
    }
}

/// JSON equality where an int and a double of the same value are the same number (the writer
/// prints integral doubles without a fraction, as Go does).
func sameJSON(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.int(let x), .double(let y)), (.double(let y), .int(let x)):
        return Double(x) == y
    case (.array(let x), .array(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { sameJSON($0, $1) }
    case (.object(let x), .object(let y)):
        return x.count == y.count && x.allSatisfy { key, value in y[key].map { sameJSON(value, $0) } ?? false }
    default:
        return a == b
    }
}

/// Calls `body` with every string inside `value`, object keys included.
func visitStrings(_ value: JSONValue, _ body: (String) -> Void) {
    switch value {
    case .string(let s): body(s)
    case .array(let a): for v in a { visitStrings(v, body) }
    case .object(let o):
        for (k, v) in o {
            body(k)
            visitStrings(v, body)
        }
    default: break
    }
}

/// If `text` is an RFC 3339 time, writes it back in UTC and requires the same instant from that.
func checkTime(_ text: String) {
    guard let time = RFC3339Time.parse(text) else { return }
    guard (0..<1_000_000).contains(time.microseconds) else {
        invariantFailure(name, "RFC3339Time.parse gave \(time.microseconds) microseconds for \(text)")
    }
    guard let utc = utcText(seconds: time.seconds, microseconds: time.microseconds) else { return }
    guard let again = RFC3339Time.parse(utc), again == time else {
        invariantFailure(name, "RFC 3339 round trip: \(text) -> \(time) -> \(utc) -> \(String(describing: RFC3339Time.parse(utc)))")
    }
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` for a time, or nil outside years 0000...9999 (which the format
/// cannot write, though a zone offset can push a parsed time there).
func utcText(seconds: Int64, microseconds: Int64) -> String? {
    let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    let secondOfDay = seconds - days * 86_400
    let (year, month, day) = civilDate(daysSince1970: days)
    guard (0...9999).contains(year) else { return nil }
    func pad(_ v: Int64, _ width: Int) -> String {
        let digits = String(v)
        return String(repeating: "0", count: max(width - digits.count, 0)) + digits
    }
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
        + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(microseconds, 6))Z"
}

/// The proleptic Gregorian date `days` after 1970-01-01 (the inverse of
/// `RFC3339Time.daysFromCivil`, done independently here with the well-known civil-from-days
/// method: 400-year eras of 146,097 days, each counted from 1 March).
func civilDate(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let sinceMarch0000 = days + 719_468  // 0000-03-01 is day -719,468
    let era = (sinceMarch0000 >= 0 ? sinceMarch0000 : sinceMarch0000 - 146_096) / 146_097
    let dayOfEra = sinceMarch0000 - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthFromMarch = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
    let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    return (year, month, day)
}
