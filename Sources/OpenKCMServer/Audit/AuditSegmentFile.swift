import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One open segment of the audit log, appended to and fsynced through its
/// descriptor. A class so that an fsync running while the log moves to a new
/// segment still holds the old descriptor open: it is closed only when the
/// last user lets go, never reused under a running call.
final class AuditSegmentFile: Sendable {
    let descriptor: Int32
    /// A write of ours failed half way and could not be cut back yet: the
    /// file may be longer than what was written, by our own partial line.
    var hasUncutWrite: Bool {
        get { uncut.load(ordering: .relaxed) }
        set { uncut.store(newValue, ordering: .relaxed) }
    }
    private let uncut = Atomic<Bool>(false)

    /// Opens (creating with mode 0600) `path` for appending.
    init(path: String) throws(AuditLogError) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .unwritable("cannot open \(path): \(String(cString: strerror(errno)))") }
        self.descriptor = descriptor
        if let resolved = realpath(path, nil) {
            self.resolvedPath = String(cString: resolved)
            free(resolved)
        } else {
            self.resolvedPath = nil
        }
    }

    /// The file's absolute path when it was opened.
    private let resolvedPath: String?

    /// Whether the descriptor still names the file at the path it was opened
    /// at: false once the file was deleted, renamed, or replaced by another
    /// file renamed over it (writes would go to a file nobody reads). Linux
    /// answers through /proc; elsewhere this says true.
    var isStillAtItsPath: Bool {
        #if os(Linux)
        guard let resolvedPath else { return true }
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlink("/proc/self/fd/\(descriptor)", &buffer, 4096)
        guard count > 0 else { return true }  // no /proc: nothing to compare with
        let target = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target == resolvedPath
        #else
        return true
        #endif
    }

    deinit {
        close(descriptor)
    }

    /// The file's size now, or nil if it cannot be read.
    var size: Int? {
        // The end of the file, without moving anything: writes append (O_APPEND) wherever the offset is.
        let end = lseek(descriptor, 0, SEEK_END)
        return end < 0 ? nil : Int(end)
    }

    /// Writes all of `bytes`; nil, or why not.
    func append(_ bytes: [UInt8]) -> String? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)  // safe: non-empty, offset < count
            }
            if written < 0 {
                if errno == EINTR { continue }
                return "write failed: \(String(cString: strerror(errno)))"
            }
            offset += written
        }
        return nil
    }

    /// fsyncs; nil, or why not.
    func sync() -> String? {
        fsync(descriptor) == 0 ? nil : "fsync failed: \(String(cString: strerror(errno)))"
    }

    /// Cuts the file back to `size` bytes (a write that failed half way); nil, or why not.
    func truncate(to size: Int) -> String? {
        ftruncate(descriptor, off_t(size)) == 0 ? nil : "cannot cut a partial write: \(String(cString: strerror(errno)))"
    }
}
