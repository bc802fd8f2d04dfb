import CPKCS11
import NIOPosix
import OpenKCMCore
import Synchronization

/// A connection to one token of a PKCS#11 module: found by its label, logged in
/// as the user with the PIN, and a pool of sessions so concurrent wraps do not
/// queue behind one another. Calls run on NIO's blocking thread pool, since an
/// HSM call can take milliseconds.
public final class PKCS11Token: Sendable {
    public let modulePath: String
    public let tokenLabel: String
    private let pin: Mutex<[UInt8]>
    private let idle = Mutex<[PKCS11Session]>([])
    /// Sessions kept open for reuse; more may be open while calls overlap.
    private let poolSize: Int
    private let readWrite: Bool

    /// - Parameters:
    ///   - pin: the user PIN, read from a file or the environment by the caller; held
    ///     in memory for re-login and zeroed when the token is released.
    ///   - readWrite: open read/write sessions; OpenKCM's own calls need only
    ///     read-only ones (they create session objects, never token objects).
    public init(modulePath: String, tokenLabel: String, pin: [UInt8], poolSize: Int = 8, readWrite: Bool = false) {
        self.modulePath = modulePath
        self.tokenLabel = tokenLabel
        self.pin = Mutex(pin)
        self.poolSize = poolSize
        self.readWrite = readWrite
    }

    deinit {
        pin.withLock { $0.zeroize() }
        for session in idle.withLock({ $0 }) { _ = session.module.functions.pointee.C_CloseSession(session.handle) }
    }

    /// Runs `body` with a logged-in session. A session the module reports broken
    /// (closed, token removed, logged out) is dropped, and the call is tried once
    /// more on a fresh one; other failures are returned as they are.
    /// With `readWrite` (key import), the session is a fresh read/write one, closed after the call.
    package func withSession<T: Sendable>(readWrite: Bool = false, _ body: @escaping @Sendable (PKCS11Session) throws -> T) async throws -> T {
        let dedicated = readWrite && !self.readWrite
        let result: Result<T, any Error>
        do {
            result = try await NIOThreadPool.singleton.runIfActive { () -> Result<T, any Error> in
                var attempt = 0
                while true {
                    attempt += 1
                    let session: PKCS11Session
                    do { session = try self.checkOut(dedicated: dedicated) } catch { return .failure(error) }
                    do {
                        let value = try body(session)
                        self.checkIn(session, dedicated: dedicated)
                        return .success(value)
                    } catch {
                        guard (error as? PKCS11Failure)?.breaksSession == true else {
                            self.checkIn(session, dedicated: dedicated)
                            return .failure(error)
                        }
                        _ = session.module.functions.pointee.C_CloseSession(session.handle)
                        if attempt >= 2 { return .failure(error) }
                    }
                }
            }
        } catch {
            throw PKCS11Failure.load(path: modulePath, reason: "the blocking thread pool is shut down")
        }
        return try result.get()
    }

    private func checkOut(dedicated: Bool) throws -> PKCS11Session {
        if !dedicated, let session = idle.withLock({ $0.popLast() }) { return session }
        let module = try PKCS11Module.load(modulePath)
        let slot = try module.slot(tokenLabel: tokenLabel)
        var handle: CK_SESSION_HANDLE = 0
        try check("C_OpenSession", module.functions.pointee.C_OpenSession(slot, CK_FLAGS(CKF_SERIAL_SESSION | (readWrite || dedicated ? CKF_RW_SESSION : 0)), nil, nil, &handle))
        // Login is per application and token, not per session: an already logged-in user is fine.
        let rv = pin.withLock { pin in
            pin.withUnsafeMutableBufferPointer { buffer in
                module.functions.pointee.C_Login(handle, CK_USER_TYPE(CKU_USER), buffer.baseAddress, CK_ULONG(buffer.count))
            }
        }
        guard rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN else {
            _ = module.functions.pointee.C_CloseSession(handle)
            throw PKCS11Failure.call("C_Login", rv)
        }
        return PKCS11Session(module: module, handle: handle, slot: slot)
    }

    private func checkIn(_ session: PKCS11Session, dedicated: Bool) {
        let kept = idle.withLock { idle -> Bool in
            guard !dedicated, idle.count < poolSize else { return false }
            idle.append(session)
            return true
        }
        if !kept { _ = session.module.functions.pointee.C_CloseSession(session.handle) }
    }
}
