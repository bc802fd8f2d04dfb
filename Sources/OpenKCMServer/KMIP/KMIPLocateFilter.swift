import KMIP
import KMIPEngine

/// What a Locate asks for: every attribute given, each by its KMIP 1.x
/// name, whichever encoding it came in (1.x `Attribute` structures, 2.x
/// tagged items and vendor attributes in `Attributes`), and the Storage
/// Status Mask. An object matches when it matches all of them (KMIP: "SHALL
/// match all of the attributes in the request"); an attribute the object
/// does not have never matches.
struct KMIPLocateFilter: Sendable {
    /// The values asked for, by attribute name (two of a date: a range).
    private(set) var conditions: [String: [TTLVItem]] = [:]
    /// On-line (0x1), Archival (0x2), Destroyed (0x4); on-line only by default.
    var storageStatusMask: UInt32 = 0x1
    /// Object Group Member (KMIP 1.1 on): Group Member Fresh (1) finds only members no Get has served yet;
    /// Group Member Default (2) the group's default member, its most recently made one.
    var groupMember: UInt32?

    init(_ payload: TTLVItem) throws(KMIPOperationError) {
        func add(_ name: String, _ value: TTLVItem) { conditions[name, default: []].append(value) }
        for container in [Optional(payload), payload[.templateAttribute], payload[.attributes]].compactMap({ $0 }) {
            for attribute in container.all(.attribute) where attribute[.vendorIdentification] == nil {
                guard let name = attribute[.attributeName]?.textValue, let value = attribute[.attributeValue] else {
                    throw KMIPOperationError(.invalidField, "a Locate attribute needs an Attribute Name and an Attribute Value")
                }
                add(name, value)
            }
        }
        for item in payload[.attributes]?.children ?? [] {
            if item.tag == .attribute {
                guard item[.vendorIdentification] != nil else { continue }
                guard let value = item[.attributeValue] else { throw KMIPOperationError(.invalidField, "a vendor attribute needs an Attribute Value") }
                add(try KMIPAttributeChange.vendorName(vendor: item[.vendorIdentification]?.textValue, name: item[.attributeName]?.textValue), value)
            } else {
                add(KMIPAttributeNames.name(of: item.tag) ?? item.tag.description, item)
            }
        }
        if let mask = payload[.storageStatusMask]?.integerValue { storageStatusMask = UInt32(bitPattern: mask) }
        if let member = payload[.objectGroupMember]?.enumerationValue {
            guard member == 1 || member == 2 else { throw KMIPOperationError(.invalidField, "Object Group Member is Group Member Fresh or Group Member Default") }
            guard conditions["Object Group"] != nil else { throw KMIPOperationError(.invalidField, "Object Group Member needs the Object Group it picks from") }
            groupMember = member
        }
    }

    /// Only the group's default member: the first (most recently made) of the matches.
    var wantsDefaultMember: Bool { groupMember == 2 }

    /// Whether `object`, whose attributes are `attributes` (``KMIPProtocolEngine/objectAttributes(_:version:)``), matches.
    func matches(_ object: KMIPManagedObject, attributes: [(name: String, item: TTLVItem)]) -> Bool {
        guard storageStatusMask & (object.isDestroyed ? 0x4 : 0x1) != 0 else { return false }
        if groupMember == 1, object.fresh != true { return false }
        for (name, wanted) in conditions {
            let held = attributes.filter { $0.name == name }.map { Self.value(of: $0.item) }
            guard !held.isEmpty, Self.matches(name: name, wanted: wanted.map(Self.value(of:)), held: held) else { return false }
        }
        return true
    }

    /// The value to compare: a vendor attribute's Attribute Value, else the item's own.
    private static func value(of item: TTLVItem) -> TTLVValue {
        item.tag == .attribute ? (item[.attributeValue]?.value ?? item.value) : item.value
    }

    private static func matches(name: String, wanted: [TTLVValue], held: [TTLVValue]) -> Bool {
        // A usage mask matches when the object allows every usage asked.
        if name == "Cryptographic Usage Mask" {
            return wanted.allSatisfy { asked in
                guard case .integer(let bits) = asked else { return false }
                return held.contains { if case .integer(let mask) = $0 { mask & bits == bits } else { false } }
            }
        }
        // Two instances of a date: an inclusive range; one: that date.
        let dates = wanted.compactMap { if case .dateTime(let seconds) = $0 { seconds } else { nil } }
        if dates.count == 2, wanted.count == 2, let low = dates.min(), let high = dates.max() {
            return held.contains { if case .dateTime(let seconds) = $0 { (low...high).contains(seconds) } else { false } }
        }
        // Every value asked must be held (a structure: the fields given, e.g. a Name's value without its type).
        return wanted.allSatisfy { asked in held.contains { Self.contains($0, asked) } }
    }

    /// Whether `held` equals `asked`, or (both structures) has each of `asked`'s fields.
    private static func contains(_ held: TTLVValue, _ asked: TTLVValue) -> Bool {
        guard case .structure(let askedFields) = asked, case .structure(let heldFields) = held else { return held == asked }
        return askedFields.allSatisfy { field in heldFields.contains { $0.tag == field.tag && contains($0.value, field.value) } }
    }
}
