import TensorCore

extension Layer {
    /// Applies the layer as the child `name` of the module calling it. The same as `self(input)`,
    /// except in anomaly-detection mode (``TensorCore/withAnomalyDetection(_:)``), where a NaN or
    /// infinity produced inside is reported at `parent.name (LayerType)`, e.g. `encoder.6 (Linear)`.
    /// Use the property name under which the layer appears in ``Module/namedChildren``.
    ///
    /// ```swift
    /// func encode(_ x: Tensor) -> Tensor { encoder(x, named: "encoder") }
    /// ```
    public func callAsFunction(_ input: Tensor, named name: String) -> Tensor {
        withModuleScope(name, type: String(describing: Swift.type(of: self))) { self(input) }
    }
}
