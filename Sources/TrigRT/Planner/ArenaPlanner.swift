/// Arena planning: a pure function from buffer lifetimes to offsets. A buffer is live from the
/// step that writes it to the last step that reads it (inclusive); two buffers may share bytes
/// only if their lifetimes do not overlap. TFLM's greedy planner: place buffers largest first,
/// each at the lowest offset that does not collide with an already placed, simultaneously live
/// buffer.

public struct BufferRequest: Equatable, Sendable {
  public var size: Int
  public var firstUse: Int
  public var lastUse: Int
  public init(size: Int, firstUse: Int, lastUse: Int) {
    self.size = size
    self.firstUse = firstUse
    self.lastUse = lastUse
  }
  func overlapsInTime(_ o: BufferRequest) -> Bool { firstUse <= o.lastUse && o.firstUse <= lastUse }
}

public struct ArenaLayout: Equatable, Sendable {
  public var offsets: [Int]
  public var size: Int
}

public protocol ArenaPlanner {
  func plan(_ buffers: [BufferRequest], alignment: Int) -> ArenaLayout
}

/// Largest-first greedy placement (the default).
public struct GreedyArenaPlanner: ArenaPlanner {
  public init() {}
  public func plan(_ buffers: [BufferRequest], alignment: Int) -> ArenaLayout {
    let order = buffers.indices.sorted {
      buffers[$0].size != buffers[$1].size ? buffers[$0].size > buffers[$1].size : $0 < $1
    }
    var offsets = [Int](repeating: 0, count: buffers.count)
    var placed: [Int] = []
    var total = 0
    for i in order {
      let b = buffers[i]
      let size = align(b.size, alignment)
      // Intervals taken by live buffers, sorted by offset; take the first gap that fits.
      let busy = placed.filter { buffers[$0].overlapsInTime(b) }
        .map { (offsets[$0], offsets[$0] + align(buffers[$0].size, alignment)) }
        .sorted { $0.0 < $1.0 }
      var candidate = 0
      for (start, end) in busy {
        if candidate + size <= start { break }
        candidate = max(candidate, end)
      }
      offsets[i] = candidate
      placed.append(i)
      total = max(total, candidate + size)
    }
    return ArenaLayout(offsets: offsets, size: total)
  }
}

/// Every buffer at its own offset: the debug baseline the greedy plan is compared with.
public struct LinearArenaPlanner: ArenaPlanner {
  public init() {}
  public func plan(_ buffers: [BufferRequest], alignment: Int) -> ArenaLayout {
    var offsets: [Int] = []
    var total = 0
    for b in buffers {
      offsets.append(total)
      total += align(b.size, alignment)
    }
    return ArenaLayout(offsets: offsets, size: total)
  }
}

@inline(__always) func align(_ n: Int, _ a: Int) -> Int { (n + a - 1) / a * a }
