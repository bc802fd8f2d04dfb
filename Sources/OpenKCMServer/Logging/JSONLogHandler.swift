import Foundation
public import Logging
import OpenKCMCore

/// swift-log handler that writes one JSON object per line to standard error:
/// `time`, `level`, `logger`, `message`, then the metadata. Callers never log
/// key material; ids, codes and correlation ids are what goes in here.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { object[key] = "\(value)" }
        object["time"] = Timestamp.format(Date())
        object["level"] = event.level.rawValue
        object["logger"] = label
        object["message"] = event.message.description
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        data.append(0x0A)
        FileHandle.standardError.write(data)
    }
}
