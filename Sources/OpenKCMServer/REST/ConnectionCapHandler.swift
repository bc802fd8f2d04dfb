import KMIPEngine
package import Logging
import NIOCore
import NIOHTTPTypes

/// Holds the REST listener to a number of open connections: past the limit a
/// new connection is closed as soon as it is set up, before a request is
/// read, so a flood of idle connections cannot take the server's file
/// descriptors or memory. One shared ``ListenerConnectionLimit`` counts them.
package final class ConnectionCapHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let limit: ListenerConnectionLimit
    private let logger: Logger
    /// Whether this connection was counted in (and must be counted out once).
    private var counted = false

    /// One per connection, all sharing `cap`'s count.
    package init(cap: RESTConnectionCap, logger: Logger) {
        self.limit = cap.limit
        self.logger = logger
    }

    init(limit: ListenerConnectionLimit, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if limit.enter() {
            counted = true
        } else {
            logger.warning("REST connection refused: too many open", metadata: ["limit": .stringConvertible(limit.maximum)])
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if counted {
            counted = false
            limit.leave()
        }
    }
}
