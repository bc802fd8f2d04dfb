import Foundation

extension EnvelopeEncryptor {
    /// Encrypts the file at `input` into a stream at `output`, reading and
    /// writing `bufferSize` bytes at a time: memory stays bounded whatever
    /// the file's size. Returns the number of plaintext bytes.
    @discardableResult
    public func encryptFile(at input: String, to output: String, context: [String: String] = [:],
                            chunkSize: Int = StreamEncryptor.defaultChunkSize, bufferSize: Int = 1 << 20) async throws -> Int {
        var stream = try await streamEncryptor(context: context, chunkSize: chunkSize)
        let reader = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        defer { try? reader.close() }
        let writer = try Self.create(output)
        defer { try? writer.close() }
        var total = 0
        while let data = try reader.read(upToCount: bufferSize), !data.isEmpty {
            total += data.count
            try writer.write(contentsOf: try stream.update(data))
        }
        try writer.write(contentsOf: try stream.finish())
        try writer.synchronize()
        return total
    }

    /// Decrypts a stream made by ``encryptFile(at:to:context:chunkSize:bufferSize:)``.
    /// If the stream fails to open, `output` is removed: a partial plaintext is not left behind.
    @discardableResult
    public func decryptFile(at input: String, to output: String, context: [String: String] = [:], bufferSize: Int = 1 << 20) async throws -> Int {
        let reader = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        defer { try? reader.close() }
        let first = try reader.read(upToCount: bufferSize) ?? Data()
        var stream = try await streamDecryptor(header: Array(first.prefix(6 + EnvelopeRecord.maximumWrappedKey)), context: context)
        let writer = try Self.create(output)
        var total = 0
        do {
            var data = first
            repeat {
                let plaintext = try stream.update(data)
                total += plaintext.count
                try writer.write(contentsOf: plaintext)
                data = try reader.read(upToCount: bufferSize) ?? Data()
            } while !data.isEmpty
            let last = try stream.finish()
            total += last.count
            try writer.write(contentsOf: last)
            try writer.close()
        } catch {
            try? writer.close()
            try? FileManager.default.removeItem(atPath: output)
            throw error
        }
        return total
    }

    private static func create(_ path: String) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }
}
