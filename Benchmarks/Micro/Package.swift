// swift-tools-version:6.1
// Kernel micro-benchmarks (ordo-one/benchmark): a package of its own, so neither the main build
// nor `swift test` pulls the benchmark package in. Run with `make bench-micro` from the root, or
// `swift package benchmark` here (`--filter 'fixed.*'`, `--format markdown`, baselines: see
// `swift package benchmark help`).
import PackageDescription

// A path dependency's package identity is its directory's name (lowercased): the checkout's, not
// "trigrt" (a clone may be called anything).
let rootIdentity = Context.packageDirectory.split(separator: "/").dropLast(2).last.map { $0.lowercased() } ?? "trigrt"

let package = Package(
  name: "trigrt-micro",
  dependencies: [
    .package(path: "../.."),
    .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
  ],
  targets: [
    .executableTarget(
      name: "Kernels",
      dependencies: [
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "TrigRT", package: rootIdentity),
      ],
      path: "Benchmarks/Kernels",
      // the same ISA baseline as the library (SWIFT-NOTES P1)
      swiftSettings: [.unsafeFlags(["-Xcc", "-march=x86-64-v3"])],
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ),
  ]
)
