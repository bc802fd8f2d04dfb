public import SwiftASN1
public import X509

/// The leaf of a client chain must be usable for TLS client authentication:
/// not a CA, and when it names extended key usages, `clientAuth` (or
/// `anyExtendedKeyUsage`) is one of them. A certificate made for a web server
/// is not a KMIP client's.
public struct ClientAuthenticationPolicy: VerifierPolicy {
    public let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.extendedKeyUsage]

    public init() {}

    public mutating func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        let leaf = chain.leaf
        if chain.count > 1, leaf.isCertificateAuthority {
            return .failsToMeetPolicy(reason: "the client certificate is a CA certificate")
        }
        let usages: ExtendedKeyUsage?
        do { usages = try leaf.extensions.extendedKeyUsage } catch {
            return .failsToMeetPolicy(reason: "the client certificate's extended key usage does not parse")
        }
        if let usages, !usages.contains(.clientAuth), !usages.contains(.any) {
            return .failsToMeetPolicy(reason: "the client certificate's extended key usage does not include clientAuth")
        }
        return .meetsPolicy
    }
}
