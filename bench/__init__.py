"""The newsfacts performance benchmark: corpus builder, harness and profiles."""
