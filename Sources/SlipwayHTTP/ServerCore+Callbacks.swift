import CMicroHTTPD

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The C callbacks libmicrohttpd calls from its worker threads. They are plain nonisolated functions on purpose:
// a callback isolated to an actor would trap when called from a foreign thread. Each gets the `ServerCore`
// unretained through its `cls` argument; the server stops the daemon before the core can go away.

/// MHD_OPTION_EXTERNAL_LOGGER: keeps start-up messages to explain a failure, drops everything else
/// (libmicrohttpd would otherwise print to stderr, and its messages may quote request data).
nonisolated func slipwayMHDLog(
    _ cls: UnsafeMutableRawPointer?, _ format: UnsafePointer<CChar>?, _ arguments: CVaListPointer?
) {
    guard let cls, let format, let arguments else { return }
    let core = Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue()
    core.log {
        var buffer = [CChar](repeating: 0, count: 512)
        _ = vsnprintf(&buffer, buffer.count, format, arguments)
        var message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        while message.last?.isNewline == true { message.removeLast() }
        return message
    }
}

/// MHD_OPTION_URI_LOG_CALLBACK: the first sight of a request, before MHD splits and decodes the URI.
/// Creates the request's state (which becomes its `req_cls`) and keeps the raw query string.
nonisolated func slipwayMHDURILog(
    _ cls: UnsafeMutableRawPointer?, _ uri: UnsafePointer<CChar>?, _ connection: OpaquePointer?
) -> UnsafeMutableRawPointer? {
    let state = RequestState()
    if let uri, let questionMark = strchr(uri, Int32(UInt8(ascii: "?"))) {
        let start = UnsafeRawPointer(questionMark + 1).assumingMemoryBound(to: UInt8.self)
        var end = start
        while end.pointee != 0 && end.pointee != UInt8(ascii: "#") { end += 1 }
        state.query = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
    }
    return Unmanaged.passRetained(state).toOpaque()
}

/// MHD_OPTION_NOTIFY_CONNECTION: a connection was accepted or is about to be closed (before its socket is).
/// Keeps a `ConnectionRecord` in the socket context for the request deadline.
nonisolated func slipwayMHDNotifyConnection(
    _ cls: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
    _ socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, _ code: MHD_ConnectionNotificationCode
) {
    guard let cls, let connection, let socketContext else { return }
    let core = Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue()
    if slipway_mhd_connection_started(code) != 0 {
        let record = core.deadlines.opened(socket: slipway_mhd_connection_fd(connection))
        socketContext.pointee = Unmanaged.passRetained(record).toOpaque()
    } else if let pointer = socketContext.pointee {
        socketContext.pointee = nil
        core.deadlines.closed(Unmanaged<ConnectionRecord>.fromOpaque(pointer).takeRetainedValue())
    }
}

/// The deadline record of a connection (nil only if libmicrohttpd did not report its opening).
private func connectionRecord(_ connection: OpaquePointer?) -> ConnectionRecord? {
    guard let connection, let pointer = slipway_mhd_socket_context(connection) else { return nil }
    return Unmanaged<ConnectionRecord>.fromOpaque(pointer).takeUnretainedValue()
}

/// MHD_OPTION_NOTIFY_COMPLETED: the request is over (answered, failed or the client went away).
nonisolated func slipwayMHDRequestCompleted(
    _ cls: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
    _ requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ reason: MHD_RequestTerminationCode
) {
    guard let cls else { return }
    if let record = connectionRecord(connection) {
        Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue().deadlines.awaitNextRequest(record)
    }
    guard let requestContext, let pointer = requestContext.pointee else { return }
    requestContext.pointee = nil
    let state = Unmanaged<RequestState>.fromOpaque(pointer).takeRetainedValue()
    if state.admitted {
        Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue().finish()
    }
}

/// The access handler: called once when the headers are in, once per body chunk, and once more at the end.
nonisolated func slipwayMHDAccess(
    _ cls: UnsafeMutableRawPointer?, _ connection: OpaquePointer?, _ url: UnsafePointer<CChar>?,
    _ method: UnsafePointer<CChar>?, _ version: UnsafePointer<CChar>?, _ uploadData: UnsafePointer<CChar>?,
    _ uploadDataSize: UnsafeMutablePointer<Int>?, _ requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let cls, let connection, let uploadDataSize, let requestContext else { return MHD_Result.NO }
    let core = Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue()
    let state: RequestState
    if let pointer = requestContext.pointee {
        state = Unmanaged<RequestState>.fromOpaque(pointer).takeUnretainedValue()
    } else {
        // The URI log callback always runs first; this is only a safety net.
        state = RequestState()
        requestContext.pointee = Unmanaged.passRetained(state).toOpaque()
    }

    switch state.phase {
    case .new:
        guard core.admit() else {
            state.phase = .answered
            if let record = connectionRecord(connection) { core.deadlines.requestReceived(record) }
            return queue(ServerCore.drainingResponse, on: connection, draining: true)
        }
        state.admitted = true
        state.phase = .receiving
        if let declared = declaredContentLength(connection) {
            if declared > core.maxBodyBytes {
                // Answer before reading the body; MHD then skips it and closes the connection.
                state.phase = .answered
                if let record = connectionRecord(connection) { core.deadlines.requestReceived(record) }
                return queue(core.tooLargeResponse(), on: connection, draining: core.isDraining)
            }
            // Capped: a client may declare a large body and never send it.
            state.body.reserveCapacity(min(declared, 64 << 10))
        }
        return MHD_Result.YES

    case .receiving:
        let size = uploadDataSize.pointee
        if size > 0 {
            uploadDataSize.pointee = 0
            state.receivedBytes += size
            if state.receivedBytes > core.maxBodyBytes {
                state.tooLarge = true
                state.body = []
                // A client streaming far past the limit is cut off rather than read to the end.
                if state.receivedBytes - core.maxBodyBytes > core.discardAllowance { return MHD_Result.NO }
            } else if let uploadData {
                UnsafeRawPointer(uploadData).withMemoryRebound(to: UInt8.self, capacity: size) {
                    state.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: size))
                }
            }
            return MHD_Result.YES
        }
        state.phase = .answered
        if let record = connectionRecord(connection) { core.deadlines.requestReceived(record) }
        if state.tooLarge {
            return queue(core.tooLargeResponse(), on: connection, draining: core.isDraining)
        }
        let request = HTTPRequest(
            method: requestMethod(method),
            path: url.map { String(cString: $0) } ?? "/",
            query: state.query,
            headers: requestHeaders(connection),
            body: state.body)
        state.body = []
        let response = core.handler(request)
        return queue(response, on: connection, draining: core.isDraining)

    case .answered:
        // MHD may call again after a response was queued early; keep discarding.
        uploadDataSize.pointee = 0
        return MHD_Result.YES
    }
}

/// The request method; the common ones without building a string.
private func requestMethod(_ method: UnsafePointer<CChar>?) -> HTTPMethod {
    guard let method else { return .get }
    if strcmp(method, "POST") == 0 { return .post }
    if strcmp(method, "GET") == 0 { return .get }
    return HTTPMethod(rawValue: String(cString: method))
}

/// The Content-Length the client declared, or nil (absent, chunked or unparsable; MHD rejects malformed ones).
private func declaredContentLength(_ connection: OpaquePointer) -> Int? {
    guard let value = MHD_lookup_connection_value(connection, MHD_ValueKind.HEADER_KIND, "Content-Length") else {
        return nil
    }
    var result = 0
    var digits = 0
    var pointer = UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self)
    while pointer.pointee == UInt8(ascii: " ") { pointer += 1 }
    while pointer.pointee >= UInt8(ascii: "0") && pointer.pointee <= UInt8(ascii: "9") {
        digits += 1
        if digits > 18 { return Int.max }
        result = result * 10 + Int(pointer.pointee - UInt8(ascii: "0"))
        pointer += 1
    }
    return digits == 0 ? nil : result
}

private func requestHeaders(_ connection: OpaquePointer) -> HTTPHeaders {
    var received = ReceivedHeaderFields()
    withUnsafeMutablePointer(to: &received) { pointer in
        _ = MHD_get_connection_values_n(connection, MHD_ValueKind.HEADER_KIND, slipwayMHDCollectHeader, pointer)
    }
    return HTTPHeaders(received: received)
}

/// MHD_KeyValueIteratorN for request headers; `cls` points at the `ReceivedHeaderFields` being filled.
nonisolated func slipwayMHDCollectHeader(
    _ cls: UnsafeMutableRawPointer?, _ kind: MHD_ValueKind, _ key: UnsafePointer<CChar>?, _ keySize: Int,
    _ value: UnsafePointer<CChar>?, _ valueSize: Int
) -> MHD_Result {
    guard let cls, let key else { return MHD_Result.YES }
    let received = cls.assumingMemoryBound(to: ReceivedHeaderFields.self)
    let name = UnsafeBufferPointer(start: UnsafeRawPointer(key).assumingMemoryBound(to: UInt8.self), count: keySize)
    let bytes = UnsafeBufferPointer(
        start: value.map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self) },
        count: value == nil ? 0 : valueSize)
    received.pointee.append(name: name, value: bytes)
    return MHD_Result.YES
}

/// Queues `response` on the connection; asks MHD to close the connection afterwards while draining.
private func queue(_ response: HTTPResponse, on connection: OpaquePointer, draining: Bool) -> MHD_Result {
    let status = (100...999).contains(response.status) ? UInt32(response.status) : 500
    if !draining, let wireForm = response.wireForm,
        let reused = wireForm.response(orMake: { makeResponse(response, draining: false) })
    {
        return MHD_queue_response(connection, status, reused)
    }
    guard let made = makeResponse(response, draining: draining) else { return MHD_Result.NO }
    defer { MHD_destroy_response(made) }
    return MHD_queue_response(connection, status, made)
}

/// A new libmicrohttpd response with a copy of the body and the headers; the caller destroys it.
private func makeResponse(_ response: HTTPResponse, draining: Bool) -> OpaquePointer? {
    let made = response.body.withUnsafeBytes { raw in
        MHD_create_response_from_buffer(
            raw.count, UnsafeMutableRawPointer(mutating: raw.baseAddress), MHD_ResponseMemoryMode.RESPMEM_MUST_COPY)
    }
    guard let made else { return nil }
    var hasConnectionHeader = false
    for field in response.headers {
        // MHD refuses names or values with CR/LF and headers it sets itself (Content-Length); those are skipped.
        _ = MHD_add_response_header(made, field.name, field.value)
        if !hasConnectionHeader && HTTPHeaders.namesMatch(field.name, "Connection") {
            hasConnectionHeader = true
        }
    }
    if draining && !hasConnectionHeader {
        _ = MHD_add_response_header(made, "Connection", "close")
    }
    return made
}
