/// ``Deadline/run(within:_:)`` stopped waiting.
package struct DeadlineExceeded: Error, Sendable {}
