"""coursekit: the small library behind the network-compression course notebooks."""
