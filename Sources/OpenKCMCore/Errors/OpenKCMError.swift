/// An error OpenKCM reports to a caller.
///
/// Every error has a stable machine-readable ``code`` (used later by the REST
/// problem+json and KMIP result mappings) and a human message in `description`.
/// Messages name identifiers and versions, never key material.
public protocol OpenKCMError: Error, CustomStringConvertible, Sendable {
    /// A stable, dotted error code, e.g. `envelope.truncated`.
    var code: String { get }
}
