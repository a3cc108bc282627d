extension K8s {
    /// A `…List` answer of a LIST call.
    public struct List<Item: Decodable & Sendable>: Sendable, Decodable {
        public struct Metadata: Sendable, Equatable, Decodable {
            public var resourceVersion: String?
            /// Set when the server paginates (`limit`); Slipway does not ask for pages.
            public var `continue`: String?
        }

        public var metadata: Metadata?
        public var items: [Item]

        public init(items: [Item]) {
            self.metadata = nil
            self.items = items
        }

        private enum CodingKeys: String, CodingKey { case metadata, items }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            metadata = try container.decodeIfPresent(Metadata.self, forKey: .metadata)
            // The API server sends `"items": null` for an empty list in some versions.
            items = try container.decodeIfPresent([Item].self, forKey: .items) ?? []
        }
    }
}
