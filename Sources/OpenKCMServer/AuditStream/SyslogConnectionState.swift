import Synchronization

/// Whether a syslog connection is still open, set from its event loop and read by ``SyslogSink``.
final class SyslogConnectionState: Sendable {
    private let reason = Mutex<String?>(nil)

    /// Why the connection ended; nil while it is open.
    var lost: String? { reason.withLock { $0 } }

    func lose(_ why: String) {
        reason.withLock { if $0 == nil { $0 = why } }
    }
}
