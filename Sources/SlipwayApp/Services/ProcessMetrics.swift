import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The standard `process_*` metrics every Prometheus client exports (memory, CPU time, file descriptors, start
/// time), read from `/proc/self` at scrape time. Empty where there is no `/proc` (macOS).
enum ProcessMetrics {
    /// The exposition lines, or "" when `/proc/self/stat` cannot be read.
    static func render() -> String {
        guard let stat = Stat.read() else { return "" }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        var out = ""
        func gauge(_ name: String, _ type: String, _ help: String, _ value: Double) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(Metrics.number(value))\n"
        }
        gauge(
            "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
            Double(stat.userTicks + stat.systemTicks) / ticks)
        gauge(
            "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
            Double(stat.residentPages) * pageSize)
        gauge("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", Double(stat.virtualBytes))
        if let open = openFileDescriptors() {
            gauge("process_open_fds", "gauge", "Number of open file descriptors.", Double(open))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            gauge("process_max_fds", "gauge", "Maximum number of open file descriptors.", Double(limit.rlim_cur))
        }
        if let bootTime {
            gauge(
                "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
                bootTime + Double(stat.startTicks) / ticks)
        }
        return out
    }

    /// The fields of `/proc/self/stat` that the metrics need (proc(5)).
    struct Stat {
        var userTicks: UInt64
        var systemTicks: UInt64
        var startTicks: UInt64
        var virtualBytes: UInt64
        var residentPages: UInt64

        static func read() -> Stat? {
            guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8) else { return nil }
            return parse(text)
        }

        /// Parses the line after the command name, which is in parentheses and may itself hold spaces and `)`.
        static func parse(_ text: String) -> Stat? {
            guard let close = text.lastIndex(of: ")") else { return nil }
            // Field 3 (state) is the first after the name: field N is at index N - 3.
            let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
            func field(_ number: Int) -> UInt64? {
                number - 3 < fields.count ? UInt64(fields[number - 3]) : nil
            }
            guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23),
                let resident = field(24)
            else { return nil }
            return Stat(
                userTicks: user, systemTicks: system, startTicks: start, virtualBytes: virtual, residentPages: resident)
        }
    }

    /// The machine's boot time (`btime` in `/proc/stat`), in seconds since the epoch.
    static let bootTime: Double? = {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }()

    /// Entries in `/proc/self/fd` (including the one that lists it, as other clients count).
    static func openFileDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDot { count += 1 }
        }
        return count
    }
}
