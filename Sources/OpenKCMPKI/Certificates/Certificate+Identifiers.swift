import SwiftASN1
public import X509

/// The parts of a certificate KMIP names as attributes (X.509 Certificate
/// Identifier, Subject and Issuer): the names as DER, the serial number's bytes.
extension Certificate {
    /// The subject's Name, DER-encoded.
    public var subjectDER: [UInt8] { Self.der(subject) }

    /// The issuer's Name, DER-encoded.
    public var issuerDER: [UInt8] { Self.der(issuer) }

    /// The serial number's big-endian bytes.
    public var serialNumberBytes: [UInt8] { Array(serialNumber.bytes) }

    private static func der(_ name: DistinguishedName) -> [UInt8] {
        var serializer = DER.Serializer()
        // A name read from a certificate always serializes again.
        try? serializer.serialize(name)
        return serializer.serializedBytes
    }
}
