/// An hls4ml configuration file as `trigrt convert-config` reads it: either the `hls_config`
/// dictionary itself (`Model` / `LayerName` / `LayerType`, what `hls4ml.utils.config_from_*_model`
/// returns and what trigrt's precision reader takes), or a whole hls4ml project config (the
/// `hls4ml_config.yml` hls4ml writes next to a project: `HLSConfig` plus `OutputDir`,
/// `ProjectName`, `Backend`, `IOType`, `OnnxModel`, …). This is a thin layer: the YAML reader
/// and the precision-config checks are the ones loading uses (`ConfigDocument`, `PrecisionConfig`).

public struct HLS4MLConfigFile: Sendable {
  /// The file read.
  public let source: String
  /// Whether the file was a project config (the precisions came from its `HLSConfig`).
  public let isProjectConfig: Bool
  /// The project config's other top-level settings whose values are plain scalars, in file order.
  public let projectSettings: [(key: String, value: String)]
  /// The `hls_config` dictionary as YAML trigrt reads (`LoadOptions.precisionConfig`).
  public let yaml: String
  /// What the precision reader noted: keys hls4ml accepts and ignores.
  public let readerNotes: [String]
  /// Project settings that differ from what trigrt computes (io_stream, another backend, …).
  public let warnings: [String]

  /// Reads `path`, extracts the `hls_config` section and checks it with the precision reader.
  public static func read(path: String) throws(TrigRTError) -> HLS4MLConfigFile {
    let bytes: [UInt8]
    do { bytes = try ONNXReader.readFile(path) } catch {
      throw TrigRTError(error.code == .io ? .io : .precisionConfig, "hls4ml config: \(error.message)")
    }
    let doc: ConfigNode
    do { doc = try ConfigDocument.parse(String(decoding: bytes, as: UTF8.self)) } catch {
      throw TrigRTError(.precisionConfig, "\(path):\(error.line): \(error.message)")
    }
    guard let top = doc.entries else {
      throw TrigRTError(.precisionConfig, "\(path): expected a mapping (an hls4ml config: HLSConfig, or Model / LayerName / LayerType)")
    }
    var section = doc
    var project: [(key: String, value: String)] = []
    var warnings: [String] = []
    let isProject = top.contains { $0.key == "HLSConfig" }
    if isProject {
      for (k, v, _) in top {
        if k == "HLSConfig" { section = v; continue }
        if let s = v.scalar { project.append((k, s)) }
      }
      for (k, v) in project {
        switch k {
        case "IOType" where v != "io_parallel":
          warnings.append("IOType \(v): trigrt computes io_parallel (io_stream layers can differ: streamed softmax, padding, merge order)")
        case "Backend" where !["Vivado", "Vitis", "VivadoAccelerator"].contains(v):
          warnings.append("Backend \(v): trigrt reproduces the Vivado/Vitis templates of hls4ml 1.3.0; \(v) has its own nnet_utils")
        default: break
        }
      }
    }
    let yaml = emit(section, indent: 0)
    let checked = try PrecisionConfig.parse(yaml, source: path)
    return HLS4MLConfigFile(source: path, isProjectConfig: isProject, projectSettings: project, yaml: yaml,
                            readerNotes: checked.notes, warnings: warnings)
  }

  /// Block YAML of a node: mappings as indented blocks, lists in flow style, scalars as written
  /// (quoted again when they were quoted, or when they would not read back as the same text).
  static func emit(_ node: ConfigNode, indent: Int) -> String {
    let pad = String(repeating: " ", count: indent)
    switch node {
    case .map(let entries):
      var out = ""
      for (k, v, _) in entries {
        switch v {
        case .map(let m) where !m.isEmpty: out += "\(pad)\(scalarText(k, quoted: false)):\n" + emit(v, indent: indent + 2)
        case .map: out += "\(pad)\(scalarText(k, quoted: false)): {}\n"
        default: out += "\(pad)\(scalarText(k, quoted: false)): \(inline(v))\n"
        }
      }
      return out
    default:
      return pad + inline(node) + "\n"
    }
  }

  static func inline(_ node: ConfigNode) -> String {
    switch node {
    case .scalar(let s, let quoted): return scalarText(s, quoted: quoted)
    case .list(let l): return "[" + l.map { inline($0, flow: true) }.joined(separator: ", ") + "]"
    case .map(let m): return "{" + m.map { "\(scalarText($0.key, quoted: false)): \(inline($0.value, flow: true))" }.joined(separator: ", ") + "}"
    }
  }

  static func inline(_ node: ConfigNode, flow: Bool) -> String {
    // In flow context a plain scalar ends at a comma outside angle brackets (`ap_fixed<16,6>` stays plain).
    if case .scalar(let s, let quoted) = node, flow, !quoted {
      var depth = 0
      for c in s {
        if c == "<" { depth += 1 } else if c == ">" { depth -= 1 }
        if depth <= 0 && (c == "," || c == "}" || c == "]") { return scalarText(s, quoted: true) }
      }
    }
    return inline(node)
  }

  static func scalarText(_ s: String, quoted: Bool) -> String {
    let special: Set<Character> = [":", "#", "{", "}", "[", "]", "'", "\"", "&", "*", "!", "|", ">", "%", "@", "`"]
    let needs = quoted || s.isEmpty || s.first == " " || s.last == " " || s.first.map { special.contains($0) || $0 == "-" && s.count == 1 } == true
      || s.contains(": ") || s.contains(" #")
    guard needs else { return s }
    return "'" + s.replacingAll("'", with: "''") + "'"
  }
}

extension String {
  fileprivate func replacingAll(_ a: Character, with b: String) -> String {
    var out = ""
    for c in self { if c == a { out += b } else { out.append(c) } }
    return out
  }
}
