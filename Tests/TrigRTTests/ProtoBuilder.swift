/// A tiny protobuf writer for ONNX ModelProto bytes, for tests that need models no exporter
/// writes: cycles, duplicate names, huge or negative dimensions, deep nesting, absurd sizes.
/// Field numbers are onnx.proto's (onnx 1.23).
struct PB {
  var bytes: [UInt8] = []

  static func varint(_ v: UInt64) -> [UInt8] {
    var v = v, out: [UInt8] = []
    repeat {
      var b = UInt8(v & 0x7F)
      v >>= 7
      if v != 0 { b |= 0x80 }
      out.append(b)
    } while v != 0
    return out
  }

  mutating func int(_ field: Int, _ v: Int64) { bytes += PB.varint(UInt64(field << 3)) + PB.varint(UInt64(bitPattern: v)) }
  mutating func data(_ field: Int, _ d: [UInt8]) { bytes += PB.varint(UInt64(field << 3 | 2)) + PB.varint(UInt64(d.count)) + d }
  mutating func string(_ field: Int, _ s: String) { data(field, Array(s.utf8)) }
  mutating func message(_ field: Int, _ m: PB) { data(field, m.bytes) }
  mutating func float(_ field: Int, _ f: Float) {
    bytes += PB.varint(UInt64(field << 3 | 5))
    withUnsafeBytes(of: f.bitPattern.littleEndian) { bytes += $0 }
  }
}

/// ONNX messages as builders.
enum ONNX {
  static let float: Int64 = 1

  static func dim(_ v: Int64) -> PB { var d = PB(); d.int(1, v); return d }
  static func dim(param: String) -> PB { var d = PB(); d.string(2, param); return d }

  /// A ValueInfoProto of a float tensor; `dims` nil gives no shape.
  static func value(_ name: String, _ dims: [PB]?, elemType: Int64 = float) -> PB {
    var tt = PB()
    tt.int(1, elemType)
    if let dims {
      var shape = PB()
      for d in dims { shape.message(1, d) }
      tt.message(2, shape)
    }
    var tp = PB()
    tp.message(1, tt)
    var v = PB()
    v.string(1, name)
    v.message(2, tp)
    return v
  }

  /// A batched float input/output [N, dims...].
  static func value(_ name: String, sample: [Int64]) -> PB {
    value(name, [dim(param: "N")] + sample.map { dim($0) })
  }

  static func tensor(_ name: String, dims: [Int64], floats: [Float]? = nil, raw: [UInt8]? = nil, dataType: Int64 = float) -> PB {
    var t = PB()
    for d in dims { t.int(1, d) }
    t.int(2, dataType)
    t.string(8, name)
    if let floats {
      var packed: [UInt8] = []
      for f in floats { withUnsafeBytes(of: f.bitPattern.littleEndian) { packed += $0 } }
      t.data(4, packed)
    }
    if let raw { t.data(9, raw) }
    return t
  }

  enum Attr {
    case int(Int64), float(Float), ints([Int64]), string(String), tensor(PB), graph(PB)
  }

  static func attribute(_ name: String, _ a: Attr) -> PB {
    var p = PB()
    p.string(1, name)
    switch a {
    case .int(let v): p.int(3, v); p.int(20, 2)
    case .float(let f): p.float(2, f); p.int(20, 1)
    case .ints(let v):
      var packed: [UInt8] = []
      for x in v { packed += PB.varint(UInt64(bitPattern: x)) }
      p.data(8, packed); p.int(20, 7)
    case .string(let s): p.string(4, s); p.int(20, 3)
    case .tensor(let t): p.message(5, t); p.int(20, 4)
    case .graph(let g): p.message(6, g); p.int(20, 5)
    }
    return p
  }

  static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String = "", domain: String? = nil,
                   attributes: [PB] = []) -> PB {
    var n = PB()
    for i in inputs { n.string(1, i) }
    for o in outputs { n.string(2, o) }
    if !name.isEmpty { n.string(3, name) }
    n.string(4, op)
    for a in attributes { n.message(5, a) }
    if let domain { n.string(7, domain) }
    return n
  }

  static func graph(nodes: [PB], inputs: [PB], outputs: [PB], initializers: [PB] = []) -> PB {
    var g = PB()
    for n in nodes { g.message(1, n) }
    g.string(2, "g")
    for t in initializers { g.message(5, t) }
    for i in inputs { g.message(11, i) }
    for o in outputs { g.message(12, o) }
    return g
  }

  static func model(_ graph: PB, opset: Int64 = 13, ir: Int64 = 8, extraOpsets: [(String, Int64)] = []) -> [UInt8] {
    var m = PB()
    m.int(1, ir)
    m.string(2, "trigrt-tests")
    m.message(7, graph)
    var o = PB()
    o.string(1, "")
    o.int(2, opset)
    m.message(8, o)
    for (d, v) in extraOpsets {
      var e = PB()
      e.string(1, d)
      e.int(2, v)
      m.message(8, e)
    }
    return m.bytes
  }

  /// x [N, n] → Relu → y: the smallest valid model.
  static func relu(_ n: Int64 = 4) -> [UInt8] {
    model(graph(nodes: [node("Relu", ["x"], ["y"], name: "relu")], inputs: [value("x", sample: [n])], outputs: [value("y", sample: [n])]))
  }
}
