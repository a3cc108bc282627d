import Foundation

/// Namespace for the minimal, decode-only views of Kubernetes, Flux and Sealed Secrets objects that Slipway reads.
///
/// Only the fields used to follow a rollout and name a failure are modelled; every field is optional so an object
/// from a newer API version, or a partial fixture, still decodes. Nothing here holds Secret or ConfigMap values.
public enum K8s {
    /// Decodes an object (or a list) from the API server's JSON.
    /// - Parameters:
    ///   - type: The model type to decode.
    ///   - json: The response body.
    /// - Returns: The decoded object.
    public static func decode<T: Decodable>(_ type: T.Type, from json: some Collection<UInt8>) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json))
    }

    /// Decodes an object (or a list) from a JSON string.
    public static func decode<T: Decodable>(_ type: T.Type, from json: String) throws -> T {
        try decode(type, from: Array(json.utf8))
    }
}
