/// An hls4ml precision config (the `hls_config` dictionary `hls4ml.utils.config_from_*_model`
/// returns, as YAML or JSON) and hls4ml 1.3.0's model of it (`HLSConfig`, `get_precision`,
/// `convert_precision_string`), reproduced rule for rule: firmware-sim/HLS4ML-FRONTEND.md §3.
///
/// The config is kept as the Python values `yaml.safe_load` / `json.load` would give
/// (`PyValue`), because hls4ml's passes copy and re-register entries as dictionaries, and
/// precision strings are parsed only when a layer asks for them (an invalid string that no
/// layer reads is accepted, as hls4ml accepts it). What trigrt refuses up front is what changes
/// the arithmetic or the flows in ways it does not implement (Resource strategy, bit-exact flow,
/// custom optimizer lists).
import FixedPoint

// MARK: Python values

/// A dictionary with Python's reference semantics and insertion order (hls4ml aliases config
/// dictionaries between layers; see `HLSConfigState`).
final class PyDict {
  private(set) var keys: [String] = []
  private var store: [String: PyValue] = [:]

  init() {}
  init(_ pairs: [(String, PyValue)]) { for (k, v) in pairs { self[k] = v } }

  subscript(key: String) -> PyValue? {
    get { store[key] }
    set {
      if let v = newValue {
        if store[key] == nil { keys.append(key) }
        store[key] = v
      } else if store.removeValue(forKey: key) != nil {
        keys.removeAll { $0 == key }
      }
    }
  }

  var items: [(String, PyValue)] { keys.map { ($0, store[$0]!) } }
  var isEmpty: Bool { keys.isEmpty }

  /// `dict(d)`: a new dictionary holding the same value objects.
  func shallowCopy() -> PyDict { PyDict(items) }

  /// `copy.deepcopy(d)`.
  func deepCopy() -> PyDict { PyDict(items.map { ($0.0, $0.1.deepCopy()) }) }

  /// `d.update(other)`.
  func update(_ other: PyDict) { for (k, v) in other.items { self[k] = v } }
}

/// A value as Python holds it after loading the YAML / JSON config.
indirect enum PyValue: CustomStringConvertible {
  case str(String)
  case int(Int)
  case float(Double)
  case bool(Bool)
  case none
  case dict(PyDict)
  case list([PyValue])

  var string: String? { if case .str(let s) = self { return s } else { return nil } }
  var dict: PyDict? { if case .dict(let d) = self { return d } else { return nil } }
  var isNone: Bool { if case .none = self { return true } else { return false } }

  /// Python truthiness.
  var truthy: Bool {
    switch self {
    case .str(let s): return !s.isEmpty
    case .int(let i): return i != 0
    case .float(let f): return f != 0
    case .bool(let b): return b
    case .none: return false
    case .dict(let d): return !d.isEmpty
    case .list(let l): return !l.isEmpty
    }
  }

  /// `isinstance(v, numbers.Integral)` (bool is an int in Python).
  var integral: Int? {
    switch self {
    case .int(let i): return i
    case .bool(let b): return b ? 1 : 0
    default: return nil
    }
  }

  func deepCopy() -> PyValue {
    switch self {
    case .dict(let d): return .dict(d.deepCopy())
    case .list(let l): return .list(l.map { $0.deepCopy() })
    default: return self
    }
  }

  /// Python `repr`, for messages.
  var description: String {
    switch self {
    case .str(let s): return "'\(s)'"
    case .int(let i): return "\(i)"
    case .float(let f): return "\(f)"
    case .bool(let b): return b ? "True" : "False"
    case .none: return "None"
    case .dict(let d): return "{" + d.items.map { "'\($0.0)': \($0.1)" }.joined(separator: ", ") + "}"
    case .list(let l): return "[" + l.map(\.description).joined(separator: ", ") + "]"
    }
  }

  /// A config document node as `yaml.safe_load` types it (YAML 1.1 plain scalars: booleans,
  /// null, integers, floats; everything else, and every quoted scalar, is a string).
  static func from(_ node: ConfigNode) -> PyValue {
    switch node {
    case .map(let m): return .dict(PyDict(m.map { ($0.key, from($0.value)) }))
    case .list(let l): return .list(l.map { from($0) })
    case .scalar(let s, let quoted):
      if quoted { return .str(s) }
      return plainScalar(s)
    }
  }

  static func plainScalar(_ s: String) -> PyValue {
    switch s {
    case "", "~", "null", "Null", "NULL": return .none
    case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return .bool(true)
    case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return .bool(false)
    default: break
    }
    let digits = s.filter { $0 != "_" }
    var body = Substring(digits)
    if body.first == "+" || body.first == "-" { body = body.dropFirst() }
    if !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }), let i = Int(digits) { return .int(i) }
    // YAML 1.1 floats need a '.'; JSON numbers with an exponent are floats too.
    if body.contains(".") || body.contains("e") || body.contains("E"),
       body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-") }),
       body.first.map({ $0.isNumber || $0 == "." }) == true, let d = Double(digits) {
      return .float(d)
    }
    return .str(s)
  }
}

// MARK: Precision types

/// A precision type as hls4ml 1.3.0 holds it (`FixedPrecisionType`, `IntegerPrecisionType`,
/// `XnorPrecisionType`, `UnspecifiedPrecisionType`, the float types). Widths are not limited
/// here; whether trigrt can compute in a type is decided when the layer is planned.
struct HLSType: CustomStringConvertible {
  enum Kind: Equatable { case fixed, integer, xnor, unspecified, float }
  var kind: Kind
  var width: Int
  var integer: Int
  var signed: Bool
  var rounding: FixedFormat.Quantization = .trn
  var saturation: FixedFormat.Overflow = .wrap
  var saturationBits = 0
  /// The C++ spelling of a float type.
  var floatName = ""

  static let unspecified = HLSType(kind: .unspecified, width: 0, integer: 0, signed: false)
  static let xnor = HLSType(kind: .xnor, width: 1, integer: 1, signed: false)

  static func fixed(_ w: Int, _ i: Int, signed: Bool = true, _ q: FixedFormat.Quantization = .trn,
                    _ o: FixedFormat.Overflow = .wrap, _ n: Int = 0) -> HLSType {
    HLSType(kind: .fixed, width: w, integer: i, signed: signed, rounding: q, saturation: o, saturationBits: n)
  }

  static func int(_ w: Int, signed: Bool = true) -> HLSType { HLSType(kind: .integer, width: w, integer: w, signed: signed) }

  var isUnspecified: Bool { kind == .unspecified }
  /// Fixed-point or integer: the types `infer_precision_types` can compute with.
  var isFixedOrInteger: Bool { kind == .fixed || kind == .integer }
  var fractional: Int { kind == .fixed ? width - integer : 0 }

  /// `self == other` with Python's `__eq__` of the left operand (hls4ml's comparisons are not
  /// symmetric between classes).
  func pyEquals(_ o: HLSType) -> Bool {
    switch kind {
    case .fixed:
      return o.kind == .fixed && width == o.width && signed == o.signed && integer == o.integer && rounding == o.rounding
        && saturation == o.saturation && saturationBits == o.saturationBits
    case .integer:
      return o.kind == .integer && width == o.width && signed == o.signed
    case .xnor, .unspecified, .float:
      return width == o.width && signed == o.signed
    }
  }

  /// The spelling of `defines.h` (the oracle's canonical form).
  var description: String {
    switch kind {
    case .fixed:
      let k = signed ? "ap_fixed" : "ap_ufixed"
      if rounding == .trn && saturation == .wrap && saturationBits == 0 { return "\(k)<\(width),\(integer)>" }
      return "\(k)<\(width),\(integer),\(rounding.name(for: .ap)),\(saturation.name(for: .ap)),\(saturationBits)>"
    case .integer: return signed ? "ap_int<\(width)>" : "ap_uint<\(width)>"
    case .xnor: return "ap_uint<1>"
    case .unspecified: return "auto"
    case .float: return floatName
    }
  }

  /// The FixedPoint format trigrt computes with, or why there is none.
  func format() -> (FixedFormat?, String) {
    switch kind {
    case .fixed, .integer:
      do {
        return (try FixedFormat(kind: kind == .fixed ? .apFixed : .apInt, width: width, integerBits: integer, isSigned: signed,
                                quantization: rounding, overflow: saturation, saturationBits: saturationBits), "")
      } catch {
        return (nil, "\(self): \(error)")
      }
    case .xnor: return (nil, "ap_uint<1> (XnorPrecisionType, binary data) has no trigrt kernel")
    case .float: return (nil, "\(floatName) is a floating-point type; trigrt's fixed mode computes fixed-point types only")
    case .unspecified: return (nil, "the type was never resolved (auto)")
    }
  }
}

/// hls4ml's `convert_precision_string` (backends/fpga/fpga_backend.py), with its exceptions as
/// messages: HLS4ML-FRONTEND.md §3.4.
enum HLSPrecisionParser {
  struct Failure: Error { var message: String }

  static let roundingNames: [String: FixedFormat.Quantization] = [
    "TRN": .trn, "TRN_ZERO": .trnZero, "RND": .rnd, "RND_ZERO": .rndZero, "RND_INF": .rndInf, "RND_MIN_INF": .rndMinInf,
    "RND_CONV": .rndConv]
  static let saturationNames: [String: FixedFormat.Overflow] = ["WRAP": .wrap, "SAT": .sat, "SAT_ZERO": .satZero, "SAT_SYM": .satSym]

  static func parse(_ p: String) throws(Failure) -> HLSType {
    if p.lowercased() == "auto" { return .unspecified }
    if ["float", "double", "half", "bfloat16"].contains(p) || p.hasPrefix("ap_float") || p.hasPrefix("ac_std_float")
      || p.hasPrefix("std_float") || p.hasPrefix("ac_float") {
      return HLSType(kind: .float, width: 32, integer: 0, signed: true, floatName: p)
    }
    if p.hasPrefix("ac_") { return try acType(p) }
    if p.hasPrefix("ap_") || p.hasPrefix("fixed") || p.hasPrefix("ufixed") || p.hasPrefix("int") || p.hasPrefix("uint") {
      return try apType(p)
    }
    throw Failure(message: "ValueError: Unsupported precision type: \(p)")
  }

  /// `re.search('.+<(.+?)>', p).group(1).split(',')`.
  static func fields(_ p: String) throws(Failure) -> [String] {
    let c = Array(p)
    // `.+<` is greedy: the last '<' (not the first character) followed, after at least one
    // character, by a '>'.
    var lt = c.count - 1
    while lt >= 1 {
      if c[lt] == "<", let gt = (lt + 2 < c.count ? Array(lt + 2..<c.count) : []).first(where: { c[$0] == ">" }) {
        return String(c[(lt + 1)..<gt]).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      }
      lt -= 1
    }
    throw Failure(message: "AttributeError: 'NoneType' object has no attribute 'group' (precision '\(p)')")
  }

  /// Python `int(s)`.
  static func pyInt(_ s: String) throws(Failure) -> Int {
    let t = s.trimmingWhitespace()
    var body = Substring(t)
    if body.first == "+" || body.first == "-" { body = body.dropFirst() }
    let ok = !body.isEmpty && body.first != "_" && body.last != "_" && !body.contains("__")
      && body.allSatisfy { ($0.isASCII && $0.isNumber) || $0 == "_" }
    guard ok, let v = Int(t.filter { $0 != "_" }) else {
      throw Failure(message: "ValueError: invalid literal for int() with base 10: '\(s)'")
    }
    return v
  }

  static func mode<T>(_ s: String, _ table: [String: T]) throws(Failure) -> T {
    var m = s.trimmingWhitespace().replacingAll("AP_", with: "").uppercased()
    m = m.trimmingWhitespace().replacingAll("AC_", with: "").uppercased()
    guard let v = table[m] else { throw Failure(message: "KeyError: '\(m)'") }
    return v
  }

  static func apType(_ p: String) throws(Failure) -> HLSType {
    let bits = try fields(p)
    let fixed = p.contains("fixed")
    guard fixed || p.contains("int") else {
      throw Failure(message: "UnboundLocalError: precision '\(p)' names neither a fixed nor an int type")
    }
    let width = try pyInt(bits[0])
    guard !fixed || bits.count > 1 else { throw Failure(message: "IndexError: list index out of range (precision '\(p)')") }
    let integer = fixed ? try pyInt(bits[1]) : width
    let n = fixed ? 2 : 1
    let signed = !p.contains("u")
    if !fixed {
      if bits.count > n + 2 { _ = try pyInt(bits[n + 2]) }
      return .int(width, signed: signed)
    }
    let q: FixedFormat.Quantization = bits.count > n ? try mode(bits[n], roundingNames) : .trn
    let o: FixedFormat.Overflow = bits.count > n + 1 ? try mode(bits[n + 1], saturationNames) : .wrap
    let sb = bits.count > n + 2 ? try pyInt(bits[n + 2]) : 0
    return .fixed(width, integer, signed: signed, q, o, sb)
  }

  static func acType(_ p: String) throws(Failure) -> HLSType {
    let bits = try fields(p)
    var signed = true
    let fixed = p.contains("fixed")
    guard fixed || p.contains("int") else {
      throw Failure(message: "UnboundLocalError: precision '\(p)' names neither a fixed nor an int type")
    }
    let width = try pyInt(bits[0])
    var n: Int
    var integer = width
    if fixed {
      guard bits.count > 1 else { throw Failure(message: "IndexError: list index out of range (precision '\(p)')") }
      integer = try pyInt(bits[1])
      n = 2
      if bits.count > 2 {
        if ["false", "0"].contains(bits[2].trimmingWhitespace().lowercased()) { signed = false }
        n = 3
      }
    } else {
      n = 1
      if bits.count > 1 {
        if ["false", "0"].contains(bits[1].trimmingWhitespace().lowercased()) { signed = false }
        n = 2
      }
    }
    if !fixed { return .int(width, signed: signed) }
    let q: FixedFormat.Quantization = bits.count > n ? try mode(bits[n], roundingNames) : .trn
    let o: FixedFormat.Overflow = bits.count > n + 1 ? try mode(bits[n + 1], saturationNames) : .wrap
    return .fixed(width, integer, signed: signed, q, o, 0)
  }
}

extension String {
  /// Python `str.strip()` for the whitespace that can occur in configs.
  func trimmingWhitespace() -> String {
    var s = Substring(self)
    while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
    while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
    return String(s)
  }

  /// Python `str.replace(old, new)` (every non-overlapping occurrence, left to right).
  func replacingAll(_ old: String, with new: String) -> String {
    guard !old.isEmpty else { return self }
    var out = ""
    var rest = Substring(self)
    while let r = rest.range(of: old) {
      out += rest[..<r.lowerBound]
      out += new
      rest = rest[r.upperBound...]
    }
    return out + rest
  }

  /// hls4ml's `convert_to_snake_case`: `_` before every capital but the first, lower-cased,
  /// runs of `_` collapsed.
  var snakeCased: String {
    var s = ""
    for (i, c) in self.enumerated() {
      if i > 0, c.isASCII, c.isUppercase { s.append("_") }
      s.append(c)
    }
    s = s.lowercased()
    var out = ""
    for c in s where !(c == "_" && out.last == "_") { out.append(c) }
    return out
  }
}

extension Substring {
  func range(of needle: String) -> Range<Substring.Index>? {
    let n = Array(needle)
    var i = startIndex
    while i < endIndex {
      var j = i, k = 0
      while k < n.count, j < endIndex, self[j] == n[k] { j = index(after: j); k += 1 }
      if k == n.count { return i..<j }
      i = index(after: i)
    }
    return nil
  }
}

// MARK: The config file

struct PrecisionConfig {
  /// The config file (for messages).
  var source: String
  /// The `hls_config` dictionary as Python would hold it, with `Model` completed as
  /// `convert_from_onnx_model` completes it (`Precision` defaults to `fixed<16,6>`).
  var document: PyDict
  /// Config keys that hls4ml accepts but ignores (reported by inspect).
  var notes: [String] = []

  /// hls4ml's default precision (`fixed<16,6>`) as a trigrt format: the placeholder format
  /// of values without one (float32 values in QONNX fixed mode).
  static let hls4mlDefault = try! FixedFormat(parsing: "ap_fixed<16,6>")

  /// The default config hls4ml's `config_from_onnx_model(granularity='model')` returns.
  static func modelDefault(source: String) -> PrecisionConfig {
    PrecisionConfig(source: source, document: PyDict([("Model", .dict(PyDict([("Precision", .dict(PyDict([("default", .str("fixed<16,6>"))]))),
                                                                                ("ReuseFactor", .int(1)), ("Strategy", .str("Latency"))])))]))
  }

  /// Parses YAML or JSON text. `source` names the file in messages.
  static func parse(_ text: String, source: String) throws(TrigRTError) -> PrecisionConfig {
    func fail(_ m: String) -> TrigRTError { TrigRTError(.precisionConfig, "\(source): \(m)") }
    let node: ConfigNode
    do { node = try ConfigDocument.parse(text) } catch { throw TrigRTError(.precisionConfig, "\(source):\(error.line): \(error.message)") }
    guard case .dict(let top) = PyValue.from(node) else {
      throw fail("expected a mapping with the keys Model, LayerName, LayerType (an hls4ml hls_config dictionary)")
    }
    var cfg = PrecisionConfig(source: source, document: top)
    try cfg.check()
    return cfg
  }

  /// Reads and parses a config file.
  static func load(path: String) throws(TrigRTError) -> PrecisionConfig {
    let bytes: [UInt8]
    do { bytes = try ONNXReader.readFile(path, what: "a precision config") } catch {
      throw TrigRTError(error.code == .io ? .io : .precisionConfig, "precision config: \(error.message)")
    }
    return try parse(String(decoding: bytes, as: UTF8.self), source: path)
  }

  /// What hls4ml reads of the top level (`_check_hls_config`, `_check_model_config`), and what
  /// trigrt refuses because it changes the arithmetic or the flows (HLS4ML-FRONTEND.md §3.1, §10).
  mutating func check() throws(TrigRTError) {
    func fail(_ m: String) -> TrigRTError { TrigRTError(.precisionConfig, "\(source): \(m)") }
    for (k, _) in document.items {
      switch k {
      case "Model", "LayerName", "LayerType": break
      case "Flows", "Optimizers", "SkipOptimizers":
        throw fail("'\(k)' changes hls4ml's optimizer flows; trigrt reproduces the default Vivado flow only")
      default: notes.append("top-level key '\(k)' is ignored (hls4ml reads only Model, LayerName, LayerType)")
      }
    }
    // _check_model_config: `model_config or {}`, then Precision and ReuseFactor defaults.
    let model: PyDict
    switch document["Model"] {
    case .dict(let d)? where !d.isEmpty: model = d
    case nil, .none?: model = PyDict()
    case .dict?: model = PyDict()
    case let v?: throw fail("Model should be a mapping, not \(v)")
    }
    if model["Precision"] == nil { model["Precision"] = .str("fixed<16,6>") }
    if model["ReuseFactor"] == nil { model["ReuseFactor"] = .int(1) }
    document["Model"] = .dict(model)
    if let s = model["Strategy"] {
      guard let str = s.string else { throw fail("Model.Strategy should be a string, not \(s)") }
      guard str.snakeCased == "latency" else {
        throw fail("Model.Strategy '\(str)' is not supported; trigrt computes hls4ml's Latency strategy (Resource and the other strategies change the Dense arithmetic)")
      }
    }
    if let b = model["BitExact"], b.truthy { throw fail("Model.BitExact selects hls4ml's bit-exact flow, which trigrt does not reproduce") }
    if let c = model["ChannelsLastConversion"], c.truthy, c.string?.lowercased() != "off" {
      throw fail("Model.ChannelsLastConversion is out of scope (rank-2 models only)")
    }
    if case .dict(let p)? = model["Precision"], p["default"]?.string?.lowercased() == "auto" {
      throw fail("Model.Precision.default: auto makes hls4ml's infer_precision_types loop forever (it resolves auto to the default)")
    }
    if case .str(let p)? = model["Precision"], p.lowercased() == "auto" {
      throw fail("Model.Precision: auto makes hls4ml's infer_precision_types loop forever (it resolves auto to the default)")
    }
    for section in ["LayerName", "LayerType"] {
      guard let v = document[section] else { continue }
      guard let d = v.dict else {
        if v.isNone { continue }
        throw fail("\(section) should be a mapping of layer \(section == "LayerName" ? "names" : "classes") to settings, not \(v)")
      }
      for (name, entry) in d.items {
        guard let e = entry.dict else {
          throw fail("\(section).\(name) should be a mapping of layer settings, not \(entry) (hls4ml fails on it)")
        }
        if let s = e["Strategy"] {
          guard let str = s.string, str.snakeCased == "latency" else {
            throw fail("\(section).\(name).Strategy \(s) is not supported; trigrt computes hls4ml's Latency strategy")
          }
        }
      }
    }
  }
}

// MARK: hls4ml's HLSConfig

/// `hls4ml.model.graph.HLSConfig` for one conversion: the precision tables built from the
/// config, and the `LayerName` / `LayerType` dictionaries that passes extend when they create
/// renamed layers (§3.3). Created fresh (a deep copy of the document) for every conversion.
final class HLSConfigState {
  let source: String
  var modelPrecision: [String: PyValue] = [:]
  var layerNamePrecision: [String: PyValue] = [:]
  var layerTypePrecision: [String: PyValue] = [:]
  let layerName: PyDict
  let layerType: PyDict
  /// Every name a `LayerName` entry was looked up under, for the "unused entry" notes.
  var looked: Set<String> = []

  struct Failure: Error { var message: String }

  init(_ config: PrecisionConfig) {
    source = config.source
    let doc = config.document.deepCopy()
    layerName = doc["LayerName"]?.dict ?? PyDict()
    layerType = doc["LayerType"]?.dict ?? PyDict()
    if let model = doc["Model"]?.dict, let p = model["Precision"] {
      switch p {
      case .dict(let d): for (k, v) in d.items { modelPrecision[k] = v }
      case .none: break
      default: modelPrecision["default"] = p
      }
    }
    for (k, v) in layerType.items {
      guard let e = v.dict else { continue }
      HLSConfigState.register(&layerTypePrecision, k, e)
    }
    for (k, v) in layerName.items {
      guard let e = v.dict else { continue }
      parseNameConfig(k, e)
    }
  }

  static func register(_ table: inout [String: PyValue], _ key: String, _ entry: PyDict) {
    let p = entry["Precision"] ?? .none
    if case .dict(let d) = p {
      for (v, prec) in d.items { table[key.lowercased() + "_" + v] = prec }
    } else {
      table[key.lowercased() + "_default"] = p
    }
  }

  /// `parse_name_config`: registers an entry's precision keys under a (new) layer name.
  func parseNameConfig(_ name: String, _ entry: PyDict) {
    HLSConfigState.register(&layerNamePrecision, name, entry)
  }

  /// `set_name_config`.
  func setNameConfig(_ name: String, _ entry: PyDict) { layerName[name] = .dict(entry) }

  /// `get_layer_config`: `LayerType[class]` then `LayerName[name]` merged into a new dictionary
  /// (values shared with the entries, as Python's `dict.update` shares them).
  func layerConfig(name: String, className: String) -> PyDict {
    let out = PyDict()
    if let t = layerType[className]?.dict { out.update(t) }
    looked.insert(name)
    if let n = layerName[name]?.dict { out.update(n) }
    return out
  }

  /// `get_precision(layer, var)`, parsed (§3.2).
  func precision(name: String, className: String, _ v: String) throws(Failure) -> HLSType {
    func get(_ t: [String: PyValue], _ k: String) -> PyValue? {
      guard let x = t[k], !x.isNone else { return nil }
      return x
    }
    let ln = name.lowercased(), lc = className.lowercased()
    let found = get(layerNamePrecision, ln + "_" + v) ?? get(layerNamePrecision, ln + "_default")
      ?? get(layerTypePrecision, lc + "_" + v) ?? get(layerTypePrecision, lc + "_default")
      ?? get(modelPrecision, v) ?? get(modelPrecision, "default")
    guard let p = found else {
      throw Failure(message: "Exception: No precision for \(name)->\(v) found and no default specified.")
    }
    return try parse(p, "\(name) \(v)")
  }

  func parse(_ p: PyValue, _ what: String) throws(Failure) -> HLSType {
    guard let s = p.string else { throw Failure(message: "AttributeError: precision of \(what) is \(p), not a string") }
    do { return try HLSPrecisionParser.parse(s) } catch { throw Failure(message: "\(error.message) (\(what))") }
  }

  /// D: `Model.Precision.default`, as `infer_precision_types` reads it.
  func defaultPrecision() throws(Failure) -> HLSType {
    guard let d = modelPrecision["default"], !d.isNone else { throw Failure(message: "KeyError: 'default' (Model.Precision has no default)") }
    return try parse(d, "Model.Precision.default")
  }

  func maximumPrecision() throws(Failure) -> HLSType? {
    guard let m = modelPrecision["maximum"] else { return nil }
    return try parse(m, "Model.Precision.maximum")
  }
}
