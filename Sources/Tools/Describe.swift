/// The description of a loaded model that `trigrt inspect --json` prints and
/// `trigrt_model_describe_json` returns (the Python binding's `Model.inspect()`): one JSON
/// document, built from the public `Model` / `LayerInfo` only.
import TrigRT

/// A JSON value with a writer (no Foundation). Object keys keep their order.
public indirect enum JSONValue {
  case string(String), int(Int), double(Double), bool(Bool), null
  case array([JSONValue])
  case object([(String, JSONValue)])

  public var text: String {
    switch self {
    case .string(let s): return JSONValue.quote(s)
    case .int(let i): return String(i)
    case .double(let d): return d.isFinite ? "\(d)" : "null"
    case .bool(let b): return b ? "true" : "false"
    case .null: return "null"
    case .array(let a): return "[" + a.map(\.text).joined(separator: ", ") + "]"
    case .object(let o): return "{" + o.map { JSONValue.quote($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
    }
  }

  public static func quote(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
      switch c {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if c.value < 0x20 {
          let hex = String(c.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(c)
        }
      }
    }
    return out + "\""
  }
}

/// The order in which a layer's resolved types are listed (hls4ml's names without `_t`); keys
/// not listed here follow in alphabetical order.
public let layerTypeOrder = ["input", "weight", "bias", "scale", "accum", "table", "exp_table", "inv_table", "inv_inp",
                             "inp_norm", "param", "result"]

/// A layer's resolved types in `layerTypeOrder`.
public func orderedTypes(_ l: LayerInfo) -> [(String, String)] {
  let known = layerTypeOrder.compactMap { k in l.formats[k].map { (k, $0) } }
  let rest = l.formats.keys.filter { !layerTypeOrder.contains($0) }.sorted().map { ($0, l.formats[$0]!) }
  return known + rest
}

/// What a planner note is: "trap" (a known hls4ml pitfall the config walks into: the firmware
/// computes something other than intended), "note" (worth knowing), "info" (what the frontend did).
public func noteSeverity(_ note: String) -> String {
  if note.hasPrefix("trap:") { return "trap" }
  if note.hasPrefix("note:") { return "note" }
  return "info"
}

/// The note without its "trap: " / "note: " prefix.
public func noteText(_ note: String) -> String {
  for p in ["trap: ", "note: "] where note.hasPrefix(p) { return String(note.dropFirst(p.count)) }
  return note
}

public func layerJSONValue(_ i: Int, _ l: LayerInfo) -> JSONValue {
  .object([("index", .int(i)), ("name", .string(l.name)), ("class", .string(l.opTypes.joined(separator: "+"))),
           ("kind", .string(l.kind)), ("shape", .array(l.outputShape.map { .int($0) })), ("macs", .int(l.macs)),
           ("parameter_bytes", .int(l.parameterBytes)),
           ("types", .object(orderedTypes(l).map { ($0.0, .string($0.1)) })),
           ("constants", .object(l.constants.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
           ("notes", .array(l.notes.map { .string($0) }))])
}

/// The whole description: model, mode, inputs, outputs, layers (with their types in fixed mode),
/// totals, arena sizes, and `warnings` (every trap and note of every layer, with its layer).
public func describeModel(_ m: Model) -> JSONValue {
  func tensor(_ t: TensorInfo) -> JSONValue {
    .object([("name", .string(t.name)), ("shape", .array(t.shape.map { .int($0) })), ("size", .int(t.count))])
  }
  let warnings: [JSONValue] = m.layers.enumerated().flatMap { (i, l) in
    l.notes.map { n in
      JSONValue.object([("layer", .int(i)), ("name", .string(l.name)), ("severity", .string(noteSeverity(n))),
                        ("message", .string(noteText(n)))])
    }
  }
  return .object([
    ("model", .string(m.source)), ("mode", .string(m.mode == .fixed ? "fixed" : "float")),
    ("inputs", .array(m.inputs.map(tensor))), ("outputs", .array(m.outputs.map(tensor))),
    ("layers", .array(m.layers.enumerated().map { layerJSONValue($0, $1) })),
    ("macs", .int(m.layers.reduce(0) { $0 + $1.macs })),
    ("parameter_bytes", .int(m.layers.reduce(0) { $0 + $1.parameterBytes })),
    ("constant_bytes", .int(m.constantBytes)),
    ("arena_bytes_batch1", .int(m.arenaBytes(maxBatch: 1) ?? 0)),
    ("arena_bytes_batch256", .int(m.arenaBytes(maxBatch: 256) ?? 0)),
    ("warnings", .array(warnings)),
  ])
}
