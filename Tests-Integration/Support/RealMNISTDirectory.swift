import DeepTrustSystem

/// The directory of the real MNIST files, when `MNIST_DIR` names one.
let realMNISTDirectory: String? = {
    guard let path = environmentVariable("MNIST_DIR") else { return nil }
    return path.isEmpty ? nil : path
}()
