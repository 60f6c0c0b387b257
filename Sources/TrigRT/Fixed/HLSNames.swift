/// The names hls4ml's ONNX flow gives a model's nodes: its documented preprocessing (qonnx
/// `cleanup_model` → `ConvertToChannelsLastAndClean` → `GemmToMatMul` → `cleanup_model`) names
/// every node `<OpType>_<k>` (k counted per op type in graph order, after each Gemm became a
/// MatMul and an Add), initialisers `<node>_param<i>`, the graph input `global_in`. Precision
/// configs are keyed by these names. A model that is already cleaned keeps its names.
enum HLSNames {
  struct Names {
    /// ONNX node index → the cleaned names of what it became (a Gemm: [MatMul_k, Add_j]).
    var nodes: [Int: [String]]
    /// Graph input i → its cleaned name.
    var inputs: [String]
    /// Every name a config may mention: nodes, inputs, initialisers (`<node>_param<i>`).
    var all: Set<String>
    /// True when the file's own names were used.
    var fromFile: Bool
  }

  static func isCleaned(_ g: Graph) -> Bool {
    guard g.inputs.count == 1 ? g.inputs[0].name == "global_in" : g.inputs.first?.name == "global_in" else { return false }
    for n in g.nodes where n.opType != "Constant" {
      guard n.name.hasPrefix(n.opType + "_"), Int(n.name.dropFirst(n.opType.count + 1)) != nil else { return false }
      if n.opType == "Gemm" { return false }
    }
    return true
  }

  static func compute(_ g: Graph, folded: Set<Int>) -> Names {
    var names = Names(nodes: [:], inputs: [], all: [], fromFile: isCleaned(g))
    names.inputs = g.inputs.indices.map { $0 == 0 ? "global_in" : "global_in_\($0)" }
    var counters: [String: Int] = [:]
    func next(_ op: String) -> String {
      let k = counters[op, default: 0]
      counters[op] = k + 1
      return "\(op)_\(k)"
    }
    for n in g.nodes {
      if names.fromFile {
        names.nodes[n.index] = [n.name]
        continue
      }
      if folded.contains(n.index) && !qonnxDomains.contains(n.domain) { continue }
      if n.opType == "Gemm" {
        names.nodes[n.index] = [next("MatMul"), next("Add")]
      } else {
        names.nodes[n.index] = [next(n.opType)]
      }
    }
    names.all = Set(names.inputs)
    for n in g.nodes {
      guard let ns = names.nodes[n.index] else { continue }
      for name in ns {
        names.all.insert(name)
        for i in 0..<max(n.inputs.count, 4) { names.all.insert("\(name)_param\(i)") }
      }
    }
    return names
  }
}
