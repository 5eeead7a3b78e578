import CTensorKernels

// PLACEHOLDER (replaced by the elementwise work): copy, unary, binary, select, reduce.
extension CPUBackend {
    public func copy(_ source: any DeviceBuffer, _ sourceLayout: StridedLayout,
                     to destination: any DeviceBuffer, _ destinationLayout: StridedLayout) { fatalError("TODO") }
    public func unary(_ op: UnaryOp, _ x: any DeviceBuffer, _ xLayout: StridedLayout, into out: any DeviceBuffer) { fatalError("TODO") }
    public func binary(_ op: BinaryOp, _ a: any DeviceBuffer, _ aLayout: StridedLayout,
                       _ b: any DeviceBuffer, _ bLayout: StridedLayout, into out: any DeviceBuffer) { fatalError("TODO") }
    public func select(_ condition: any DeviceBuffer, _ conditionLayout: StridedLayout,
                       _ a: any DeviceBuffer, _ aLayout: StridedLayout,
                       _ b: any DeviceBuffer, _ bLayout: StridedLayout, into out: any DeviceBuffer) { fatalError("TODO") }
    public func reduce(_ op: ReduceOp, _ x: any DeviceBuffer, offset: Int, outer: Int, extent: Int, inner: Int,
                       into out: any DeviceBuffer) { fatalError("TODO") }
}
