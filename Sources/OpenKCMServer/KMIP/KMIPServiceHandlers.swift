import KMIP
public import KMIPEngine

/// The KMIP operations that manage no object: Hash, RNG Retrieve, RNG Seed
/// (refused: the generator takes no client seed), and KMIP
/// 2.x's Log and Interop (the conformance test cases open and close each
/// case with Interop Begin and End).
extension KMIPProtocolEngine {
    mutating func registerServiceOperations(_ operations: Operations) {
        register(.hash) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                guard payload[.initIndicator] == nil, payload[.finalIndicator] == nil, payload[.correlationValue] == nil else {
                    throw KMIPOperationError(.featureNotSupported, "Hash takes the whole Data in one request (no streaming)")
                }
                guard let raw = payload[.cryptographicParameters]?[.hashingAlgorithm]?.enumerationValue, let algorithm = KMIPHashingAlgorithm(rawValue: raw) else {
                    throw KMIPOperationError(.invalidField, "Hash needs Cryptographic Parameters naming a Hashing Algorithm")
                }
                guard let data = payload[.data]?.bytesValue else { throw KMIPOperationError(.invalidField, "Hash needs Data") }
                return [TTLVItem(.data, .byteString(try await operations.kmipHash(data, algorithm: algorithm, caller: caller)))]
            }
        }
        register(.rngRetrieve) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                guard let length = payload[.dataLength]?.integerValue, (1...65_536).contains(length) else {
                    throw KMIPOperationError(.invalidField, "RNG Retrieve takes a Data Length of 1 to 65536 bytes")
                }
                return [TTLVItem(.data, .byteString(try await operations.kmipRandomBytes(Int(length), caller: caller)))]
            }
        }
        register(.rngSeed) { _, request throws(KMIPOperationError) in
            // The generator is the operating system's CSPRNG; a client's seed is not mixed into it (CS-RNG-O-4's answer).
            guard request.caller != nil else { throw KMIPOperationError(.permissionDenied, "no client identity") }
            throw KMIPOperationError(.permissionDenied, "the server's generator takes no seed from clients")
        }
        register(.log) { payload, request throws(KMIPOperationError) in
            try await Self.run(request) { caller in
                guard let message = payload[.logMessage]?.textValue, !message.isEmpty, message.utf8.count <= 4096 else {
                    throw KMIPOperationError(.invalidField, "Log needs a Log Message of 1 to 4096 bytes")
                }
                try await operations.kmipLog(message, caller: caller)
                return []
            }
        }
        register(.interop) { payload, request throws(KMIPOperationError) in
            // Begin, End or Reset of a named conformance test case: nothing to set up or tear down here.
            guard request.caller != nil else { throw KMIPOperationError(.permissionDenied, "no client identity") }
            guard let function = payload[.interopFunction]?.enumerationValue, (1...3).contains(function),
                  payload[.interopIdentifier]?.textValue != nil else {
                throw KMIPOperationError(.invalidField, "Interop needs an Interop Function (Begin, End, Reset) and an Interop Identifier")
            }
            return []
        }
    }
}
