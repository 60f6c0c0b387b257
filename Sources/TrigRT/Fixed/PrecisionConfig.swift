/// An hls4ml precision config (the `hls_config` dictionary `hls4ml.utils.config_from_*_model`
/// returns, as YAML or JSON): `Model` defaults, `LayerType` and `LayerName` entries. Keys are
/// checked: a key hls4ml does not know, or a layer name the model does not have, is an error.
/// Entries hls4ml accepts but ignores are kept and reported (`ignoredEntries`).
import FixedPoint

/// One precision value: a format, or `auto` (resolved by `infer_precision_types`).
enum PrecisionValue: Equatable, CustomStringConvertible {
  case auto
  case format(FixedFormat)

  var description: String {
    switch self {
    case .auto: return "auto"
    case .format(let f): return f.description
    }
  }
}

struct LayerEntry {
  /// `Precision: {key: value}`; a plain `Precision: <type>` string is stored under "" (hls4ml
  /// then uses it for every precision of the layer).
  var precision: [String: PrecisionValue] = [:]
  /// Layer-level type keys (`table_t`, `exp_table_t`, `inv_table_t`, `inv_inp_t`, `accum_t`, …).
  var typeKeys: [String: PrecisionValue] = [:]
  var tableSize: Int?
  var implementation: String?
  var reuseFactor: Int?
  var strategy: String?
  var trace: Bool = false
  var line: Int = 0
}

struct PrecisionConfig {
  var source: String
  /// `Model: Precision` (or `Model: Precision: default`).
  var defaultPrecision: FixedFormat
  /// `Model: Precision: maximum`, capping `auto` results.
  var maximum: FixedFormat?
  var strategy: String = "Latency"
  var traceOutput = false
  var layerName: [String: LayerEntry] = [:]
  var layerType: [String: LayerEntry] = [:]
  /// Config keys that hls4ml accepts and trigrt reads but that change nothing (reported by inspect).
  var notes: [String] = []

  /// hls4ml's own default when a config gives none: ap_fixed<16,6> (AP_TRN, AP_WRAP).
  static let hls4mlDefault = try! FixedFormat(parsing: "ap_fixed<16,6>")

  /// The default config hls4ml's `config_from_onnx_model(granularity='model')` returns.
  static func modelDefault(source: String) -> PrecisionConfig {
    PrecisionConfig(source: source, defaultPrecision: hls4mlDefault)
  }

  static let layerKeys: Set<String> = ["Precision", "ReuseFactor", "Strategy", "Trace", "TableSize", "Implementation",
                                       "Skip", "table_t", "exp_table_t", "inv_table_t", "inv_inp_t", "accum_t",
                                       "ParallelizationFactor", "exp_scale"]
  static let precisionKeys: Set<String> = ["weight", "bias", "scale", "accum", "result", "table", "exp_table",
                                           "inv_table", "inv_inp", "param", "default"]
  static let typeKeyNames: Set<String> = ["table_t", "exp_table_t", "inv_table_t", "inv_inp_t", "accum_t"]

  /// Parses YAML or JSON text. `source` names the file in messages.
  static func parse(_ text: String, source: String) throws(TrigRTError) -> PrecisionConfig {
    func fail(_ line: Int, _ m: String) -> TrigRTError {
      TrigRTError(.precisionConfig, "\(source):\(line): \(m)")
    }
    let doc: ConfigNode
    do { doc = try ConfigDocument.parse(text) } catch { throw fail(error.line, error.message) }
    guard let top = doc.entries else { throw fail(1, "expected a mapping with the keys Model, LayerName, LayerType") }
    var cfg = PrecisionConfig(source: source, defaultPrecision: hls4mlDefault)
    var sawModel = false
    func format(_ s: String, _ line: Int, _ what: String) throws(TrigRTError) -> PrecisionValue {
      if s == "auto" { return .auto }
      do { return .format(try FixedFormat(parsing: s)) } catch {
        if s.hasPrefix("float") || s == "double" || s == "half" {
          throw fail(line, "\(what): '\(s)' is a floating-point type; trigrt's fixed mode needs fixed-point types")
        }
        throw fail(line, "\(what): \(error)")
      }
    }
    func entry(_ node: ConfigNode, _ line: Int, _ what: String) throws(TrigRTError) -> LayerEntry {
      guard let m = node.entries else { throw fail(line, "\(what) should be a mapping of layer settings") }
      var e = LayerEntry(line: line)
      for (k, v, l) in m {
        guard layerKeys.contains(k) else {
          throw fail(l, "\(what): unknown key '\(k)' (expected one of \(layerKeys.sorted().joined(separator: ", ")))")
        }
        switch k {
        case "Precision":
          if let s = v.scalar {
            e.precision[""] = try format(s, l, "\(what).Precision")
          } else if let pm = v.entries {
            for (pk, pv, pl) in pm {
              guard precisionKeys.contains(pk) else {
                throw fail(pl, "\(what).Precision: unknown key '\(pk)' (expected \(precisionKeys.sorted().joined(separator: ", ")))")
              }
              guard let s = pv.scalar else { throw fail(pl, "\(what).Precision.\(pk) should be a type string") }
              e.precision[pk] = try format(s, pl, "\(what).Precision.\(pk)")
            }
          } else {
            throw fail(l, "\(what).Precision should be a type string or a mapping")
          }
        case "table_t", "exp_table_t", "inv_table_t", "inv_inp_t", "accum_t":
          guard let s = v.scalar else { throw fail(l, "\(what).\(k) should be a type string") }
          e.typeKeys[k] = try format(s, l, "\(what).\(k)")
        case "TableSize":
          guard let s = v.scalar, let n = Int(s), n >= 1, n <= 1 << 20 else { throw fail(l, "\(what).TableSize should be a positive integer up to 2^20, not '\(v)'") }
          e.tableSize = n
        case "Implementation":
          guard let s = v.scalar, ["stable", "latency", "legacy", "argmax"].contains(s) else {
            throw fail(l, "\(what).Implementation should be stable, latency, legacy or argmax, not '\(v)'")
          }
          e.implementation = s
        case "ReuseFactor":
          guard let s = v.scalar, let n = Int(s), n >= 1 else { throw fail(l, "\(what).ReuseFactor should be a positive integer") }
          e.reuseFactor = n
        case "Strategy":
          guard let s = v.scalar else { throw fail(l, "\(what).Strategy should be a string") }
          e.strategy = s
        case "Trace":
          e.trace = v.scalar == "true" || v.scalar == "True"
        case "exp_scale":
          throw fail(l, "\(what).exp_scale is not supported yet")
        default:
          break   // Skip, ParallelizationFactor: no effect on io_parallel latency arithmetic
        }
      }
      if let s = e.strategy, s.lowercased() != "latency" {
        throw fail(line, "\(what): Strategy '\(s)' is not supported; trigrt computes hls4ml's Latency strategy (Resource changes the accumulation order)")
      }
      return e
    }
    for (k, v, l) in top {
      switch k {
      case "Model":
        sawModel = true
        guard let m = v.entries else { throw fail(l, "Model should be a mapping") }
        for (mk, mv, ml) in m {
          switch mk {
          case "Precision":
            if let s = mv.scalar {
              guard case .format(let f) = try format(s, ml, "Model.Precision") else { throw fail(ml, "Model.Precision cannot be auto") }
              cfg.defaultPrecision = f
            } else if let pm = mv.entries {
              for (pk, pv, pl) in pm {
                guard let s = pv.scalar else { throw fail(pl, "Model.Precision.\(pk) should be a type string") }
                switch pk {
                case "default":
                  guard case .format(let f) = try format(s, pl, "Model.Precision.default") else { throw fail(pl, "Model.Precision.default cannot be auto") }
                  cfg.defaultPrecision = f
                case "maximum":
                  guard case .format(let f) = try format(s, pl, "Model.Precision.maximum") else { throw fail(pl, "Model.Precision.maximum cannot be auto") }
                  cfg.maximum = f
                default:
                  throw fail(pl, "Model.Precision: unknown key '\(pk)' (expected default, maximum)")
                }
              }
            } else {
              throw fail(ml, "Model.Precision should be a type string or a mapping")
            }
          case "Strategy":
            guard let s = mv.scalar else { throw fail(ml, "Model.Strategy should be a string") }
            guard s.lowercased() == "latency" else {
              throw fail(ml, "Model.Strategy '\(s)' is not supported; trigrt computes hls4ml's Latency strategy")
            }
            cfg.strategy = s
          case "TraceOutput":
            cfg.traceOutput = mv.scalar == "true" || mv.scalar == "True"
          case "ReuseFactor", "BramFactor":
            break   // resources only: no effect on the arithmetic
          default:
            throw fail(ml, "Model: unknown key '\(mk)' (expected Precision, ReuseFactor, Strategy, BramFactor, TraceOutput)")
          }
        }
      case "LayerName", "LayerType":
        guard let m = v.entries else { throw fail(l, "\(k) should be a mapping of layer names to settings") }
        for (name, lv, ll) in m {
          let e = try entry(lv, ll, "\(k).\(name)")
          if k == "LayerName" { cfg.layerName[name] = e } else { cfg.layerType[name] = e }
        }
      default:
        throw fail(l, "unknown top-level key '\(k)' (expected Model, LayerName, LayerType)")
      }
    }
    guard sawModel else { throw fail(1, "the config has no Model section (hls4ml requires Model: Precision)") }
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
}
