import Foundation
import Testing
@testable import TrigRT
import TrigRTTools

/// `trigrt convert-config`'s reader: the hls_config section of a project config, written back as
/// YAML that the same reader parses to the same document, and the model loads with the same types.
@Suite struct ConfigFileTests {
  static let model = Paths.root + "/firmware-sim/models/jet_tagger.cleaned.onnx"
  static let mixed = Paths.root + "/firmware-sim/configs/jet_tagger/mixed.yml"

  func write(_ text: String) -> String {
    let path = NSTemporaryDirectory() + "trigrt-configfile-\(UUID().uuidString).yml"
    FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    return path
  }

  func types(_ config: String) throws -> [[String: String]] {
    try Model.load(path: Self.model, options: LoadOptions(mode: .fixed, precisionConfig: config)).layers.map(\.formats)
  }

  @Test func projectConfigGivesTheSameTypes() throws {
    let body = try String(contentsOfFile: Self.mixed, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
      .filter { !$0.hasPrefix("#") }.map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n")
    let project = write("OutputDir: prj\nProjectName: myproject\nBackend: Quartus\nIOType: io_stream\nHLSConfig:\n" + body + "\n")
    defer { unlink(project) }
    let file = try HLS4MLConfigFile.read(path: project)
    #expect(file.isProjectConfig)
    #expect(file.projectSettings.map(\.key) == ["OutputDir", "ProjectName", "Backend", "IOType"])
    #expect(file.warnings.count == 2)
    let converted = write(file.yaml)
    defer { unlink(converted) }
    #expect(try types(converted) == types(Self.mixed))
  }

  @Test func plainConfigRoundTrips() throws {
    let file = try HLS4MLConfigFile.read(path: Self.mixed)
    #expect(!file.isProjectConfig && file.warnings.isEmpty)
    let again = write(file.yaml)
    defer { unlink(again) }
    let twice = try HLS4MLConfigFile.read(path: again)
    #expect(twice.yaml == file.yaml)
    #expect(try ConfigDocument.parse(file.yaml) == ConfigDocument.parse(try String(contentsOfFile: Self.mixed, encoding: .utf8)))
  }

  @Test func scalarsKeepTheirText() throws {
    let doc: ConfigNode = .map([
      (key: "a", value: .scalar("ap_fixed<8,3>", quoted: false), line: 1),
      (key: "b", value: .scalar("it's: here", quoted: true), line: 2),
      (key: "c", value: .scalar("1", quoted: true), line: 3),
      (key: "d", value: .list([.scalar("ap_fixed<8,3,AP_RND>", quoted: false), .scalar("z", quoted: true)]), line: 4),
      (key: "e", value: .map([]), line: 5),
    ])
    let text = HLS4MLConfigFile.emit(doc, indent: 0)
    #expect(try ConfigDocument.parse(text) == doc)
  }

  @Test func refusalsComeFromThePrecisionReader() {
    let bad = write("HLSConfig:\n  Model:\n    Precision: ap_fixed<16,6>\n    Strategy: Resource\n")
    defer { unlink(bad) }
    #expect(throws: TrigRTError.self) { try HLS4MLConfigFile.read(path: bad) }
  }
}
