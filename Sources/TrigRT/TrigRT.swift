import FixedPoint
public enum TrigRTPlaceholder {}
