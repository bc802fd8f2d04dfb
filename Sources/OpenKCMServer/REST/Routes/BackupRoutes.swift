import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenKCMCore

/// `/v1/sys/backup`: a backup of the whole store, and the check of one (root).
/// Restoring is offline (`openkcm backup restore`): it writes a store no
/// server runs on yet.
struct BackupRoutes {
    let operations: Operations

    /// A backup sent back for verification may be this large.
    static let maximumUploadBytes = 1 << 30

    func register(on router: Router<OpenKCMRequestContext>) {
        router.get("/v1/sys/backup") { _, context in
            let archive = try await operations.createBackup(caller: context.caller)
            var headers: HTTPFields = [.contentType: "application/octet-stream"]
            headers[.contentDisposition] =
                "attachment; filename=\"openkcm-backup-\(archive.manifest.storeGeneration).okb\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: archive.encoded)))
        }
        router.post("/v1/sys/backup/verify") { request, context in
            // Who may send one is settled before up to 1 GiB is read into memory.
            try await operations.authorize(.backupVerify, caller: context.caller, tenant: nil, service: nil)
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.maximumUploadBytes)
            } catch is NIOTooManyBytesError {
                throw ProblemDetails(status: .contentTooLarge, code: "request.too_large", detail: "a backup to verify may be at most 1 GiB")
            }
            return try JSONBody.response(try await operations.verifyBackup(Data(body.readableBytesView), caller: context.caller))
        }
    }
}

extension HTTPField.Name {
    static let contentDisposition = Self("Content-Disposition")!  // safe: a constant, valid field name
}
