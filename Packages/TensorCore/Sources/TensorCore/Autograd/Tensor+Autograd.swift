// Reverse-mode autodiff on tensors: leaves, recording, and the backward pass.

extension Tensor {
    /// Whether gradients flow to this tensor. Setting `true` makes it a leaf whose ``grad`` is
    /// filled by ``backward(_:retainGraph:)``; setting `false` drops its history (like ``detached()``).
    public var requiresGrad: Bool {
        get { gradNode != nil }
        set {
            if newValue {
                if gradNode == nil || !gradNode!.isLeaf { gradNode = GradNode(leafShape: shape) }
            } else {
                gradNode = nil
            }
        }
    }

    /// True for tensors the user marked with ``requiresGrad`` (as opposed to operation results).
    public var isLeaf: Bool { gradNode?.isLeaf ?? true }

    /// The gradient accumulated by backward passes (leaves only), or `nil` before the first one.
    /// Setting `nil` clears it (what optimizers' `zeroGrad` does).
    public var grad: Tensor? {
        get { gradNode?.isLeaf == true ? gradNode?.gradient : nil }
        nonmutating set {
            guard let node = gradNode, node.isLeaf else { return }
            node.gradient = newValue
        }
    }

    /// The same values without autodiff history (shares memory).
    public func detached() -> Tensor {
        var copy = self
        copy.gradNode = nil
        return copy
    }

    /// Name of the operation that produced this tensor, `"leaf"` or `nil` without history.
    public var gradientOp: String? { gradNode?.op }

    /// Attaches autodiff history to `result` when recording is on and any input has history.
    ///
    /// `backward` receives the gradient of `result` and returns one gradient per input, in order,
    /// each of that input's shape (or `nil`). Inside ``withAnomalyDetection(_:)`` the result and,
    /// later, the gradients `backward` returns are checked for NaN and infinity.
    public static func recorded(
        _ result: Tensor, op: String, inputs: [Tensor],
        _ backward: @escaping BackwardFunction
    ) -> Tensor {
        var backward = backward
        if let detector = AnomalyDetector.current {
            detector.inspectForward(result, op: op, inputs: inputs)
            backward = detector.inspectingBackward(backward, op: op, inputs: inputs)
        }
        guard GradMode.isEnabled, inputs.contains(where: { $0.gradNode != nil }) else { return result }
        var out = result
        out.gradNode = GradNode(op: op, shape: result.shape, parents: inputs.map(\.gradNode), backward: backward)
        return out
    }

    /// Computes the gradient of this tensor with respect to every leaf it depends on and adds it
    /// to their ``grad``.
    ///
    /// - Parameters:
    ///   - gradient: the upstream gradient, of this tensor's shape; `nil` means ones and requires a
    ///     one-element tensor (a scalar loss).
    ///   - retainGraph: keep the graph so that backward can run through it again.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) {
        guard let root = gradNode else {
            reportTensorFailure(
                TensorError(
                    .autogradMisuse, op: "backward",
                    "the tensor of shape \(shape) does not require gradients "
                        + "(no input had requiresGrad = true, or it was computed inside withNoGrad)"))
            return
        }
        let seed: Tensor
        if let gradient {
            guard gradient.shape == shape else {
                reportTensorFailure(
                    TensorError(
                        .shapeMismatch, op: "backward", "gradient shape \(gradient.shape) differs from tensor shape \(shape)"))
                return
            }
            seed = gradient.detached()
        } else {
            guard count == 1 else {
                reportTensorFailure(
                    TensorError(
                        .autogradMisuse, op: "backward",
                        "an implicit gradient needs a one-element tensor, "
                            + "got shape \(shape); pass the upstream gradient explicitly"))
                return
            }
            seed = Tensor.ones(like: self)
        }
        withNoGrad {
            GradNode.runBackward(from: root, seed: seed, retainGraph: retainGraph)
        }
    }
}

extension GradNode {
    /// Topological order of the graph below `root` (inputs before outputs).
    static func topologicalOrder(from root: GradNode) -> [GradNode] {
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (node, next) = stack.popLast() {
            if next < node.parents.count {
                stack.append((node, next + 1))
                if let parent = node.parents[next], visited.insert(ObjectIdentifier(parent)).inserted {
                    stack.append((parent, 0))
                }
            } else {
                order.append(node)
            }
        }
        return order
    }

    static func runBackward(from root: GradNode, seed: Tensor, retainGraph: Bool) {
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
        for node in topologicalOrder(from: root).reversed() {
            guard let gradient = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            if node.isLeaf {
                node.accumulate(gradient)
                continue
            }
            guard let backward = node.takeBackward(release: !retainGraph) else {
                reportTensorFailure(
                    TensorError(
                        .autogradMisuse, op: "backward",
                        "trying to backward through the graph of '\(node.op)' a second time; "
                            + "pass retainGraph: true to the first backward call"))
                return
            }
            let inputGradients = backward(gradient)
            for (parent, parentGradient) in zip(node.parents, inputGradients) {
                guard let parent, let parentGradient else { continue }
                guard parentGradient.shape == parent.shape else {
                    reportTensorFailure(
                        TensorError(
                            .autogradMisuse, op: "backward of \(node.op)",
                            "gradient rule produced shape \(parentGradient.shape) for an input of shape \(parent.shape)"))
                    return
                }
                let key = ObjectIdentifier(parent)
                pending[key] = pending[key].map { $0 + parentGradient } ?? parentGradient
            }
        }
    }
}
