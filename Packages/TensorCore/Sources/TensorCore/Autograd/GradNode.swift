import Synchronization

/// Computes the gradients of an operation's inputs from the gradient of its output, one entry per
/// input (`nil` where an input needs none). Written in ``Tensor`` operations, so every backend
/// gets it for free.
public typealias BackwardFunction = @Sendable (_ gradOutput: Tensor) -> [Tensor?]

/// One vertex of the autodiff graph.
///
/// A leaf node belongs to a tensor created with ``Tensor/requiresGrad`` and accumulates its
/// gradient; an interior node belongs to the result of a recorded operation and knows how to pass
/// the gradient on to its inputs. State is behind a mutex, so graphs may be shared across threads.
final class GradNode: Sendable {
    /// Name of the operation that produced the tensor (`"leaf"` for leaves), used in error messages.
    let op: String
    /// Shape of the tensor this node belongs to; gradients arriving here must have it.
    let shape: [Int]
    /// The input nodes, aligned with the backward function's results (`nil` for inputs without history).
    let parents: [GradNode?]
    let isLeaf: Bool

    private struct State {
        var gradient: Tensor?
        var backward: BackwardFunction?
        var wasReleased = false
    }
    private let state: Mutex<State>

    /// A leaf node (a tensor that requires gradients).
    init(leafShape shape: [Int]) {
        op = "leaf"
        self.shape = shape
        parents = []
        isLeaf = true
        state = Mutex(State())
    }

    /// An interior node.
    init(op: String, shape: [Int], parents: [GradNode?], backward: @escaping BackwardFunction) {
        self.op = op
        self.shape = shape
        self.parents = parents
        isLeaf = false
        state = Mutex(State(backward: backward))
    }

    /// The accumulated gradient of a leaf.
    var gradient: Tensor? {
        get { state.withLock { $0.gradient } }
        set { state.withLock { $0.gradient = newValue } }
    }

    /// Adds `gradient` to the accumulated gradient of a leaf.
    func accumulate(_ gradient: Tensor) {
        state.withLock { state in
            state.gradient = state.gradient.map { $0 + gradient } ?? gradient
        }
    }

    /// The backward function, or `nil` once the graph was released by an earlier backward pass.
    func takeBackward(release: Bool) -> BackwardFunction? {
        state.withLock { state in
            let function = state.backward
            if release && function != nil {
                state.backward = nil
                state.wasReleased = true
            }
            return function
        }
    }

    var wasReleased: Bool { state.withLock { $0.wasReleased } }
}
