import CCurl

/// Receives one response from curl's header and write callbacks. Lives on the stack of `CurlEasyHandle.perform`
/// while curl holds an unretained pointer to it.
final class CurlResponseCollector {
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
}

/// CURLOPT_WRITEFUNCTION: appends body bytes.
func slipwayCurlWrite(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let context, let data, length > 0 else { return length }
    let collector = Unmanaged<CurlResponseCollector>.fromOpaque(context).takeUnretainedValue()
    collector.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

/// CURLOPT_HEADERFUNCTION: called once per header line, status lines included. A new status line (after
/// `100 Continue`, say) starts a new set of headers.
func slipwayCurlHeader(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let context, let data, length > 0 else { return length }
    let collector = Unmanaged<CurlResponseCollector>.fromOpaque(context).takeUnretainedValue()
    let line = UnsafeRawBufferPointer(start: data, count: length)
    if line.starts(with: "HTTP/".utf8) {
        collector.headers.removeAll(keepingCapacity: true)
        return length
    }
    guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return length }
    let name = String(decoding: line[..<colon], as: UTF8.self)
    var start = colon + 1
    var end = line.endIndex
    while start < end, line[start] == UInt8(ascii: " ") || line[start] == UInt8(ascii: "\t") { start += 1 }
    while end > start,
        [UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: " "), UInt8(ascii: "\t")].contains(line[end - 1])
    {
        end -= 1
    }
    collector.headers.append((name: name, value: String(decoding: line[start..<end], as: UTF8.self)))
    return length
}
