import ArgumentParser
import TrigRT
import TrigRTTools
#if canImport(Glibc)
import Glibc
#endif

struct ConvertConfig: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "convert-config",
    abstract: "Read an hls4ml config (YAML: the hls_config dictionary, or a project's hls4ml_config.yml with HLSConfig) and write trigrt's precision config; list every resolved type.",
    discussion: """
      The written file is the hls_config section (Model / LayerName / LayerType) that `--precision` \
      takes. The model is then loaded in fixed mode with it, and every layer's resolved types \
      (after hls4ml's auto / infer_precision_types resolution) are listed, with the known traps. \
      A project config's OnnxModel is used when --model is not given.
      """)

  @Argument(help: "The hls4ml config (YAML or JSON).")
  var config: String

  @Option(name: .long, help: "The .onnx model the config is for (default: the project config's OnnxModel).")
  var model: String?

  @Option(name: .shortAndLong, help: "Where to write trigrt's config (default: print it).")
  var output: String?

  @Flag(name: .long, help: "Machine-readable output.")
  var json = false

  func run() throws {
    let file: HLS4MLConfigFile
    do { file = try HLS4MLConfigFile.read(path: config) } catch { throw CLIError("\(error.message) [\(error.code.text)]") }
    guard let modelPath = model ?? file.projectSettings.first(where: { $0.key == "OnnxModel" })?.value else {
      throw ValidationError("--model is needed: \(config) names no OnnxModel")
    }
    let written = output ?? "/tmp/trigrt-convert-config-\(getpid()).yml"
    try writeText(written, "# trigrt precision config converted from \(config) by trigrt convert-config\n" + file.yaml)
    defer { if output == nil { unlink(written) } }
    let m: Model
    do { m = try Model.load(path: modelPath, options: LoadOptions(mode: .fixed, precisionConfig: written)) } catch {
      throw CLIError("\(error.message) [\(error.code.text)]")
    }

    if json {
      print(JSONValue.object([
        ("config", .string(config)), ("model", .string(modelPath)),
        ("output", output.map { .string($0) } ?? .null),
        ("project_config", .bool(file.isProjectConfig)),
        ("project", .object(file.projectSettings.map { ($0.key, .string($0.value)) })),
        ("trigrt_config", .string(file.yaml)),
        ("reader_notes", .array(file.readerNotes.map { .string($0) })),
        ("warnings", .array(file.warnings.map { .string($0) })),
        ("layers", .array(m.layers.enumerated().map { (i, l) in
          .object([("index", .int(i)), ("name", .string(l.name)), ("class", .string(l.opTypes.joined(separator: "+"))),
                   ("types", .object(orderedTypes(l).map { ($0.0, .string($0.1)) })),
                   ("notes", .array(l.notes.map { .string($0) }))])
        })),
      ]).text)
      return
    }
    if let output { print("wrote \(output) (the hls_config section of \(config)\(file.isProjectConfig ? ", from HLSConfig" : ""))") } else {
      print("# trigrt precision config (the hls_config section of \(config))")
      print(file.yaml, terminator: "")
    }
    for (k, v) in file.projectSettings where ["Backend", "IOType", "OnnxModel", "ProjectName", "Part", "ClockPeriod"].contains(k) {
      print("project \(k): \(v)")
    }
    for w in file.warnings { print("warning: " + w) }
    for n in file.readerNotes { print("note: " + n) }
    print("")
    print("resolved types of \(m.source) (\(m.layers.count) layers):")
    printTypeTable(m)
  }
}

func writeText(_ path: String, _ text: String) throws {
  guard let f = fopen(path, "w") else { throw CLIError("cannot write '\(path)': \(String(cString: strerror(errno)))") }
  defer { fclose(f) }
  fputs(text, f)
}

/// The per-layer table of fixed-mode types: one row per layer and type, then every trap and note.
func printTypeTable(_ m: Model) {
  print(pad("#", 4) + pad("layer", 24) + pad("class", 14) + pad("type", 11) + "format")
  for (i, l) in m.layers.enumerated() {
    for (j, (k, v)) in orderedTypes(l).enumerated() {
      let head = j == 0 ? pad("\(i)", 4) + pad(l.name, 23) + " " + pad(l.opTypes.joined(separator: "+"), 14) : String(repeating: " ", count: 42)
      print(head + pad(k, 11) + v)
    }
    if l.formats.isEmpty { print(pad("\(i)", 4) + pad(l.name, 23) + " " + pad(l.opTypes.joined(separator: "+"), 14) + "(float)") }
  }
  let notes = m.layers.flatMap { l in l.notes.map { (l.name, $0) } }
  let traps = notes.filter { noteSeverity($0.1) == "trap" }
  if !notes.isEmpty { print("") }
  for (name, n) in traps + notes.filter({ noteSeverity($0.1) != "trap" }) {
    switch noteSeverity(n) {
    case "trap": print("warning: \(name): \(noteText(n))")
    case "note": print("note: \(name): \(noteText(n))")
    default: print("info: \(name): \(n)")
    }
  }
  if !traps.isEmpty { print("\(traps.count) known hls4ml trap\(traps.count == 1 ? "" : "s") in this configuration") }
}
