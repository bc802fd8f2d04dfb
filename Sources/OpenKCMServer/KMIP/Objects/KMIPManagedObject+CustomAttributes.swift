import Foundation
import KMIP
import KMIPEngine

extension KMIPManagedObject {
    /// The most custom (1.x `x-`/`y-`) and vendor (2.x) attributes one object keeps.
    static let maximumCustomAttributes = 64

    /// A custom or vendor attribute's value: text from ``customAttributes``, any other type from ``customValues``.
    func customValue(_ name: String) -> TTLVValue? {
        if let text = customAttributes?[name] { return .textString(text) }
        guard let encoded = customValues?[name], let item = try? TTLVDecoder().decode(Array(encoded)) else { return nil }
        return item.value
    }

    /// Every custom and vendor attribute, by name.
    var customValueNames: [String] {
        Array(Set((customAttributes ?? [:]).keys).union((customValues ?? [:]).keys)).sorted()
    }

    /// Sets (or with nil removes) a custom or vendor attribute. Text is kept as text (it is what subjects and
    /// vCenter's attributes are); a Boolean, Integer, Long Integer, Big Integer, Enumeration, Date-Time,
    /// Interval or Byte String as its TTLV encoding. Structures are refused, and text or bytes past 1 KiB.
    mutating func setCustom(_ name: String, _ value: TTLVValue?) throws(KMIPOperationError) {
        var texts = customAttributes ?? [:]
        var values = customValues ?? [:]
        defer {
            customAttributes = texts.isEmpty ? nil : texts
            customValues = values.isEmpty ? nil : values
        }
        let exists = texts[name] != nil || values[name] != nil
        texts[name] = nil
        values[name] = nil
        guard let value else { return }
        guard exists || texts.count + values.count < Self.maximumCustomAttributes else {
            throw KMIPOperationError(.invalidField, "at most \(Self.maximumCustomAttributes) custom attributes")
        }
        switch value {
        case .textString(let text):
            guard text.utf8.count <= 1024 else { throw KMIPOperationError(.invalidField, "a custom attribute's text is at most 1024 bytes") }
            texts[name] = text
        case .structure:
            throw KMIPOperationError(.invalidField, "custom and vendor attributes are single values, not structures")
        case .byteString(let bytes) where bytes.count > 1024, .bigInteger(let bytes) where bytes.count > 1024:
            throw KMIPOperationError(.invalidField, "a custom attribute's bytes are at most 1024")
        default:
            values[name] = Data(TTLVEncoder.encode(TTLVItem(.attributeValue, value)))
        }
    }
}
