import FixedPoint
/// The graph as read from the file, validated but not yet interpreted: nodes with their
/// attributes, named constants, and the graph's inputs and outputs. Produced by the loader,
/// consumed by `Lowering`.

/// ONNX `TensorProto.DataType` codes that trigrt reads.
public enum DataType: Int32, Sendable, CustomStringConvertible {
  case float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7
  case bool = 9, float16 = 10, double = 11, uint32 = 12, uint64 = 13

  public var description: String {
    switch self {
    case .float: return "float"
    case .uint8: return "uint8"
    case .int8: return "int8"
    case .uint16: return "uint16"
    case .int16: return "int16"
    case .int32: return "int32"
    case .int64: return "int64"
    case .bool: return "bool"
    case .float16: return "float16"
    case .double: return "double"
    case .uint32: return "uint32"
    case .uint64: return "uint64"
    }
  }

  /// Bytes per element in `raw_data`.
  var byteSize: Int {
    switch self {
    case .uint8, .int8, .bool: return 1
    case .uint16, .int16, .float16: return 2
    case .float, .int32, .uint32: return 4
    case .int64, .double, .uint64: return 8
    }
  }

  var isFloatingPoint: Bool { self == .float || self == .double || self == .float16 }

  /// Name of an ONNX data type code, also for codes trigrt does not read.
  static func name(ofCode code: Int32) -> String {
    if let t = DataType(rawValue: code) { return t.description }
    let names: [Int32: String] = [0: "undefined", 8: "string", 14: "complex64", 15: "complex128", 16: "bfloat16",
                                  17: "float8e4m3fn", 18: "float8e4m3fnuz", 19: "float8e5m2", 20: "float8e5m2fnuz",
                                  21: "uint4", 22: "int4", 23: "float4e2m1"]
    return names[code] ?? "data type \(code)"
  }
}

/// A constant tensor (an initialiser, a `Constant` node or a folded value). Values are held as
/// Double, which is exact for every float32, float16, and integer up to 2^53.
public struct Constant: Sendable {
  public var dims: [Int]
  public var dataType: DataType
  public var values: [Double]
  /// The ap_fixed format the values are exact in, when a QONNX Quant produced them.
  var quantFormat: FixedFormat? = nil

  public init(dims: [Int], dataType: DataType, values: [Double]) {
    self.dims = dims
    self.dataType = dataType
    self.values = values
  }

  public var count: Int { values.count }
  public var isScalar: Bool { values.count == 1 }

  /// The values as Int, for shape/axes inputs. Nil if any is not an integer in Int range.
  var integers: [Int]? {
    var r: [Int] = []
    r.reserveCapacity(values.count)
    for v in values {
      guard v.isFinite, v == v.rounded(), abs(v) < 9.0e18 else { return nil }
      r.append(Int(v))
    }
    return r
  }
}

/// A node attribute, type-checked when read.
public enum Attribute: Sendable {
  case float(Float)
  case int(Int)
  case string(String)
  case floats([Float])
  case ints([Int])
  case strings([String])
  case tensor(Constant)
  /// An attribute type trigrt never reads (graphs, sparse tensors, type protos).
  case other(typeCode: Int32)

  var typeName: String {
    switch self {
    case .float: return "float"
    case .int: return "int"
    case .string: return "string"
    case .floats: return "floats"
    case .ints: return "ints"
    case .strings: return "strings"
    case .tensor: return "tensor"
    case .other(let c): return "attribute type \(c)"
    }
  }
}

/// One dimension of a declared input or output shape.
public enum Dim: Sendable, Equatable {
  case value(Int)
  case param(String)
  case unknown
}

/// A declared graph input or output.
public struct ValueInfo: Sendable {
  public var name: String
  public var elementType: Int32?
  /// nil when the file declares no shape at all.
  public var dims: [Dim]?
}

public struct Node: Sendable {
  public var name: String
  public var opType: String
  public var domain: String
  public var inputs: [String]     // "" marks an omitted optional input
  public var outputs: [String]
  public var attributes: [String: Attribute]
  /// Position in the file, for messages.
  public var index: Int

  /// "node 'fc1' (Gemm)" — how messages refer to a node.
  var label: String {
    let n = name.isEmpty ? "#\(index)" : "'\(name)'"
    return "node \(n) (\(opType))"
  }
}

public struct Graph: Sendable {
  public var name: String
  public var nodes: [Node]
  public var initializers: [String: Constant]
  /// Graph inputs that are not initialisers, in file order.
  public var inputs: [ValueInfo]
  public var outputs: [ValueInfo]
  /// Version of the default ONNX domain ("" / "ai.onnx").
  public var opset: Int
  /// Every (domain, version) the file imports.
  public var opsetImports: [(domain: String, version: Int)]
}
