import CTensorKernels

// PLACEHOLDER (replaced by the random-number and optimizer work).
extension CPUBackend {
    public func fillRandom(_ buffer: any DeviceBuffer, count: Int, distribution: RandomDistribution,
                           key: PhiloxKey, counter: UInt64) { fatalError("TODO") }
    public func adamStep(parameter: any DeviceBuffer, gradient: any DeviceBuffer, firstMoment: any DeviceBuffer,
                         secondMoment: any DeviceBuffer, count: Int, hyper: AdamHyperparameters) { fatalError("TODO") }
}
