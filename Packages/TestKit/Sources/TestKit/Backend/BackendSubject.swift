import TensorCore

/// A backend under test and the backend it must agree with (the CPU by default), for
/// ``BackendCheck``.
///
/// ```swift
/// let subject = BackendSubject(backend: try BackendRegistry.shared.backend(for: .cuda(0)))
/// for report in CheckSuite<BackendCheck>(subject: subject).run() { print(report) }
/// ```
public struct BackendSubject: CheckSubject {
    /// A short name for reports, e.g. `"cuda:0"`.
    public var name: String
    /// The backend whose primitives are checked.
    public var backend: any Backend
    /// The backend that gives the expected results.
    public var reference: any Backend

    /// `backend` checked against `reference`; the name defaults to the backend's device.
    public init(name: String? = nil, backend: any Backend, reference: any Backend = CPUBackend.shared) {
        self.name = name ?? "\(backend.device)"
        self.backend = backend
        self.reference = reference
    }
}
