import Crypto
import Foundation
public import OpenKCMCore
import OpenKCMPKI
import X509

/// What a KMIP client needs to connect, besides its private key (which it keeps).
public struct IssuedKMIPClient: Sendable {
    public let identity: IdentityView
    /// PEM.
    public let certificate: String
    /// The server's KMIP client CA, PEM.
    public let authority: String
}

extension Operations {
    /// Issues a TLS client certificate from the server's own KMIP client CA
    /// for `publicKey` (PEM SubjectPublicKeyInfo), and registers the
    /// certificate as a crypto identity for (tenant, service). The private key
    /// never reaches the server. The CA is made on first use.
    public func issueKMIPClientCertificate(
        name: String, tenant: TenantID, service: ServiceID, publicKey: String, days: Int = 365, caller: Caller
    ) async throws -> IssuedKMIPClient {
        try await perform(.kmipClientIssue, caller: caller, tenant: tenant, service: service, sync: true) { unsealed in
            guard (1...3650).contains(days) else { throw KMIPClientError.invalidInput("'days' is 1 to 3650") }
            // The name is the certificate's CN, which RFC 5280 bounds at 64 characters.
            guard !name.isEmpty, name.count <= 64 else { throw KMIPClientError.invalidInput("a client's name is 1 to 64 characters (it is the certificate's CN)") }
            let key: ClientPublicKey
            do { key = try ClientPublicKey(pemEncoded: publicKey) } catch { throw KMIPClientError.invalidInput("'publicKey': \(error)") }
            guard try await unsealed.keyChain.services(of: tenant).contains(service) else { throw KeyChainError.serviceNotFound(tenant, service) }
            guard let authority = try await kmipClientAuthority(creating: true) else {
                throw KMIPClientError.noClientAuthority
            }
            let now = Date()
            let subject = DistinguishedName([
                RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: "OpenKCM tenant \(tenant.rawValue)")),
                RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationalUnitName, utf8String: service.rawValue)),
                RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: name)),
            ])
            let notAfter = min(now.addingTimeInterval(Double(days) * 86_400), authority.certificate.notValidAfter)
            let certificate: Certificate
            do {
                certificate = try authority.issueClientCertificate(
                    subject: subject, publicKey: key, notBefore: now.addingTimeInterval(-300), notAfter: notAfter)
            } catch { throw KMIPClientError.invalidInput("\(error)") }
            let fingerprint = Array(SHA256.hash(data: certificate.derBytes)).hexString
            let (identity, _) = try await unsealed.identities.create(
                name: name, role: .crypto, tenant: tenant, service: service, certificateFingerprint: fingerprint)
            return IssuedKMIPClient(identity: IdentityView(identity), certificate: certificate.pemString, authority: authority.certificate.pemString)
        }
    }

    /// The server's KMIP client CA that issues: the one with the smallest id,
    /// made when there is none and `creating`, in one store transaction on
    /// the listing of CAs: of two replicas making one at the same moment, one
    /// commits and the other reads it and issues with it.
    func kmipClientAuthority(creating: Bool) async throws -> CertificateAuthority? {
        let prefix = KMIPClientCARecord.storagePrefix
        return try await changingObject(prefix) { () async throws -> CertificateAuthority? in
            if let existing = try await loadKMIPClientAuthority() { return existing }
            guard creating else { return nil }
            let now = Date()
            var label = [UInt8](repeating: 0, count: 4)
            var generator = SystemRandomNumberGenerator()
            for index in label.indices { label[index] = UInt8.random(in: 0...255, using: &generator) }
            // A name of its own per deployment, so it never equals a trusted CA's or another server's.
            let authority = try CertificateAuthority.create(
                subject: DistinguishedName([
                    RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: "OpenKCM")),
                    RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: "OpenKCM KMIP client CA \(label.hexString)")),
                ]),
                notBefore: now.addingTimeInterval(-300), notAfter: now.addingTimeInterval(10 * 365 * 86_400))
            var record = KMIPClientCARecord(privateKey: authority.privateKeyRawRepresentation, certificate: Data(authority.certificate.derBytes))
            defer { record.privateKey.resetBytes(in: 0..<record.privateKey.count) }
            let id = String(Array(SHA256.hash(data: authority.certificate.derBytes)).hexString.prefix(32))
            try await core.barrier.put(prefix + id, value: RecordCoder.encode(record))
            core.kmipClientTrust.signalChange()
            return try await loadKMIPClientAuthority() ?? authority
        }
    }

    private func loadKMIPClientAuthority() async throws -> CertificateAuthority? {
        guard let key = try await core.barrier.list(prefix: KMIPClientCARecord.storagePrefix).min(),
              var data = try await core.barrier.get(key) else { return nil }
        defer { data.resetBytes(in: 0..<data.count) }
        var record = try RecordCoder.decode(KMIPClientCARecord.self, from: data, at: key)
        defer { record.privateKey.resetBytes(in: 0..<record.privateKey.count) }
        return try CertificateAuthority(privateKeyRawRepresentation: record.privateKey, certificate: Certificate.parse(derEncoded: Array(record.certificate)))
    }
}
