public import Crypto

/// Shamir secret sharing over GF(2^8): one random polynomial of degree M-1 per
/// secret byte, shares at x = 1...N, reconstruction by Lagrange interpolation at 0.
public enum ShamirSplitter {
    /// Secret lengths a share can carry.
    public static let secretLengths = 16...64

    /// Splits `secret` into `shares` shares, any `threshold` of which rebuild it.
    public static func split(_ secret: SymmetricKey, shares: Int, threshold: Int) throws(ShamirError) -> [ShamirShare] {
        var generator = SystemRandomNumberGenerator()
        var setID = [UInt8](repeating: 0, count: 4)
        for i in setID.indices { setID[i] = generator.next() }
        return try split(secret, shares: shares, threshold: threshold, setID: setID) { buffer in
            for i in buffer.indices { buffer[i] = generator.next() }
        }
    }

    /// Splits with caller-supplied coefficients; for known-answer tests.
    /// `fillCoefficients` fills, for each secret byte in order, its M-1
    /// coefficients a1...a(M-1).
    package static func split(
        _ secret: SymmetricKey,
        shares: Int,
        threshold: Int,
        setID: [UInt8],
        fillCoefficients: (inout [UInt8]) -> Void
    ) throws(ShamirError) -> [ShamirShare] {
        guard threshold > 1, threshold <= shares, shares <= 255 else {
            throw .invalidParameters(shares: shares, threshold: threshold)
        }
        guard secretLengths.contains(secret.bitCount / 8) else {
            throw .invalidSecretLength(secret.bitCount / 8)
        }
        var secretBytes = secret.withUnsafeBytes { Array($0) }
        var coefficients = [UInt8](repeating: 0, count: secretBytes.count * (threshold - 1))
        fillCoefficients(&coefficients)
        var y = [UInt8](repeating: 0, count: secretBytes.count)
        defer {
            secretBytes.zeroize()
            coefficients.zeroize()
            y.zeroize()
        }
        var result: [ShamirShare] = []
        result.reserveCapacity(shares)
        for xIndex in 1...shares {
            let x = UInt8(xIndex)
            for byte in secretBytes.indices {
                // Horner's rule, from the highest coefficient down to the secret byte.
                let base = byte * (threshold - 1)
                var value: UInt8 = 0
                for degree in stride(from: threshold - 1, through: 1, by: -1) {
                    value = GF256.add(GF256.multiply(value, x), coefficients[base + degree - 1])
                }
                y[byte] = GF256.add(GF256.multiply(value, x), secretBytes[byte])
            }
            result.append(ShamirShare(index: x, threshold: UInt8(threshold), setID: setID, values: SymmetricKey(data: y)))
        }
        return result
    }

    /// Rebuilds the secret from at least `threshold` shares of one split.
    ///
    /// Without a key-check value a wrong share set yields a wrong secret
    /// silently; use ``combine(_:checkingWith:)`` whenever one is known.
    public static func combine(_ shares: [ShamirShare]) throws(ShamirError) -> SymmetricKey {
        guard let first = shares.first else { throw .tooFewShares(given: 0, threshold: 2) }
        var seen = Set<UInt8>()
        for share in shares {
            guard share.setID == first.setID, share.threshold == first.threshold,
                share.values.bitCount == first.values.bitCount
            else { throw .mixedShareSets }
            guard share.index != 0 else { throw .shareIndexOutOfRange(index: 0) }
            guard seen.insert(share.index).inserted else { throw .duplicateShare(index: share.index) }
        }
        guard shares.count >= Int(first.threshold) else {
            throw .tooFewShares(given: shares.count, threshold: Int(first.threshold))
        }
        return interpolateAtZero(shares)
    }

    /// Rebuilds the secret and refuses it unless it matches `check`.
    public static func combine(_ shares: [ShamirShare], checkingWith check: KeyCheckValue) throws(ShamirError) -> SymmetricKey {
        let secret = try combine(shares)
        guard check.matches(secret) else { throw .keyCheckFailed }
        return secret
    }

    /// Lagrange interpolation at x = 0 over every given point.
    package static func interpolateAtZero(_ shares: [ShamirShare]) -> SymmetricKey {
        let length = shares[0].values.bitCount / 8
        var secret = [UInt8](repeating: 0, count: length)
        var y = [UInt8](repeating: 0, count: length)
        defer {
            secret.zeroize()
            y.zeroize()
        }
        for (j, share) in shares.enumerated() {
            // basis_j(0) = prod_{m != j} x_m / (x_m - x_j); subtraction is XOR.
            var numerator: UInt8 = 1
            var denominator: UInt8 = 1
            for (m, other) in shares.enumerated() where m != j {
                numerator = GF256.multiply(numerator, other.index)
                denominator = GF256.multiply(denominator, GF256.add(other.index, share.index))
            }
            let basis = GF256.multiply(numerator, GF256.inverse(denominator))
            share.values.withUnsafeBytes { values in
                for i in 0..<length { y[i] = values[i] }
            }
            for i in 0..<length {
                secret[i] = GF256.add(secret[i], GF256.multiply(y[i], basis))
            }
        }
        return SymmetricKey(data: secret)
    }
}
