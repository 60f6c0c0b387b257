// swift-tools-version:6.0
import PackageDescription
import Foundation

// TRIGRT_DIST=1 builds the distributable libtrigrt.so: Swift stdlib linked statically, protobuf-c
// linked statically, only trigrt_* exported (trigrt.map), SONAME libtrigrt.so.MAJOR from
// include/trigrt.h's TRIGRT_VERSION_MAJOR (`make install` names the file .so.MAJOR.MINOR.PATCH
// from the same macros and adds the .so.MAJOR and .so links). These linker flags
// would also reach the test bundle and break `swift test`, so they are gated (SWIFT-NOTES P11).
let dist = Context.environment["TRIGRT_DIST"] == "1"
/// TRIGRT_VERSION_MAJOR of include/trigrt.h (the header is the one place the version is written).
func headerMajorVersion() -> String {
  let header = Context.packageDirectory + "/include/trigrt.h"
  guard let text = try? String(contentsOfFile: header, encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("#define TRIGRT_VERSION_MAJOR ") }),
        let major = line.split(separator: " ").last, Int(major) != nil
  else { fatalError("cannot read TRIGRT_VERSION_MAJOR from \(header)") }
  return String(major)
}
// AVX2 + FMA baseline. `-Xcc -march=x86-64-v3` also sets Swift's codegen features (SWIFT-NOTES P1);
// without it every SIMD FMA becomes an `fmaf` libcall, 24-50x slower.
let isa: [String] = ["-Xcc", "-march=x86-64-v3"]
let distLink: [LinkerSetting] = dist ? [.unsafeFlags([
  "-static-stdlib",
  "-Xlinker", "--version-script=\(Context.packageDirectory)/trigrt.map",
  "-Xlinker", "-soname=libtrigrt.so.\(headerMajorVersion())",
  "-no-toolchain-stdlib-rpath",
])] : []

let package = Package(
  name: "trigrt",
  products: [
    .library(name: "trigrt", type: .dynamic, targets: ["TrigRTCABI"]),
    .library(name: "TrigRT", targets: ["TrigRT"]),
    .executable(name: "trigrt-cli", targets: ["TrigRTCLI"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  ],
  targets: [
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
    .target(
      name: "CONNX", path: "Sources/CONNX",
      cSettings: [.unsafeFlags(["-O2", "-march=x86-64-v3"])],
      linkerSettings: dist ? [.unsafeFlags(["-Xlinker", "-l:libprotobuf-c.a"])] : [.linkedLibrary("protobuf-c")]),
    // Baseline-ISA C helpers (the CPU check must run before any AVX instruction).
    .target(name: "CSupport", path: "Sources/CSupport"),
    // include/trigrt.h as a module, so the exports are written against the header's own types.
    .target(name: "CTrigRTHeader", path: "Sources/CTrigRTHeader"),
    // The load entry points in baseline C: the CPU check runs before any Swift code (entry.c).
    .target(name: "CEntry", dependencies: ["CTrigRTHeader", "CSupport"], path: "Sources/CEntry"),
    .target(name: "FixedPoint", path: "Sources/FixedPoint", swiftSettings: [.unsafeFlags(isa)]),
    .target(
      name: "TrigRT", dependencies: ["FixedPoint", "CONNX", "CBLAS", "CSupport"], path: "Sources/TrigRT",
      swiftSettings: [.unsafeFlags(isa)]),
    .target(
      name: "TrigRTCABI", dependencies: ["TrigRT", "TrigRTTools", "CTrigRTHeader", "CEntry"], path: "Sources/CABI",
      linkerSettings: distLink),
    // .npy I/O and timing helpers shared by the CLI and the tests (not part of libtrigrt).
    .target(name: "TrigRTTools", dependencies: ["TrigRT"], path: "Sources/Tools"),
    .executableTarget(
      name: "TrigRTCLI",
      dependencies: ["TrigRT", "TrigRTTools", "FixedPoint", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      path: "Sources/CLI", swiftSettings: [.unsafeFlags(isa)]),
    .testTarget(name: "FixedPointTests", dependencies: ["FixedPoint"], path: "Tests/FixedPointTests", exclude: ["Oracle", "Golden"]),
    .testTarget(name: "TrigRTTests", dependencies: ["TrigRT", "TrigRTCABI", "TrigRTTools", "CTrigRTHeader"], path: "Tests/TrigRTTests"),
  ]
)
