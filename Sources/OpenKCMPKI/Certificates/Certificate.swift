public import Foundation

/// The parts of an X.509 certificate (RFC 5280 §4.1) OpenKCM reads: who
/// issued it to whom, when it is valid, its key, whether it is a CA, and the
/// signature over its to-be-signed part.
///
/// Parsing checks structure, not trust: the TLS layer verifies chains; what
/// this adds is ``isIssued(by:)``, which checks one signature with swift-crypto.
public struct Certificate: Sendable, Hashable {
    /// The whole certificate, DER.
    public let derEncoded: [UInt8]
    public let serialNumber: [UInt8]
    public let issuer: DistinguishedName
    public let subject: DistinguishedName
    public let notBefore: Date
    public let notAfter: Date
    public let publicKey: SubjectPublicKey
    /// `basicConstraints` says `cA: TRUE`.
    public let isCertificateAuthority: Bool
    let signatureAlgorithm: ASN1ObjectID
    let signature: [UInt8]
    /// Offsets of the to-be-signed part in ``derEncoded``.
    private let tbsRange: Range<Int>

    /// Certificates larger than this are refused before they are read.
    public static let maximumSize = 64 * 1024

    public init(derEncoded bytes: [UInt8]) throws(PKIError) {
        guard bytes.count <= Self.maximumSize else { throw .unsupported("a certificate over \(Self.maximumSize) bytes") }
        var outer = DERReader(bytes)
        var certificate = try outer.next(DERTag.sequence).children()
        try outer.expectEnd("the certificate")
        let tbsNode = try certificate.next(DERTag.sequence)
        let outerAlgorithm = try Self.algorithm(certificate.next(DERTag.sequence))
        let signature = try certificate.next().bitStringBytes()
        try certificate.expectEnd("the signature")

        var tbs = try tbsNode.children()
        // v1 (the field absent) still comes out of `openssl x509 -req` without extensions; it reads as no CA.
        if let version = try tbs.nextIfPresent(DERTag.explicit(0)) {
            var inner = try version.children()
            guard (1...2).contains(try inner.next().smallInteger()) else { throw .unsupported("an X.509 version other than 1 to 3") }
            try inner.expectEnd("the version")
        }
        serialNumber = try tbs.next().unsignedIntegerBytes()
        guard serialNumber.count <= 20 else { throw .malformed("a serial number over 20 bytes") }
        let innerAlgorithm = try Self.algorithm(tbs.next(DERTag.sequence))
        guard innerAlgorithm == outerAlgorithm else { throw .malformed("the two signature algorithms differ") }
        issuer = try DistinguishedName(tbs.next(DERTag.sequence))
        var validity = try tbs.next(DERTag.sequence).children()
        notBefore = try DERTime.date(validity.next())
        notAfter = try DERTime.date(validity.next())
        try validity.expectEnd("the validity")
        subject = try DistinguishedName(tbs.next(DERTag.sequence))
        publicKey = try SubjectPublicKey(derEncoded: Array(tbs.next(DERTag.sequence).encoded))
        _ = try tbs.nextIfPresent(DERTag.implicitPrimitive(1))
        _ = try tbs.nextIfPresent(DERTag.implicitPrimitive(2))
        var isCA = false
        if let extensions = try tbs.nextIfPresent(DERTag.explicit(3)) {
            var wrapper = try extensions.children()
            var list = try wrapper.next(DERTag.sequence).children()
            try wrapper.expectEnd("the extensions")
            var seen = Set<ASN1ObjectID>()
            while !list.isAtEnd {
                var fields = try list.next(DERTag.sequence).children()
                let identifier = try fields.next().objectIdentifier()
                guard seen.insert(identifier).inserted else { throw .malformed("extension \(identifier) appears twice") }
                _ = try fields.nextIfPresent(DERTag.boolean)?.boolean()
                let value = try fields.next().octetString()
                try fields.expectEnd("an extension")
                if identifier == .basicConstraints {
                    var valueReader = DERReader(value)
                    var constraints = try valueReader.next(DERTag.sequence).children()
                    isCA = try constraints.nextIfPresent(DERTag.boolean)?.boolean() ?? false
                }
            }
        }
        try tbs.expectEnd("the certificate's fields")
        isCertificateAuthority = isCA
        signatureAlgorithm = outerAlgorithm
        self.signature = Array(signature)
        tbsRange = (tbsNode.encoded.startIndex - bytes.startIndex)..<(tbsNode.encoded.endIndex - bytes.startIndex)
        derEncoded = bytes
    }

    /// One `CERTIFICATE` PEM block.
    public init(pemEncoded text: String) throws(PKIError) {
        let documents = try PEMDocument.parseAll(text)
        guard documents.count == 1, documents[0].label == "CERTIFICATE" else {
            throw .malformed("expected exactly one PEM block labelled CERTIFICATE")
        }
        try self.init(derEncoded: documents[0].derBytes)
    }

    public var pemString: String { PEMDocument(label: "CERTIFICATE", derBytes: derEncoded).pemString }

    /// Whether `issuer` signed this certificate: the names chain, and the
    /// signature verifies under the issuer's key (ECDSA with SHA-2, or RSA
    /// PKCS #1 v1.5 with SHA-2, which is what CAs sign certificates with).
    public func isIssued(by issuer: Certificate) -> Bool {
        guard issuer.subject == self.issuer else { return false }
        return issuer.publicKey.isValidSignature(signature, for: derEncoded[tbsRange], algorithm: signatureAlgorithm)
    }

    /// The AlgorithmIdentifier's OID; parameters are checked only for being absent or NULL.
    private static func algorithm(_ node: DERNode) throws(PKIError) -> ASN1ObjectID {
        var fields = try node.children()
        let identifier = try fields.next().objectIdentifier()
        if let parameters = try fields.nextIfPresent(DERTag.null) {
            guard parameters.content.isEmpty else { throw .malformed("NULL parameters with content") }
        }
        try fields.expectEnd("an algorithm's parameters")
        return identifier
    }
}
