public enum FixedPointPlaceholder {}
