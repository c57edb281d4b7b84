"""困难帮扶: the dynamic database of households in difficulty, pairing and helps (docs/assistance.md)."""
