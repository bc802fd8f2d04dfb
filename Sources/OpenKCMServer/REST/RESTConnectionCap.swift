import KMIPEngine

/// The REST listener's limit on open connections (`[server] max_connections`),
/// shared by the ``ConnectionCapHandler`` of every connection.
package struct RESTConnectionCap: Sendable {
    let limit: ListenerConnectionLimit

    package init(maximum: Int) {
        limit = ListenerConnectionLimit(maximum: maximum)
    }
}
