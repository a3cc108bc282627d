extension K8s {
    /// A core/v1 `ConfigMap`, reduced to its name and the names of its keys.
    ///
    /// Values are skipped while decoding and never kept: they may be sensitive and are not needed to name a typo.
    public struct ConfigMap: Sendable, Equatable, Decodable {
        public var metadata: ObjectMeta
        /// Keys of `data` and `binaryData`, sorted.
        public var keys: [String]

        public var name: String { metadata.name ?? "" }

        public init(metadata: ObjectMeta, keys: [String]) {
            self.metadata = metadata
            self.keys = keys.sorted()
        }

        private enum CodingKeys: String, CodingKey { case metadata, data, binaryData }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            metadata = try container.decode(ObjectMeta.self, forKey: .metadata)
            let data = try container.decodeIfPresent([String: SkippedValue].self, forKey: .data) ?? [:]
            let binary = try container.decodeIfPresent([String: SkippedValue].self, forKey: .binaryData) ?? [:]
            keys = (Array(data.keys) + Array(binary.keys)).sorted()
        }

        /// A value decoded as nothing, so only keys survive.
        private struct SkippedValue: Decodable {
            init(from decoder: any Decoder) throws {}
        }
    }
}
