"""Pangting (旁听): center-group theory study and its supervision by observation."""
