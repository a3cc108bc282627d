import CCurl

/// Owns one curl easy handle and its error buffer. A handle serves one transfer at a time; between transfers it is
/// reset but keeps its connection cache, so the next request to the same host reuses the connection.
// @unchecked: owns a curl easy handle, used by one transfer at a time (the client's pool hands it out exclusively).
final class CurlEasyHandle: @unchecked Sendable {
    /// Settings shared by every transfer of a client.
    struct Settings {
        var userAgent: String
        var caFile: String?
        var connectTimeout: Double
        /// Client certificates and in-memory CA (`TLSOptions`).
        var tls = TLSOptions()
    }

    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// Nil when curl cannot allocate a handle.
    init?() {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Performs `request` and waits for the whole response.
    func perform(_ request: HTTPClientRequest, settings: Settings) throws(HTTPClientError) -> HTTPResponse {
        let method = request.method.rawValue
        let safeURL = HTTPClientError.origin(of: request.url)
        curl_easy_reset(handle)
        errorBuffer.initialize(to: 0)

        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for field in request.headers {
            guard !field.name.isEmpty, !Self.hasLineBreak(field.name), !Self.hasLineBreak(field.value) else {
                throw .invalidHeader(name: field.name.filter { $0 != "\r" && $0 != "\n" }, method: method, url: safeURL)
            }
            // "Name;" is curl's way to send a header with an empty value.
            let line = field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)"
            guard let appended = curl_slist_append(headerList, line) else {
                throw .setup(reason: "out of memory building request headers", method: method, url: safeURL)
            }
            headerList = appended
        }

        let collector = CurlResponseCollector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        let timeoutMilliseconds = max(1, Int(request.timeout * 1000))
        let connectMilliseconds = max(1, min(timeoutMilliseconds, Int(settings.connectTimeout * 1000)))

        var zero: UInt8 = 0
        let result: CURLcode = withUnsafeMutablePointer(to: &zero) { empty in
            request.body.withUnsafeBytes { body in
                var code = CURLE_OK
                func set(_ result: CURLcode) { if code == CURLE_OK { code = result } }
                set(slipway_curl_setopt_string(handle, CURLOPT_URL, request.url))
                set(slipway_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"))
                set(slipway_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
                set(slipway_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
                set(slipway_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMilliseconds))
                set(slipway_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, connectMilliseconds))
                set(slipway_curl_setopt_string(handle, CURLOPT_USERAGENT, settings.userAgent))
                if let caFile = settings.caFile {
                    set(slipway_curl_setopt_string(handle, CURLOPT_CAINFO, caFile))
                }
                if let file = settings.tls.clientCertFile {
                    set(slipway_curl_setopt_string(handle, CURLOPT_SSLCERT, file))
                }
                if let file = settings.tls.clientKeyFile {
                    set(slipway_curl_setopt_string(handle, CURLOPT_SSLKEY, file))
                }
                // Blobs are copied by curl (CURL_BLOB_COPY), so the arrays need not outlive the call.
                for (option, pem) in [
                    (CURLOPT_CAINFO_BLOB, settings.tls.caPEM), (CURLOPT_SSLCERT_BLOB, settings.tls.clientCertPEM),
                    (CURLOPT_SSLKEY_BLOB, settings.tls.clientKeyPEM),
                ] {
                    guard let pem else { continue }
                    set(pem.withUnsafeBytes { slipway_curl_setopt_blob(handle, option, $0.baseAddress, $0.count) })
                }
                set(slipway_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList))
                set(slipway_curl_setopt_write_callback(handle, slipwayCurlWrite))
                set(slipway_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context))
                set(slipway_curl_setopt_header_callback(handle, slipwayCurlHeader))
                set(slipway_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context))

                let sendsBody = !body.isEmpty || [.post, .put, .patch].contains(request.method)
                if sendsBody {
                    // curl reads the body in place (no copy); `body` outlives curl_easy_perform below.
                    let bytes = UnsafeMutableRawPointer(mutating: body.baseAddress) ?? UnsafeMutableRawPointer(empty)
                    set(slipway_curl_setopt_offt(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
                    set(slipway_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, bytes))
                    if request.method != .post {
                        set(slipway_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method))
                    }
                } else if request.method == .get {
                    set(slipway_curl_setopt_long(handle, CURLOPT_HTTPGET, 1))
                } else if request.method == .head {
                    set(slipway_curl_setopt_long(handle, CURLOPT_NOBODY, 1))
                } else {
                    set(slipway_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method))
                }
                guard code == CURLE_OK else { return code }
                return curl_easy_perform(handle)
            }
        }
        withExtendedLifetime(collector) {}

        guard result == CURLE_OK else {
            throw .curl(
                kind: Self.kind(of: result), reason: reason(for: result, url: request.url), method: method, url: safeURL
            )
        }
        var status = 0
        _ = slipway_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: HTTPHeaders(collector.headers), body: collector.body)
    }

    private static func hasLineBreak(_ text: String) -> Bool {
        text.utf8.contains { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") || $0 == 0 }
    }

    /// curl's message for `code`, with the handle's more specific detail when it cannot leak the URL's path or
    /// query (a `response_url`'s path is a credential).
    private func reason(for code: CURLcode, url: String) -> String {
        let general = String(cString: curl_easy_strerror(code))
        let detail = String(cString: errorBuffer).trimmingTrailingNewlines()
        let origin = HTTPClientError.origin(of: url)
        let rest = url.hasPrefix(origin) ? String(url.dropFirst(origin.count)) : url
        let leaks = rest.count > 1 && detail.contains(rest.dropFirst())
        guard !detail.isEmpty, detail != general, !leaks else { return general }
        return "\(general) (\(detail))"
    }

    private static func kind(of code: CURLcode) -> HTTPClientError.Kind {
        switch code {
        case CURLE_COULDNT_CONNECT:
            return .connectionRefused
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
            CURLE_SSL_CRL_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CLIENTCERT:
            return .tls
        default:
            return .other
        }
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
