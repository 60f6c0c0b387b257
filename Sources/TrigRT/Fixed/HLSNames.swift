/// hls4ml's documented ONNX preprocessing (qonnx 1.0.0 `cleanup_model` →
/// `ConvertToChannelsLastAndClean` → `GemmToMatMul` → `cleanup_model`), reimplemented for rank-2
/// graphs: firmware-sim/HLS4ML-FRONTEND.md §1. It folds constants, turns every Gemm into MatMul
/// (+ Mul by alpha) + Add, sorts the nodes level by level after every step, and renames
/// everything: nodes `<OpType>_<k>`, tensors `<node>_out<j>` / `<node>_param<k>`, graph inputs
/// `global_in…`, outputs `global_out…`. Precision configs are keyed by these names. An export
/// that is already cleaned comes out unchanged, so every model goes through it.
///
/// Values of folded nodes come from trigrt's own lowering of the raw graph (which folds every
/// constant sub-expression with ONNX float semantics), except the Transpose that `GemmToMatMul`
/// inserts, which is computed here.
enum HLSPreprocess {
  struct Node {
    var name: String
    var opType: String
    var domain: String
    var inputs: [String]
    var outputs: [String]
    var attributes: [String: Attribute]
  }

  /// The cleaned graph hls4ml reads.
  struct Cleaned {
    var nodes: [Node]
    var initializers: [String: Constant]
    /// Initialiser names in the file's (list) order.
    var initializerOrder: [String]
    var inputs: [ValueInfo]
    var outputs: [ValueInfo]
    var opset: Int
  }

  struct Failure: Error { var message: String }

  static let quantOps: Set<String> = ["Quant", "BipolarQuant", "Trunc"]

  /// Runs the whole preprocessing. `folded` holds the value of every tensor of the raw graph
  /// that trigrt's lowering computed at load time (by tensor name).
  static func clean(_ g: Graph, folded: [String: Constant]) throws(Failure) -> Cleaned {
    var w = Work(g, folded: folded)
    try w.cleanupModel()
    try w.channelsLastRank2()
    try w.gemmToMatMul()
    try w.cleanupModel()
    for n in w.nodes {
      for (i, t) in n.inputs.enumerated() where !t.isEmpty && w.producer(t) == nil && w.inits[t] == nil && !w.inputs.contains(where: { $0.name == t }) {
        throw Failure(message: "after qonnx's renaming, input \(i) of \(n.name) ('\(t)') is connected to nothing (qonnx renames only the first of several identical inputs of a node, e.g. Mul(x, x)); hls4ml cannot convert such a graph")
      }
    }
    return Cleaned(nodes: w.nodes, initializers: w.inits, initializerOrder: w.initOrder, inputs: w.inputs, outputs: w.outputs, opset: g.opset)
  }

  /// The qonnx model being transformed (node list order matters everywhere).
  struct Work {
    var nodes: [Node]
    var inits: [String: Constant] = [:]
    var initOrder: [String] = []
    var inputs: [ValueInfo]
    var outputs: [ValueInfo]
    let opset: Int
    let folded: [String: Constant]
    var fresh = 0

    init(_ g: Graph, folded: [String: Constant]) {
      nodes = g.nodes.map { Node(name: $0.name, opType: $0.opType, domain: $0.domain, inputs: $0.inputs, outputs: $0.outputs, attributes: $0.attributes) }
      inputs = g.inputs
      outputs = g.outputs
      opset = g.opset
      self.folded = folded
      for (k, v) in g.initializers.sorted(by: { $0.key < $1.key }) { setInit(k, v) }
    }

    mutating func freshName() -> String {
      fresh += 1
      return "\u{1}tensor_\(fresh)"
    }

    mutating func setInit(_ name: String, _ c: Constant) {
      if inits[name] == nil { initOrder.append(name) }
      inits[name] = c
    }

    mutating func removeInit(_ name: String) {
      inits[name] = nil
      initOrder.removeAll { $0 == name }
    }

    /// The first node (in list order) producing tensor `t`.
    func producer(_ t: String) -> Int? { nodes.firstIndex { $0.outputs.contains(t) } }

    func isInit(_ t: String) -> Bool { !t.isEmpty && inits[t] != nil }
    func isGraphInput(_ t: String) -> Bool { inputs.contains { $0.name == t } }

    // MARK: post (ModelWrapper.cleanup after every transformation)

    mutating func post() {
      // RemoveUnusedTensors
      var used = Set<String>()
      for n in nodes { used.formUnion(n.inputs); used.formUnion(n.outputs) }
      for k in initOrder where !used.contains(k) { removeInit(k) }
      // RemoveStaticGraphInputs
      let initNames = Set(inits.keys)
      inputs.removeAll { initNames.contains($0.name) }
      levelSort()
      // SortCommutativeInputsInitializerLast
      for i in nodes.indices where ["Add", "Mul", "And", "Or", "Xor", "Sum"].contains(nodes[i].opType) {
        let dyn = nodes[i].inputs.filter { !isInit($0) }, ini = nodes[i].inputs.filter { isInit($0) }
        nodes[i].inputs = dyn + ini
      }
      uniqueParams()
    }

    /// qonnx `SortGraph`: by level (longest path from a source), ties in current order; nodes
    /// with neither a predecessor nor an initialiser / graph input are dropped unless another
    /// node depends on them (§1.1).
    mutating func levelSort() {
      guard nodes.count > 1 else { return }
      var deps: [Int: Set<Int>] = [:]
      for (i, n) in nodes.enumerated() {
        let preds = n.inputs.compactMap { producer($0) }
        if preds.isEmpty {
          if n.inputs.contains(where: { isInit($0) || isGraphInput($0) }) { deps[i] = [] }
          continue
        }
        deps[i] = Set(preds)
      }
      for d in Array(deps.values) { for j in d where deps[j] == nil { deps[j] = [] } }
      for k in Array(deps.keys) { deps[k]!.remove(k) }
      var order: [Int] = []
      while !deps.isEmpty {
        let level = deps.filter { $0.value.isEmpty }.keys.sorted()
        guard !level.isEmpty else { break }   // a cycle: leave the rest in place
        order += level
        for k in level { deps[k] = nil }
        for k in Array(deps.keys) { deps[k]!.subtract(level) }
      }
      for k in deps.keys.sorted() { order.append(k) }
      nodes = order.map { nodes[$0] }
    }

    /// qonnx `GiveUniqueParameterTensors`: every later use of an initialiser gets a copy.
    mutating func uniqueParams() {
      var seen = Set<String>()
      for i in nodes.indices {
        for k in nodes[i].inputs.indices {
          let t = nodes[i].inputs[k]
          guard isInit(t) else { continue }
          if seen.insert(t).inserted { continue }
          let n = freshName()
          setInit(n, inits[t]!)
          nodes[i].inputs[k] = n
        }
      }
    }

    // MARK: cleanup_model

    mutating func cleanupModel() throws(Failure) {
      for i in nodes.indices where quantOps.contains(nodes[i].opType) { nodes[i].domain = "qonnx.custom_op.general" }
      post()                           // InferShapes
      uniqueParams(); post()
      try foldConstants(exempt: ["Quant", "BipolarQuant", "QuantizeLinear", "DequantizeLinear"])
      post()                           // FoldTransposeIntoQuantInit (no rank-2 match)
      post()                           // RemoveUnusedTensors
      let initNames = Set(inits.keys)
      inputs.removeAll { initNames.contains($0.name) }; post()
      var count: [String: Int] = [:]   // GiveUniqueNodeNames
      for i in nodes.indices {
        let k = count[nodes[i].opType, default: 0]
        nodes[i].name = "\(nodes[i].opType)_\(k)"
        count[nodes[i].opType] = k + 1
      }
      post()
      readableTensorNames(); post()
    }

    /// qonnx `rename_tensor`: graph I/O, initialisers, and the *first* occurrence in each
    /// node's inputs and outputs.
    mutating func rename(_ old: String, _ new: String) {
      guard old != new else { return }
      for i in inputs.indices where inputs[i].name == old { inputs[i].name = new; break }
      for i in outputs.indices where outputs[i].name == old { outputs[i].name = new; break }
      if let c = inits[old] {
        inits[old] = nil
        inits[new] = c
        if let p = initOrder.firstIndex(of: old) { initOrder[p] = new }
      }
      for i in nodes.indices {
        if let k = nodes[i].inputs.firstIndex(of: old) { nodes[i].inputs[k] = new }
        if let k = nodes[i].outputs.firstIndex(of: old) { nodes[i].outputs[k] = new }
      }
    }

    mutating func readableTensorNames() {
      // GiveUniqueTensorNames first (a transformation of its own, so post follows).
      var names: [String] = []
      var seen = Set<String>()
      for t in inputs.map(\.name) + outputs.map(\.name) + initOrder + nodes.flatMap({ $0.inputs + $0.outputs }) where !t.isEmpty {
        if seen.insert(t).inserted { names.append(t) }
      }
      for t in names { rename(t, freshName()) }
      post()
      for i in nodes.indices {
        for (j, o) in nodes[i].outputs.enumerated() { rename(o, "\(nodes[i].name)_out\(j)") }
        var k = 0
        var j = 0
        while j < nodes[i].inputs.count {
          let t = nodes[i].inputs[j]
          if isInit(t) {
            rename(t, "\(nodes[i].name)_param\(k)")
            k += 1
          }
          j += 1
        }
      }
      for i in inputs.indices { rename(inputs[i].name, i == 0 ? "global_in" : "global_in_\(i)") }
      for i in outputs.indices { rename(outputs[i].name, i == 0 ? "global_out" : "global_out_\(i)") }
    }

    // MARK: FoldConstants

    /// Folds the first foldable node, then post, until none is left (§1.2 step 4).
    mutating func foldConstants(exempt: Set<String>) throws(Failure) {
      while true {
        guard let i = nodes.firstIndex(where: { n in
          !exempt.contains(n.opType) && (n.inputs.isEmpty || n.inputs.allSatisfy { isInit($0) } || n.opType == "Shape")
        }) else { break }
        let n = nodes[i]
        if n.opType == "Shape" {
          throw Failure(message: "\(n.name.isEmpty ? n.opType : n.name): qonnx folds a Shape node using the declared shapes; trigrt does not reproduce that (fold it in the export)")
        }
        let value = try evaluate(n)
        setInit(n.outputs[0], value)
        nodes.remove(at: i)
        post()
      }
      post()
    }

    /// The first output of a node whose inputs are all initialisers, with ONNX semantics.
    func evaluate(_ n: Node) throws(Failure) -> Constant {
      if n.opType == "Transpose", n.inputs.count == 1, let c = inits[n.inputs[0]] {
        let perm: [Int]
        if case .ints(let p)? = n.attributes["perm"] { perm = p } else { perm = Array((0..<c.dims.count).reversed()) }
        return transpose(c, perm)
      }
      if n.opType == "Mul" || n.opType == "Add" || n.opType == "Sub" || n.opType == "Div",
         let a = inits[n.inputs[0]], n.inputs.count == 2, let b = inits[n.inputs[1]], a.dataType != b.dataType {
        throw Failure(message: "\(n.name): folding \(n.opType) of a \(a.dataType) and a \(b.dataType) constant fails in ONNX Runtime (qonnx's FoldConstants), so hls4ml's preprocessing cannot run; for a Gemm this happens when beta ≠ 1")
      }
      if let c = try local(n) { return c }
      if let c = folded[n.outputs[0]] {
        var c = c
        c.quantFormat = nil
        return c
      }
      throw Failure(message: "\(n.name.isEmpty ? n.opType : n.name): qonnx would fold this \(n.opType) node on constants; trigrt cannot evaluate it here")
    }

    /// The simple ops folded here directly (ONNX semantics: the operands' element type, one
    /// rounding per operation); anything else comes from trigrt's lowering of the raw graph.
    func local(_ n: Node) throws(Failure) -> Constant? {
      let ins = n.inputs.map { inits[$0] }
      switch n.opType {
      case "Identity":
        return ins.first ?? nil
      case "Constant":
        switch n.attributes["value"] {
        case .tensor(let c)?: return c
        default: break
        }
        if case .float(let f)? = n.attributes["value_float"] { return Constant(dims: [], dataType: .float, values: [Double(f)]) }
        if case .floats(let f)? = n.attributes["value_floats"] { return Constant(dims: [f.count], dataType: .float, values: f.map(Double.init)) }
        if case .int(let i)? = n.attributes["value_int"] { return Constant(dims: [], dataType: .int64, values: [Double(i)]) }
        if case .ints(let i)? = n.attributes["value_ints"] { return Constant(dims: [i.count], dataType: .int64, values: i.map(Double.init)) }
        return nil
      case "Add", "Sub", "Mul", "Div":
        guard ins.count == 2, let a = ins[0], let b = ins[1], a.dataType == b.dataType, a.dataType == .float || a.dataType == .double,
              let x = NDArray(a), let y = NDArray(b) else { return nil }
        let op: NDArray.Op = ["Add": .add, "Sub": .sub, "Mul": .mul, "Div": .div][n.opType]!
        guard let r = NDArray.binary(op, x, y) else {
          throw Failure(message: "\(n.name): \(n.opType) of constants of shapes \(a.dims) and \(b.dims) does not broadcast")
        }
        return Constant(dims: r.shape, dataType: a.dataType, values: r.data)
      default:
        return nil
      }
    }

    func transpose(_ c: Constant, _ perm: [Int]) -> Constant {
      let dims = perm.map { c.dims[$0] }
      var strides = [Int](repeating: 1, count: c.dims.count)
      for d in stride(from: c.dims.count - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * c.dims[d + 1] }
      var out = [Double](repeating: 0, count: c.count)
      var idx = [Int](repeating: 0, count: dims.count)
      for o in 0..<c.count {
        var src = 0
        for d in 0..<dims.count { src += idx[d] * strides[perm[d]] }
        out[o] = c.values[src]
        var d = dims.count - 1
        while d >= 0 {
          idx[d] += 1
          if idx[d] < dims[d] { break }
          idx[d] = 0
          d -= 1
        }
      }
      var r = Constant(dims: dims, dataType: c.dataType, values: out)
      r.quantFormat = nil
      return r
    }

    // MARK: ConvertToChannelsLastAndClean, GemmToMatMul

    mutating func channelsLastRank2() throws(Failure) {
      // A graph qonnx already converted (its Conv / MaxPool nodes are in the channels-last
      // domain, with the Transposes it inserted) comes out unchanged; trigrt does not reproduce
      // the conversion itself.
      // (qonnx converts only Conv, MaxPool and BatchNormalization; AveragePool and the global
      // pools stay channels-first and hls4ml's parser decides, see HLSConv.swift.)
      for n in nodes where ["Conv", "MaxPool"].contains(n.opType) && n.domain != HLSModel.channelsLastDomain {
        throw Failure(message: "\(n.name): \(n.opType) needs qonnx's channels-last conversion, which trigrt does not reproduce: give trigrt the model qonnx's ConvertToChannelsLastAndClean made (what hls4ml converts; firmware-sim/scripts/fwsim.py clean_model)")
      }
      try foldConstants(exempt: ["Quant", "BipolarQuant"])
    }

    mutating func gemmToMatMul() throws(Failure) {
      while let p = nodes.firstIndex(where: { $0.opType == "Gemm" }) {
        let g = nodes[p]
        guard g.inputs.count >= 3, !g.inputs[2].isEmpty else {
          throw Failure(message: "\(g.name): a Gemm without C makes qonnx's GemmToMatMul fail (IndexError); hls4ml cannot convert it")
        }
        func attr(_ k: String) -> Attribute? { g.attributes[k] }
        func int(_ k: String) -> Int { if case .int(let v)? = attr(k) { return v } else { return 0 } }
        func float(_ k: String) -> Double {
          switch attr(k) {
          case .float(let f)?: return Double(f)
          case .int(let i)?: return Double(i)
          default: return 1
          }
        }
        var a = g.inputs[0], b = g.inputs[1]
        var new: [Node] = []
        if int("transA") != 0 {
          let t = freshName()
          new.append(Node(name: "", opType: "Transpose", domain: "", inputs: [a], outputs: [t], attributes: [:]))
          a = t
        }
        if int("transB") != 0 {
          let t = freshName()
          new.append(Node(name: "", opType: "Transpose", domain: "", inputs: [b], outputs: [t], attributes: [:]))
          b = t
        }
        let mm = freshName(), alpha = freshName(), beta = freshName(), t3 = freshName(), t2 = freshName()
        setInit(alpha, Constant(dims: [], dataType: .double, values: [float("alpha")]))
        setInit(beta, Constant(dims: [], dataType: .double, values: [float("beta")]))
        new.append(Node(name: "", opType: "MatMul", domain: "", inputs: [a, b], outputs: [mm], attributes: [:]))
        new.append(Node(name: "", opType: "Mul", domain: "", inputs: [mm, alpha], outputs: [t2], attributes: [:]))
        new.append(Node(name: "", opType: "Mul", domain: "", inputs: [g.inputs[2], beta], outputs: [t3], attributes: [:]))
        new.append(Node(name: "", opType: "Add", domain: "", inputs: [t2, t3], outputs: [g.outputs[0]], attributes: [:]))
        nodes.replaceSubrange(p...p, with: new)
        try removeIdentityOps()
        post()
      }
    }

    /// qonnx `RemoveIdentityOps` (atol 1e-5, numpy `isclose` with its default rtol 1e-5).
    mutating func removeIdentityOps() throws(Failure) {
      func close(_ c: Constant, to target: Double) -> Bool {
        c.values.allSatisfy { v in
          if c.dataType == .float {
            return abs(Float(v) - Float(target)) <= Float(1e-5) + Float(1e-5) * Float(abs(target))
          }
          return abs(v - target) <= 1e-5 + 1e-5 * abs(target)
        }
      }
      while true {
        var hit: Int? = nil
        for (i, n) in nodes.enumerated() {
          switch n.opType {
          case "Add", "Sub":
            if n.inputs.count > 1, let c = inits[n.inputs[1]], isInit(n.inputs[1]), close(c, to: 0) { hit = i }
          case "Mul", "Div":
            if n.inputs.count > 1, let c = inits[n.inputs[1]], isInit(n.inputs[1]), close(c, to: 1) { hit = i }
          case "Identity": hit = i
          case "Dropout":
            if opset < 12 {
              if case .float(let r)? = n.attributes["ratio"], r == 0 { hit = i }
            } else if n.inputs.count == 1 || (isInit(n.inputs[1]) && inits[n.inputs[1]]!.values == [0]) {
              hit = i
            }
          case "Pad":
            throw Failure(message: "\(n.name): Pad is out of scope")
          default: break
          }
          if hit != nil { break }
        }
        guard let i = hit else { break }
        try removeAndRewire(i)
        post()
      }
      post()
    }

    func consumers(_ t: String) -> Int { nodes.reduce(0) { $0 + $1.inputs.filter { $0 == t }.count } }

    mutating func removeAndRewire(_ i: Int) throws(Failure) {
      let n = nodes[i]
      let preds = n.inputs.compactMap { producer($0) }
      let join = isGraphInput(n.inputs[0]) ? !preds.isEmpty : preds.count > 1
      if join {
        throw Failure(message: "\(n.name.isEmpty ? n.opType : n.name): qonnx's RemoveIdentityOps cannot remove an identity \(n.opType) with several inputs and loops forever")
      }
      if let p = producer(n.inputs[0]) {
        let out = nodes[p].outputs[0]
        let succ = nodes[p].outputs.reduce(0) { $0 + consumers($1) }
        let fork = outputs.contains { $0.name == out } ? succ > 0 : succ > 1
        if !fork {
          nodes[p].outputs[0] = n.outputs[0]
          nodes.remove(at: i)
          return
        }
      }
      let succ = n.outputs.reduce(0) { $0 + consumers($1) }
      guard succ > 0 else { throw Failure(message: "qonnx's RemoveIdentityOps fails: \"Whole graph is one node.\" (an identity \(n.opType) feeds nothing)") }
      for j in nodes.indices {
        for k in nodes[j].inputs.indices where nodes[j].inputs[k] == n.outputs[0] { nodes[j].inputs[k] = n.inputs[0] }
      }
      nodes.remove(at: i)
    }
  }
}
