"""Assessment formulas, score sheets and leaders' study reports (述学)."""
