import Crypto
import Foundation
import Testing
@testable import OpenKCMCore

@Suite struct ShamirTests {
    static func combinations<T>(_ items: [T], choose k: Int) -> [[T]] {
        guard k > 0 else { return [[]] }
        guard items.count >= k else { return [] }
        var result: [[T]] = []
        for (i, item) in items.enumerated() {
            for rest in combinations(Array(items[(i + 1)...]), choose: k - 1) {
                result.append([item] + rest)
            }
        }
        return result
    }

    static func bytes(_ key: SymmetricKey) -> [UInt8] { key.withUnsafeBytes { Array($0) } }

    @Test(arguments: [(2, 2), (3, 2), (5, 3), (6, 4), (7, 7), (8, 5)])
    func everyThresholdSubsetReconstructsAndNoSmallerOneDoes(shares n: Int, threshold m: Int) throws {
        let secret = SymmetricKey(size: .bits256)
        let check = KeyCheckValue(for: secret)
        let shares = try ShamirSplitter.split(secret, shares: n, threshold: m)
        #expect(shares.count == n)
        for subset in Self.combinations(shares, choose: m) {
            let rebuilt = try ShamirSplitter.combine(subset.shuffled(), checkingWith: check)
            #expect(Self.bytes(rebuilt) == Self.bytes(secret))
        }
        for subset in Self.combinations(shares, choose: m - 1) {
            #expect(throws: ShamirError.tooFewShares(given: m - 1, threshold: m)) { try ShamirSplitter.combine(subset) }
            // Below the threshold the polynomial is underdetermined: forcing the
            // interpolation gives a different secret, which the check value catches.
            if m > 2 {
                #expect(!check.matches(ShamirSplitter.interpolateAtZero(subset)))
            }
        }
    }

    @Test func twoHundredFiftyFiveSharesWork() throws {
        let secret = SymmetricKey(size: .bits256)
        let shares = try ShamirSplitter.split(secret, shares: 255, threshold: 200)
        let rebuilt = try ShamirSplitter.combine(Array(shares.shuffled().prefix(200)), checkingWith: KeyCheckValue(for: secret))
        #expect(Self.bytes(rebuilt) == Self.bytes(secret))
    }

    @Test(arguments: [(1, 1), (3, 1), (2, 3), (256, 2), (0, 0), (-1, 2)])
    func invalidParametersAreRefused(shares n: Int, threshold m: Int) {
        #expect(throws: ShamirError.invalidParameters(shares: n, threshold: m)) {
            try ShamirSplitter.split(SymmetricKey(size: .bits256), shares: n, threshold: m)
        }
    }

    @Test func badShareSetsGiveClearErrors() throws {
        let secret = SymmetricKey(size: .bits256)
        let shares = try ShamirSplitter.split(secret, shares: 5, threshold: 3)
        #expect(throws: ShamirError.duplicateShare(index: 1)) { try ShamirSplitter.combine([shares[0], shares[1], shares[0]]) }
        #expect(throws: ShamirError.tooFewShares(given: 0, threshold: 2)) { try ShamirSplitter.combine([]) }
        let other = try ShamirSplitter.split(secret, shares: 5, threshold: 3)
        #expect(throws: ShamirError.mixedShareSets) { try ShamirSplitter.combine([shares[0], shares[1], other[2]]) }
        #expect(throws: ShamirError.keyCheckFailed) {
            try ShamirSplitter.combine(Array(shares.prefix(3)), checkingWith: KeyCheckValue(for: SymmetricKey(size: .bits256)))
        }
    }

    @Test func encodedSharesRoundTripAndCorruptionIsCaught() throws {
        let secret = SymmetricKey(size: .bits256)
        let shares = try ShamirSplitter.split(secret, shares: 3, threshold: 2)
        let encoded = shares.map { $0.withEncodedBytes { $0 } }
        #expect(encoded.allSatisfy { $0.count == 43 })
        let decoded = try encoded.map { try ShamirShare(encoded: $0) }
        #expect(Self.bytes(try ShamirSplitter.combine(Array(decoded.prefix(2)))) == Self.bytes(secret))
        for position in 0..<43 {
            var damaged = encoded[0]
            damaged[position] ^= 0x10
            #expect(throws: ShamirError.self) { try ShamirShare(encoded: damaged) }
        }
        #expect(throws: ShamirError.self) { try ShamirShare(encoded: encoded[0].dropLast()) }
        #expect(throws: ShamirError.self) { try ShamirShare(encoded: [UInt8]()) }
        // A well-formed share with x = 0 would be the secret itself.
        var zero = encoded[0].prefix(39)
        zero[zero.startIndex + 2] = 0
        let body = Array(zero)
        #expect(throws: ShamirError.shareIndexOutOfRange(index: 0)) {
            try ShamirShare(encoded: body + SHA256.hash(data: body).prefix(4))
        }
    }

    @Test func fieldArithmeticMatchesTheAESField() {
        // FIPS-197 section 4.2: {57} x {83} = {c1}, {57} x {13} = {fe}.
        #expect(GF256.multiply(0x57, 0x83) == 0xC1)
        #expect(GF256.multiply(0x57, 0x13) == 0xFE)
        for a in 1...255 {
            #expect(GF256.multiply(UInt8(a), GF256.inverse(UInt8(a))) == 1)
        }
    }

    // MARK: Known answers

    struct VectorFile: Decodable {
        struct Vector: Decodable, Sendable, CustomTestStringConvertible {
            let shares: Int
            let threshold: Int
            let secret: String
            let setID: String
            let coefficients: String
            let keyCheckValue: String
            let encodedShares: [String]
            var testDescription: String { "N=\(shares) M=\(threshold)" }
        }
        let vectors: [Vector]
    }

    /// Computed by scripts/vectors/shamir_vectors.py, which does GF(2^8)
    /// arithmetic with log/antilog tables (generator 3) rather than the
    /// constant-time multiply used here, and verified every M-subset by its
    /// own Lagrange interpolation before writing the file.
    static let knownAnswers: [VectorFile.Vector] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/shamir-vectors.json")
        guard let data = try? Data(contentsOf: url) else { return [] }
        return (try? JSONDecoder().decode(VectorFile.self, from: data).vectors) ?? []
    }()

    @Test func knownAnswerVectorsArePresent() {
        #expect(Self.knownAnswers.count >= 5)
    }

    @Test(arguments: knownAnswers)
    func splittingWithFixedCoefficientsGivesTheKnownShares(vector: VectorFile.Vector) throws {
        let secret = SymmetricKey(data: try #require([UInt8](hex: vector.secret)))
        let coefficients = try #require([UInt8](hex: vector.coefficients))
        let shares = try ShamirSplitter.split(
            secret, shares: vector.shares, threshold: vector.threshold, setID: try #require([UInt8](hex: vector.setID))
        ) { buffer in buffer = coefficients }
        #expect(shares.map { $0.withEncodedBytes { $0.hexString } } == vector.encodedShares)
        #expect(KeyCheckValue(for: secret).description == vector.keyCheckValue)
    }

    @Test(arguments: knownAnswers)
    func combiningTheKnownSharesGivesTheSecret(vector: VectorFile.Vector) throws {
        let shares = try vector.encodedShares.map { try ShamirShare(encoded: try #require([UInt8](hex: $0))) }
        let checkBytes = try #require([UInt8](hex: vector.keyCheckValue))
        let check = try #require(KeyCheckValue(bytes: checkBytes))
        let picked = Array(shares.shuffled().prefix(vector.threshold))
        let secret = try ShamirSplitter.combine(picked, checkingWith: check)
        #expect(Self.bytes(secret).hexString == vector.secret)
    }
}
