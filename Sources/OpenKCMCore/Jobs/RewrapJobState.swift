/// Where a ``RewrapJob`` is.
public enum RewrapJobState: String, Sendable, Hashable, Codable {
    /// Stored, no chunk done yet.
    case queued
    case running
    case done
}
