import Foundation
import Logging
import MeshProtocol

/// Writes log lines to standard error as `YYYY/MM/DD HH:MM:SS LEVEL message key=value ...`
/// (receptor's layout with the level moved after the time, so lines sort by time).
public struct ReceptorLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String

    /// One JSON object per line (`{"time":...,"level":...,"msg":...,<metadata>}`) instead of text.
    public var json: Bool

    public init(label: String, level: Logger.Level, json: Bool = false) {
        self.label = label
        self.logLevel = level
        self.json = json
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        if json {
            logJSON(event)
            return
        }
        var t = time_t(Date().timeIntervalSince1970)
        var tm = tm()
        localtime_r(&t, &tm)
        func pad(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var line =
            "\(tm.tm_year + 1900)/\(pad(tm.tm_mon + 1))/\(pad(tm.tm_mday)) \(pad(tm.tm_hour)):\(pad(tm.tm_min)):\(pad(tm.tm_sec)) "
        line += Self.levelName(event.level) + " " + "\(event.message)"
        let merged = self.metadata.merging(event.metadata ?? [:]) { _, new in new }
        for key in merged.keys.sorted() {
            line += " \(key)=\(merged[key]!)"
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    private func logJSON(_ event: LogEvent) {
        var fields: [String: JSONValue] = [
            "time": .string(RFC3339Time.format(Date())),
            "level": .string(Self.levelName(event.level).lowercased()),
            "msg": .string("\(event.message)"),
        ]
        let merged = self.metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged where fields[key] == nil {
            fields[key] = .string("\(value)")
        }
        FileHandle.standardError.write(Data((JSONValue.object(fields).text + "\n").utf8))
    }

    static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "TRACE"
        case .debug: "DEBUG"
        case .info: "INFO"
        case .notice: "NOTICE"
        case .warning: "WARNING"
        case .error: "ERROR"
        case .critical: "CRITICAL"
        }
    }
}
