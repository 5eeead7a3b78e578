// `import TestKit` also brings TensorCore (Tensor, Device, makeDeterministic(seed:),
// withTensorChecking), which every subject description is written in, and TensorCoreTesting
// (checkGradients, CPUForwardingBackend), which TestKit's gradient and device helpers build on.
@_exported import TensorCore
@_exported import TensorCoreTesting
