/// Memory owned by a backend: `count` Float32 elements on one device.
///
/// Buffers are created only by ``Backend/allocate(count:)`` and handed back to the same
/// backend's operations, which downcast them to their concrete type.
public protocol DeviceBuffer: AnyObject, Sendable {
    /// Capacity in elements.
    var count: Int { get }
}
