import Foundation

/// The versioned ring behind an L2.1 tenant key or an L3 service key: which
/// versions exist, which one wraps (``currentVersion``), and which are still
/// allowed to unwrap. Pure rules over stored state; no I/O, no key material.
///
/// Rotation adds an active version and makes it current; earlier versions stay
/// active so ``rollback(to:)`` can make one current again. Raising
/// ``minimumDecryptionVersion`` refuses every older version, as in Vault transit.
public struct KeyRing: Sendable, Hashable, Codable {
    public let layer: EnvelopeLayer
    public let keyID: KeyID
    /// Ascending by version.
    public private(set) var versions: [KeyVersion]
    public private(set) var currentVersion: UInt32
    public private(set) var minimumDecryptionVersion: UInt32

    /// A ring with one active version 1.
    init(layer: EnvelopeLayer, keyID: KeyID, firstVersion wrapped: Data, parentVersion: UInt32, at date: Date) {
        self.layer = layer
        self.keyID = keyID
        self.versions = [KeyVersion(version: 1, state: .active, wrapped: wrapped, parentVersion: parentVersion, createdAt: date, reservedWraps: nil)]
        self.currentVersion = 1
        self.minimumDecryptionVersion = 1
    }

    /// The version after the newest.
    public var nextVersion: UInt32 { (versions.last?.version ?? 0) + 1 }

    public func version(_ number: UInt32) -> KeyVersion? {
        guard number >= 1, Int(number) <= versions.count else { return nil }
        return versions[Int(number) - 1]
    }

    /// The version that wraps new keys, if its state allows it.
    public func wrappingVersion() throws(KeyChainError) -> KeyVersion {
        guard let current = version(currentVersion) else {
            throw .versionNotFound(layer: layer, version: currentVersion)
        }
        guard current.state.canWrap else {
            throw .keyStateForbids(layer: layer, version: currentVersion, state: current.state, operation: "wrap")
        }
        return current
    }

    /// Checks that `number` may unwrap: it exists, is not below the minimum
    /// decryption version, and its state allows it.
    public func checkUnwrap(_ number: UInt32) throws(KeyChainError) {
        guard let entry = version(number) else { throw .versionNotFound(layer: layer, version: number) }
        guard number >= minimumDecryptionVersion else {
            throw .belowMinimumDecryptionVersion(layer: layer, version: number, minimum: minimumDecryptionVersion)
        }
        guard entry.state.canUnwrap || (entry.state == .compromised && entry.stillOpens == true) else {
            throw .keyStateForbids(layer: layer, version: number, state: entry.state, operation: "unwrap")
        }
    }

    /// Marks `number` Compromised: it never wraps again; with `stillOpening`
    /// it goes on unwrapping what it wrapped until ``close(_:)``.
    mutating func compromise(_ number: UInt32, stillOpening: Bool) throws(KeyChainError) {
        try transition(number, to: .compromised)
        versions[Int(number) - 1].stillOpens = stillOpening ? true : nil
    }

    /// Stops a Compromised version opening anything.
    mutating func close(_ number: UInt32) throws(KeyChainError) {
        guard let entry = version(number) else { throw .versionNotFound(layer: layer, version: number) }
        guard entry.state == .compromised else {
            throw .keyStateForbids(layer: layer, version: number, state: entry.state, operation: "close")
        }
        versions[Int(number) - 1].stillOpens = nil
    }

    /// Adds a new active version and makes it current; returns its number.
    @discardableResult
    mutating func rotate(wrapped: Data, parentVersion: UInt32, at date: Date) -> UInt32 {
        let number = nextVersion
        versions.append(KeyVersion(version: number, state: .active, wrapped: wrapped, parentVersion: parentVersion, createdAt: date, reservedWraps: nil))
        currentVersion = number
        return number
    }

    /// Makes an earlier (or later) active version current again.
    mutating func rollback(to number: UInt32) throws(KeyChainError) {
        guard let entry = version(number) else { throw .versionNotFound(layer: layer, version: number) }
        guard number >= minimumDecryptionVersion else {
            throw .invalidRollback(layer: layer, version: number, reason: "it is below the minimum decryption version \(minimumDecryptionVersion)")
        }
        guard entry.state == .active else {
            throw .invalidRollback(layer: layer, version: number, reason: "it is \(entry.state)")
        }
        currentVersion = number
    }

    /// Refuses every version below `number` from now on. It may not pass the
    /// current version, or the ring could no longer open what it wraps.
    mutating func setMinimumDecryptionVersion(_ number: UInt32) throws(KeyChainError) {
        guard number >= 1 else {
            throw .invalidMinimumDecryptionVersion(layer: layer, requested: number, reason: "versions start at 1")
        }
        guard number <= currentVersion else {
            throw .invalidMinimumDecryptionVersion(layer: layer, requested: number, reason: "it is above the current version \(currentVersion)")
        }
        minimumDecryptionVersion = number
    }

    /// Moves one version to `state`, following the KMIP transitions. The
    /// current version may not leave Active; destroying drops the wrapped bytes.
    mutating func transition(_ number: UInt32, to state: KeyState) throws(KeyChainError) {
        guard let entry = version(number) else { throw .versionNotFound(layer: layer, version: number) }
        guard entry.state.canTransition(to: state) else {
            throw .invalidStateTransition(layer: layer, version: number, from: entry.state, to: state)
        }
        guard number != currentVersion || state == .active else {
            throw .currentVersionProtected(layer: layer, version: number)
        }
        let index = Int(number) - 1
        versions[index].state = state
        if state.isDestroyed {
            versions[index].wrapped = nil
            versions[index].stillOpens = nil
        }
    }

    /// Deactivates every active version, current included: the ring still
    /// unwraps but wraps nothing new (retiring a service).
    mutating func deactivateAll() {
        for index in versions.indices where versions[index].state == .active {
            versions[index].state = .deactivated
        }
    }

    /// Records that `count` more wraps were reserved under `number`.
    mutating func reserveWraps(_ count: UInt64, version number: UInt32) {
        guard version(number) != nil else { return }
        versions[Int(number) - 1].reservedWraps = (versions[Int(number) - 1].reservedWraps ?? 0) + count
    }

    /// Whether `other` serves exactly as this ring does: the same versions,
    /// bytes, states and rules, whatever wraps either has reserved (another
    /// node's reservation changes nothing this node may do with its own).
    func servesAlike(_ other: KeyRing) -> Bool {
        func unreserved(_ ring: KeyRing) -> KeyRing {
            var ring = ring
            for index in ring.versions.indices { ring.versions[index].reservedWraps = nil }
            return ring
        }
        return unreserved(self) == unreserved(other)
    }

    /// Replaces a version's wrapped bytes after it was rewrapped under a newer parent.
    mutating func replaceWrapped(_ number: UInt32, with wrapped: Data, parentVersion: UInt32) {
        guard let entry = version(number), entry.wrapped != nil else { return }
        versions[Int(number) - 1] = KeyVersion(
            version: number, state: entry.state, wrapped: wrapped, parentVersion: parentVersion, createdAt: entry.createdAt,
            reservedWraps: entry.reservedWraps, stillOpens: entry.stillOpens)
    }
}
