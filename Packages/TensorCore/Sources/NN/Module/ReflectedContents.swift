/// The children, parameters, buffers and training flag found in a module's stored properties,
/// named after the properties (elements of arrays get `name.index`). Backs ``Module``'s defaults.
struct ReflectedContents {
    var children: [(name: String, module: any Module)] = []
    var parameters: [(name: String, parameter: Parameter)] = []
    var buffers: [(name: String, buffer: Buffer)] = []
    var trainingFlag: TrainingFlag?

    init(of module: any Module) {
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: module)
        while let current = mirror {
            mirrors.append(current)
            mirror = current.superclassMirror
        }
        // Superclass properties come first, as they are registered first in PyTorch.
        for current in mirrors.reversed() {
            for child in current.children {
                guard let label = child.label else { continue }
                if add(child.value, named: label) { continue }
                let inner = Mirror(reflecting: child.value)
                if inner.displayStyle == .collection {
                    for (index, element) in inner.children.enumerated() {
                        _ = add(element.value, named: "\(label).\(index)")
                    }
                }
            }
        }
    }

    /// Records `value` when it is a module, parameter, buffer or flag; `false` otherwise.
    private mutating func add(_ value: Any, named name: String) -> Bool {
        if let parameter = value as? Parameter {
            parameters.append((name, parameter))
        } else if let buffer = value as? Buffer {
            buffers.append((name, buffer))
        } else if let flag = value as? TrainingFlag {
            if trainingFlag == nil { trainingFlag = flag }
        } else if let module = value as? any Module {
            children.append((name, module))
        } else {
            return false
        }
        return true
    }
}
