#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A TCP port for a server a test starts on 127.0.0.1.
///
/// Picked below Linux's ephemeral range (32768-60999), which every outgoing
/// connection of the parallel suites draws from, so no client socket can be
/// holding it; checked free by binding it; and never handed out twice in one
/// test process. A random port in the ephemeral range collides with some
/// suite's outgoing connection often enough to fail a CI run now and then.
public enum FreePort {
    private static let handedOut = Mutex<Set<Int>>([])

    /// A port nobody in this process was given and nothing listens on now.
    public static func pick() -> Int {
        while true {
            let candidate = Int.random(in: 20_000...32_000)
            let fresh = handedOut.withLock { ports in ports.insert(candidate).inserted }
            if fresh && canBind(candidate) { return candidate }
        }
    }

    private static func canBind(_ port: Int) -> Bool {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
