import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import OpenKCMCore

/// Answers a request the HTTP parser refuses (raw control or non-ASCII bytes
/// in the path, a NUL in a header, a malformed request line) with a
/// problem+json 400 like every other refusal, audits it, and closes the
/// connection. Without it Hummingbird answers such a request with a bare 400
/// and no body, which a client cannot tell from any other 400.
///
/// It sits after the HTTP codec, where the parser's error passes on its way
/// to Hummingbird's handler; a request already handed on (its head read) is
/// left to Hummingbird, which is answering it.
package final class MalformedRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Audits the refusal (off the event loop); given the correlation id and the problem.
    let audit: @Sendable (_ correlationID: String, _ problem: ProblemDetails) -> Void
    /// A request's head was passed on, and its body has not all been read or its response has not ended:
    /// Hummingbird owns the connection's answer until both ends are done.
    private var requestRead = true
    private var responseWritten = true
    private var requestInFlight: Bool { !requestRead || !responseWritten }

    package init(audit: @escaping @Sendable (_ correlationID: String, _ problem: ProblemDetails) -> Void) {
        self.audit = audit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requestRead = false
            responseWritten = false
        case .end: requestRead = true
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { responseWritten = true }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError || error is HTTP1TypeConversionError, !requestInFlight else {
            context.fireErrorCaught(error)
            return
        }
        // A client gone mid-request (the parser's error at end of input) has nobody to answer, and is no refusal.
        guard context.channel.isActive else {
            context.close(promise: nil)
            return
        }
        let correlationID = RandomUUID.make()
        var problem = ProblemDetails(status: .badRequest, code: "request.malformed_http",
                                     detail: "the request is not valid HTTP/1.1 (\(error)); the connection is closed")
        problem.correlationId = correlationID
        let body = (try? JSONEncoder().encode(problem)) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        headers[.contentLength] = "\(body.count)"
        headers[.connection] = "close"
        headers[.correlationID] = correlationID
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .badRequest, headerFields: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
        audit(correlationID, problem)
    }
}
