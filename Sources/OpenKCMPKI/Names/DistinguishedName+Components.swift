import SwiftASN1
public import X509

extension DistinguishedName {
    /// The name's attributes as (short name, text) pairs, most significant
    /// first (`C`, `O`, ..., `CN`), from a DER-encoded Name: what KMIP 2.x's
    /// Certificate Subject and Issuer attributes (CN, O, OU, Email, C, ST, L,
    /// UID, Serial Number, Title, DC, DN Qualifier) are made of. Values that
    /// are no string are left out; nil when the bytes are no Name.
    public static func components(derEncoded bytes: [UInt8]) -> [(type: String, value: String)]? {
        guard let node = try? DER.parse(bytes), let name = try? DistinguishedName(derEncoded: node) else { return nil }
        return name.flatMap { relative in
            relative.compactMap { attribute -> (type: String, value: String)? in
                guard let value = String(attribute.value) else { return nil }
                let type = attribute.type == [2, 5, 4, 46] ? "dnQualifier" : shortNames.first { $0.1 == attribute.type }?.0 ?? attribute.type.description
                return (type, value)
            }
        }
    }
}
