// `import TestKit` also brings TensorCore (Tensor, Device, makeDeterministic(seed:),
// withTensorChecking), which every subject description is written in.
@_exported import TensorCore
