#if canImport(Glibc)
import Glibc
#endif

/// The directory of the real MNIST files, when `MNIST_DIR` names one.
let realMNISTDirectory: String? = {
    guard let value = getenv("MNIST_DIR") else { return nil }
    let path = String(cString: value)
    return path.isEmpty ? nil : path
}()
