import FixedPoint
import Foundation
import Testing
@testable import TrigRT

/// trigrt's reimplementation of hls4ml 1.3.0's ONNX frontend against the type oracle
/// (firmware-sim/type-oracle/*.json: 268 configs converted by hls4ml itself).
///
/// Two levels are checked for every config:
/// - the frontend (`HLSFrontend.convert`): for every config hls4ml converts, the same layers in
///   the same order with the same names, classes and `nnet::` functions, the same input, result
///   and internal types, table sizes and softmax implementation, the same output layers; for
///   every config hls4ml rejects, an error;
/// - the runtime (`Model.load` in fixed mode): the same through `Model.layers`, or, where the
///   generated hls4ml project has a layer trigrt has no kernel for (binary layers, `divide`, a
///   graph output without a port, a float type), a refusal that says so.
@Suite struct HLSFrontendOracleTests {
  struct Config: Sendable, CustomTestStringConvertible {
    var file: String
    var index: Int
    var id: String
    /// The config as JSON, in the oracle's key order.
    var configJSON: String
    var testDescription: String { "\(file):\(id)" }
  }

  /// TRIGRT_TYPE_ORACLE_DIR points the test at another oracle directory (same record format).
  static let dir = ProcessInfo.processInfo.environment["TRIGRT_TYPE_ORACLE_DIR"] ?? Paths.root + "/firmware-sim/type-oracle"

  static let configs: [Config] = {
    let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".json") && $0 != "naming.json" }.sorted()
    var out: [Config] = []
    for f in files {
      // Read with trigrt's own order-preserving reader (hls4ml's dictionaries are ordered).
      guard let text = try? String(contentsOfFile: dir + "/" + f, encoding: .utf8), let node = try? ConfigDocument.parse(text),
            case .dict(let top) = PyValue.from(node), case .list(let cs)? = top["configs"] else { continue }
      for (i, c) in cs.enumerated() {
        guard case .dict(let e) = c, let cfg = e["config"] else { continue }
        out.append(Config(file: f, index: i, id: e["id"]?.string ?? "\(i)", configJSON: json(cfg)))
      }
    }
    return out
  }()

  static func record(_ c: Config) -> (model: String, entry: [String: Any], configJSON: String) {
    let d = FileManager.default.contents(atPath: dir + "/" + c.file)!
    let j = try! JSONSerialization.jsonObject(with: d) as! [String: Any]
    let entry = (j["configs"] as! [[String: Any]])[c.index]
    let model = j["cleaned_model"] as! String
    return (model.hasPrefix("/") ? model : Paths.root + "/" + model, entry, c.configJSON)
  }

  static func json(_ v: PyValue) -> String {
    switch v {
    case .str(let s):
      var o = "\""
      for ch in s.unicodeScalars {
        switch ch {
        case "\"": o += "\\\""
        case "\\": o += "\\\\"
        case "\n": o += "\\n"
        default: o.unicodeScalars.append(ch)
        }
      }
      return o + "\""
    case .int(let i): return "\(i)"
    case .float(let f): return "\(f)"
    case .bool(let b): return b ? "true" : "false"
    case .none: return "null"
    case .list(let l): return "[" + l.map(json).joined(separator: ", ") + "]"
    case .dict(let d): return "{" + d.items.map { json(.str($0.0)) + ": " + json($0.1) }.joined(separator: ", ") + "}"
    }
  }

  static func strip(_ s: String) -> String { s.replacingOccurrences(of: " (base)", with: "") }

  /// Types compared as formats (trigrt's FixedFormat spelling omits default modes).
  static func same(_ a: String?, _ b: String?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    guard let fa = try? FixedFormat(parsing: strip(a)), let fb = try? FixedFormat(parsing: strip(b)) else { return strip(a) == strip(b) }
    return fa == fb
  }

  /// Why trigrt may refuse a config hls4ml converts: its project has a layer trigrt has no
  /// kernel for (or does not compile, or has no output port).
  /// (`index bits but`: a softmax table indexed by more bits than its index type has, where
  /// hls4ml's C++ slices past the word; `trigrt supports 1…64 bits`: a type wider than 64 bits;
  /// `unsupported operator`: an op hls4ml converts that trigrt's lowering has no kernel for,
  /// e.g. Max, Min, Sum, Elu.)
  static let runtimeLimits = ["has no trigrt kernel", "does not compile", "has no output port", "floating-point type",
                              "index bits but", "trigrt supports 1…64 bits", "unsupported operator '"]

  /// hls4ml's weights text: each value as `'{:.Ff}'` (F = max(0, W − I), 0 for integers),
  /// joined by ", " in C order.
  static func weightsText(_ w: WeightVar) -> String {
    let t = w.type.precision
    let f = t.kind == .fixed ? max(0, t.width - t.integer) : 0
    return w.data.data.map { v -> String in
      var buf = [CChar](repeating: 0, count: 512)
      _ = withVaList([Int32(f), v]) { vsnprintf(&buf, buf.count, "%.*f", $0) }
      return String(cString: buf)
    }.joined(separator: ", ")
  }

  @Test func sha256KnownAnswer() {
    #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
  }

  @Test(arguments: configs)
  func matchesHls4ml(_ c: Config) throws {
    let (modelPath, entry, cfgText) = Self.record(c)
    let name = c.testDescription
    let parsed = Result { () throws(TrigRTError) in try PrecisionConfig.parse(cfgText, source: "\(name).json") }
    let frontend = parsed.flatMap { cfg in Result { () throws(TrigRTError) in try HLSFrontend.convert(path: modelPath, config: cfg) } }
    let cfgPath = NSTemporaryDirectory() + "trigrt-oracle-\(getpid())-\(c.file)-\(c.index).json"
    try cfgText.write(toFile: cfgPath, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: cfgPath) }
    let loaded = Result { () throws(TrigRTError) in try Model.load(path: modelPath, options: LoadOptions(mode: .fixed, precisionConfig: cfgPath)) }

    guard let result = entry["result"] as? [String: Any] else {
      if case .success = frontend { Issue.record("\(name): hls4ml rejects this config (\(entry["error"] ?? "")), trigrt's frontend converts it") }
      if case .success = loaded { Issue.record("\(name): hls4ml rejects this config (\(entry["error"] ?? "")), trigrt loaded it") }
      if case .failure(let e) = loaded { #expect(!e.message.isEmpty) }
      return
    }
    let expected = (result["layers"] as! [[String: Any]]).filter { ($0["fn"] as? String) != "input" }
    let expectedInputs = (result["inputs"] as! [[String: Any]]).map { $0["type"] as! String }

    // 1. The frontend, against everything the oracle records.
    switch frontend {
    case .failure(let e):
      Issue.record("\(name): hls4ml converts it, trigrt's frontend refused: \(e.message)")
    case .success(let m):
      let d = m.describe()
      #expect(d.inputs.map(\.type) == expectedInputs, "\(name): inputs \(d.inputs.map(\.type)) vs \(expectedInputs)")
      let outs = (result["outputs"] as! [[String: Any]]).map { $0["layer"] as! String }
      #expect(d.outputLayers == outs, "\(name): output layers \(d.outputLayers) vs \(outs)")
      if d.layers.map(\.name) != expected.map({ $0["name"] as! String }) {
        Issue.record("\(name): layers \(d.layers.map(\.name)) vs hls4ml \(expected.map { $0["name"] as! String })")
      } else {
        for (l, e) in zip(d.layers, expected) {
          let ln = "\(name) \(l.name)"
          #expect(l.className == e["class"] as? String, "\(ln): class \(l.className) vs \(e["class"] ?? "")")
          #expect(l.function == e["fn"] as? String, "\(ln): function \(l.function) vs \(e["fn"] ?? "")")
          if let first = (e["in"] as? [String])?.first { #expect(l.inputTypes.first == first, "\(ln): input \(l.inputTypes) vs \(first)") }
          #expect(l.result == e["out"] as? String, "\(ln): result \(l.result) vs \(e["out"] ?? "")")
          // (`mult_config`: the name of a convolution's nested Dense config struct, not a type.)
          for (k, v) in e["types"] as? [String: String] ?? [:] where k != "mult_config" {
            #expect(l.types[k] == Self.strip(v), "\(ln): \(k) \(l.types[k] ?? "missing") vs \(v)")
          }
          let consts = e["consts"] as? [String: Any] ?? [:]
          for k in ["table_size", "exp_table_size", "inv_table_size", "implementation", "n_in", "n_out"] {
            guard let v = consts[k] else { continue }
            #expect(l.constants[k] == "\(v)", "\(ln): \(k) \(l.constants[k] ?? "missing") vs \(v)")
          }
          // The weights files, byte for byte (sha256 prefix of firmware/weights/*.txt).
          let layer = m.layers.first { $0.name == l.name }!
          for (role, w) in e["weights"] as? [String: [String: Any]] ?? [:] where role != "threshold" {
            guard let mine = layer.weights[role] else { Issue.record("\(ln): no \(role) weights"); continue }
            #expect(mine.type.precision.description == w["type"] as? String, "\(ln): \(role) type \(mine.type.precision) vs \(w["type"] ?? "")")
            let text = Self.weightsText(mine)
            #expect(SHA256.hex(Array(text.utf8)).prefix(16) == (w["sha"] as? String ?? "").prefix(16),
                    "\(ln): \(role) weights text differs: \(text.prefix(200))")
          }
        }
      }
    }

    // 2. The runtime: the same layers and types, or a refusal naming what trigrt lacks.
    let model: Model
    switch loaded {
    case .success(let x): model = x
    case .failure(let e):
      if !Self.runtimeLimits.contains(where: { e.message.contains($0) }) {
        Issue.record("\(name): hls4ml converts it, trigrt refused: \(e.message)")
      }
      return
    }
    // A convolution's im2col gather is a step of its own in trigrt (part of hls4ml's conv layer).
    let got = model.layers.filter { !$0.name.hasSuffix("/im2col") }
    #expect(Self.same(got.first?.formats["input"], expected.first.flatMap { ($0["in"] as? [String])?.first }),
            "\(name): first input type \(got.first?.formats["input"] ?? "-")")
    guard got.map(\.name) == expected.map({ $0["name"] as! String }) else {
      Issue.record("\(name): runtime layers \(got.map(\.name)) vs hls4ml \(expected.map { $0["name"] as! String })")
      return
    }
    let keys = ["weight_t": "weight", "bias_t": "bias", "accum_t": "accum", "scale_t": "scale", "exp_table_t": "exp_table",
                "inv_table_t": "inv_table", "inv_inp_t": "inv_inp", "inp_norm_t": "inp_norm", "param_t": "param"]
    for (l, e) in zip(got, expected) {
      let ln = "\(name) \(l.name) (runtime)"
      #expect(l.opTypes.first == e["class"] as? String, "\(ln): class \(l.opTypes) vs \(e["class"] ?? "")")
      if let first = (e["in"] as? [String])?.first { #expect(Self.same(l.formats["input"], first), "\(ln): input \(l.formats["input"] ?? "-") vs \(first)") }
      #expect(Self.same(l.formats["result"], e["out"] as? String), "\(ln): result \(l.formats["result"] ?? "-") vs \(e["out"] ?? "")")
      let fn = e["fn"] as? String ?? ""
      for (k, v) in e["types"] as? [String: String] ?? [:] {
        guard let key = keys[k] else { continue }
        if key == "inp_norm" && (e["consts"] as? [String: Any])?["implementation"] as? String != "stable" { continue }
        #expect(Self.same(l.formats[key], v), "\(ln): \(k) \(l.formats[key] ?? "missing") vs \(v)")
      }
      if fn == "sigmoid" || fn == "tanh" { #expect(Self.same(l.formats["table"], (e["types"] as? [String: String])?["table_t"]), "\(ln): table_t") }
      let consts = e["consts"] as? [String: Any] ?? [:]
      for k in ["table_size", "exp_table_size", "inv_table_size"] {
        guard let v = consts[k], fn != "relu", fn != "linear", fn != "leaky_relu" else { continue }
        #expect(l.constants[k] == "\(v)", "\(ln): \(k) \(l.constants[k] ?? "missing") vs \(v)")
      }
      if let impl = consts["implementation"] as? String {
        #expect(l.constants["implementation"] == impl, "\(ln): implementation \(l.constants["implementation"] ?? "-") vs \(impl)")
      }
    }
  }
}

/// SHA-256 (FIPS 180-4), for comparing weights files with the oracle's digests.
enum SHA256 {
  static let k: [UInt32] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
    0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
    0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
    0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]

  static func hex(_ message: [UInt8]) -> String {
    var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    var m = message
    let bits = UInt64(message.count) * 8
    m.append(0x80)
    while m.count % 64 != 56 { m.append(0) }
    for i in (0..<8).reversed() { m.append(UInt8(truncatingIfNeeded: bits >> (UInt64(i) * 8))) }
    func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
    var w = [UInt32](repeating: 0, count: 64)
    for chunk in stride(from: 0, to: m.count, by: 64) {
      for i in 0..<16 {
        w[i] = (0..<4).reduce(0) { ($0 << 8) | UInt32(m[chunk + i * 4 + $1]) }
      }
      for i in 16..<64 {
        let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
        let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
        w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
      }
      var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
      for i in 0..<64 {
        let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
        let ch = (e & f) ^ (~e & g)
        let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
        let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
        let maj = (a & b) ^ (a & c) ^ (b & c)
        let t2 = s0 &+ maj
        (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
      }
      h = zip(h, [a, b, c, d, e, f, g, hh]).map { $0 &+ $1 }
    }
    return h.map { String($0, radix: 16).leftPadded(8) }.joined()
  }
}

extension String {
  func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
